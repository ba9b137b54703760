//! `muster init` and `muster import`: the reference scenario imports, and
//! every validation rule rejects its bad dataset with the exact error and
//! leaves the store as it was.

use std::path::Path;

use expect_test::{Expect, expect};

use crate::Sandbox;

#[test]
fn the_reference_scenario_imports_cleanly() {
    let sandbox = Sandbox::new();
    sandbox.reference("reference");
    let init = sandbox.ok(&["init"]);
    assert!(init.starts_with("created an empty store at muster.db"), "{init}");
    let output = sandbox.ok(&["import", "reference"]);
    expect![[r#"
        imported 109 rows as act 1: organisations 11, units 13, sites 3, campaigns 1, people 25, service 25, deployments 5, events 26
    "#]]
    .assert_eq(&output);
}

#[test]
fn init_refuses_to_overwrite_a_store() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    let run = sandbox.run(&["init"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "error: a store already exists at `muster.db`\n");
}

#[test]
fn import_needs_a_store() {
    let sandbox = Sandbox::new();
    sandbox.reference("reference");
    let run = sandbox.run(&["import", "reference"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "error: no store at `muster.db`: create one with `muster init`\n");
    assert!(!sandbox.db().exists());
}

#[test]
fn importing_the_same_dataset_twice_names_the_duplicate_ids() {
    let sandbox = Sandbox::with_reference();
    let before = sandbox.dump();
    let run = sandbox.run(&["import", "reference"]);
    assert_eq!(run.code, 1);
    let first_lines: Vec<&str> = run.stderr.lines().take(3).collect();
    expect![[r#"
        [
            "organisations.csv:2: column id: duplicate id `mod`: already in the store (use `--update` to replace it)",
            "organisations.csv:3: column id: duplicate id `errd`: already in the store (use `--update` to replace it)",
            "organisations.csv:4: column id: duplicate id `msc`: already in the store (use `--update` to replace it)",
        ]
    "#]]
    .assert_debug_eq(&first_lines);
    assert!(
        run.stderr.contains("people.csv:2: column id: duplicate id `p001`: already in the store")
    );
    assert!(
        run.stderr.ends_with("error: the dataset has 109 errors; nothing was stored\n"),
        "{}",
        run.stderr
    );
    assert_eq!(sandbox.dump(), before);
}

#[test]
fn update_replaces_records_and_appends_history() {
    let sandbox = Sandbox::with_reference();
    let dir = sandbox.reference("update");
    // p001 is promoted; p017 is posted abroad; p001's open assignment closes.
    replace_line(
        &dir.join("people.csv"),
        2,
        "p001,Kim Chol-su,1998-03-02,M,Chagang,Kanggye,army,staff sergeant,driver,2016-04-01,120",
    );
    append(&dir.join("events.csv"), "p017,2021-03-01,posted,haebit,Russia");
    replace_line(&dir.join("service.csv"), 2, "p001,c8-2,2016-04-01,2024-12-31");
    let output = sandbox.ok(&["import", "update", "--update", "--as-of", "2024-06-01"]);
    expect![[r#"
        imported 3 rows as act 2: people 1, service 1, events 1
        107 rows were already in the store as given, and left as they were
    "#]]
    .assert_eq(&output);
    let before =
        sandbox.ok(&["person", "show", "p001", "--as-of", "2024-05-31", "--format", "json"]);
    let after =
        sandbox.ok(&["person", "show", "p001", "--as-of", "2025-01-01", "--format", "json"]);
    assert!(before.contains(r#""rank": "sergeant""#), "{before}");
    assert!(after.contains(r#""rank": "staff sergeant""#), "{after}");
    assert!(after.contains(r#""to": "2024-12-31""#), "{after}");
    // Importing the same update again changes nothing.
    let again = sandbox.ok(&["import", "update", "--update"]);
    assert!(again.starts_with("imported 0 rows as act 3"), "{again}");
}

/// Imports a copy of the reference with one change into a store that holds
/// the reference, and checks the error report and that nothing changed.
fn rejects(change: impl FnOnce(&Path), update: bool, expect: Expect) {
    let sandbox = Sandbox::with_reference();
    let before = sandbox.dump();
    let dir = sandbox.reference("bad");
    change(&dir);
    let mut args = vec!["import", "bad"];
    if update {
        args.push("--update");
    }
    let run = sandbox.run(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    expect.assert_eq(&run.stderr);
    assert_eq!(sandbox.dump(), before, "the store changed after a failed import");
}

/// Imports a copy of the reference with one change into an empty store.
fn rejects_fresh(change: impl FnOnce(&Path), expect: Expect) {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    let before = sandbox.dump();
    let dir = sandbox.reference("bad");
    change(&dir);
    let run = sandbox.run(&["import", "bad"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    expect.assert_eq(&run.stderr);
    assert_eq!(sandbox.dump(), before, "the store changed after a failed import");
}

fn append(path: &Path, line: &str) {
    let mut text = std::fs::read_to_string(path).unwrap();
    text.push_str(line);
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// Replaces line `number` (the header is line 1).
fn replace_line(path: &Path, number: usize, line: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[number - 1] = line;
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn rejects_an_unknown_unit() {
    rejects(
        |dir| append(&dir.join("service.csv"), "p005,c9-9,2020-01-01,"),
        true,
        expect![[r#"
            service.csv:27: column unit: unknown unit `c9-9`
            service.csv:27: column person: `p005` never enlisted (`enlisted` is empty)
            error: the dataset has 2 errors; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_unknown_references_of_every_kind() {
    rejects(
        |dir| {
            append(&dir.join("organisations.csv"), "x-org,X,placement,nowhere");
            append(&dir.join("units.csv"), "x-unit,X,c99,army,,adm-c99");
            append(&dir.join("campaigns.csv"), "x-campaign,atlantis,2020-01-01,2020-12-31,1,");
            append(&dir.join("deployments.csv"), "c99,,atlantis,no-such-campaign,2020-01-01,");
            append(&dir.join("deployments.csv"), ",p999,gomdok,,2020-01-01,");
            append(&dir.join("events.csv"), "p999,2020-01-01,injured,,");
            append(&dir.join("events.csv"), "p001,2020-01-01,posted,no-such-company,Russia");
            append(&dir.join("events.csv"), "p001,2020-01-01,injured,atlantis,");
        },
        true,
        expect![[r#"
            organisations.csv:13: column parent: unknown organisation `nowhere`
            units.csv:15: column parent: unknown unit `c99`
            units.csv:15: column administration: unknown organisation `adm-c99`
            campaigns.csv:3: column site: unknown site `atlantis`
            deployments.csv:7: column unit: unknown unit `c99`
            deployments.csv:7: column site: unknown site `atlantis`
            deployments.csv:7: column campaign: unknown campaign `no-such-campaign`
            deployments.csv:8: column person: unknown person `p999`
            events.csv:28: column person: unknown person `p999`
            events.csv:29: column ref: unknown organisation `no-such-company`
            events.csv:30: column ref: unknown site `atlantis`
            error: the dataset has 11 errors; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_a_campaign_of_another_site() {
    rejects(
        |dir| {
            append(
                &dir.join("deployments.csv"),
                ",p001,yongyang,gomdok-restoration-2020,2020-09-01,",
            )
        },
        true,
        expect![[r#"
            deployments.csv:7: column campaign: campaign `gomdok-restoration-2020` is at site `gomdok`, not at `yongyang`
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_a_cycle_in_the_unit_tree() {
    rejects(
        |dir| {
            replace_line(
                &dir.join("units.csv"),
                2,
                "sgc,Supreme Guard Command,sgc-1-2,army,important,",
            )
        },
        true,
        expect![[r#"
            units.csv:2: column parent: the unit tree has a cycle: sgc > sgc-1-2 > sgc-1 > sgc
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_a_cycle_in_the_organisation_tree() {
    rejects(
        |dir| {
            replace_line(&dir.join("organisations.csv"), 2, "mod,Ministry of Defence,ministry,errd")
        },
        true,
        expect![[r#"
            organisations.csv:2: column parent: the organisation tree has a cycle: mod > errd > mod
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_overlapping_assignments() {
    rejects(
        |dir| append(&dir.join("service.csv"), "p001,c8-1,2017-01-01,2017-12-31"),
        true,
        expect![[r#"
            service.csv:27: column from: the assignment overlaps the one to `c8-2` from 2016-04-01 until now (the store)
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_an_assignment_that_overlaps_one_in_the_store() {
    let sandbox = Sandbox::with_reference();
    let before = sandbox.dump();
    let dir = sandbox.path().join("more");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("people.csv"), "id,name,born,sex,home_province\n").unwrap();
    std::fs::write(
        dir.join("service.csv"),
        "person,unit,from,to\np003,c8-1,2012-01-01,2012-06-30\n",
    )
    .unwrap();
    let run = sandbox.run(&["import", "more"]);
    assert_eq!(run.code, 1);
    expect![[r#"
        service.csv:2: column from: the assignment overlaps the one to `c8-2` from 2008-04-01 until 2018-09-30 (the store)
        error: the dataset has 1 error; nothing was stored
    "#]]
    .assert_eq(&run.stderr);
    assert_eq!(sandbox.dump(), before);
}

#[test]
fn rejects_an_assignment_before_enlistment() {
    rejects(
        |dir| append(&dir.join("service.csv"), "p009,c8-1,2016-01-01,2016-12-31"),
        true,
        expect![[r#"
            service.csv:27: column from: the assignment begins on 2016-01-01, before the enlistment of `p009` on 2017-04-01
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_an_event_before_birth() {
    rejects(
        |dir| append(&dir.join("events.csv"), "p005,1990-01-01,injured,,"),
        true,
        expect![[r#"
            events.csv:28: column date: the event is dated 1990-01-01, before the birth of `p005` on 1995-09-09
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_a_deployment_without_exactly_one_of_unit_and_person() {
    rejects(
        |dir| {
            append(&dir.join("deployments.csv"), "c8-1,p001,gomdok,,2020-09-01,");
            append(&dir.join("deployments.csv"), ",,gomdok,,2020-09-01,");
        },
        true,
        expect![[r#"
            deployments.csv:7: column unit: both `unit` and `person` are set: exactly one of them must be
            deployments.csv:8: column unit: neither `unit` nor `person` is set: exactly one of them must be
            error: the dataset has 2 errors; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_bad_dates_and_bad_words() {
    rejects(
        |dir| {
            append(&dir.join("events.csv"), "p001,2020-13-45,injured,,");
            append(&dir.join("events.csv"), "p001,2020-02-30,injured,,");
            append(&dir.join("events.csv"), "p001,2020-02-03,promoted,,");
            append(&dir.join("events.csv"), "p001,2020-02-03,exempted,msoc,no grounds given");
            append(&dir.join("people.csv"), "p100,Ri Chol,1990-1-1,X,Chagang,,army,,,2010-04-01,");
        },
        true,
        expect![[r#"
            people.csv:27: column born: `1990-1-1` is not a date of the form YYYY-MM-DD
            people.csv:27: column sex: unknown sex `X`: expected `M` or `F`
            people.csv:27: column term_months: missing value: required when `enlisted` is set
            events.csv:28: column date: `2020-13-45` is not a date of the form YYYY-MM-DD
            events.csv:29: column date: `2020-02-30` is not a date of the form YYYY-MM-DD
            events.csv:30: column kind: unknown event kind `promoted`: expected `admitted`, `discharged`, `posted`, `returned`, `injured`, `killed`, `awol` or `exempted`
            events.csv:31: column detail: `no grounds given` is not of the form `SCOPE: grounds`: an exemption carries its scope and grounds
            error: the dataset has 7 errors; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_missing_required_columns() {
    rejects_fresh(
        |dir| {
            std::fs::write(
                dir.join("people.csv"),
                "id,name,sex,home_province\np001,Kim,M,Chagang\n",
            )
            .unwrap();
        },
        expect![[r#"
            people.csv:1: column born: missing required column
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_unknown_columns() {
    rejects(
        |dir| {
            let text = std::fs::read_to_string(dir.join("sites.csv")).unwrap();
            let text = text
                .replacen("id,name,province,kind", "id,name,province,kind,note", 1)
                .replace('\n', ",\n");
            let text = text.replacen("kind,note,", "kind,note", 1);
            std::fs::write(dir.join("sites.csv"), text).unwrap();
        },
        true,
        expect![[r#"
            sites.csv:1: column note: unknown column: the columns of sites.csv are `id`, `name`, `province` or `kind`
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_duplicate_ids_within_a_file() {
    rejects_fresh(
        |dir| {
            append(
                &dir.join("people.csv"),
                "p001,Kim Chol-su,1998-03-02,M,Chagang,Kanggye,army,sergeant,driver,2016-04-01,120",
            )
        },
        expect![[r#"
            people.csv:27: column id: duplicate id `p001`: also on line 2
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn rejects_rows_with_missing_or_extra_fields() {
    rejects_fresh(
        |dir| {
            append(&dir.join("sites.csv"), "daehung2,Daehung 2");
            append(&dir.join("sites.csv"), "daehung3,Daehung 3,South Hamgyong,mine,extra");
        },
        expect![[r#"
            sites.csv:5: column province: missing: the row has 2 fields, the header 4
            sites.csv:6: column 5: extra field: the header has 4 columns, the row 5
            error: the dataset has 2 errors; nothing was stored
        "#]],
    );
}

#[test]
fn reports_the_first_hundred_errors_and_counts_the_rest() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    let dir = sandbox.path().join("bad");
    std::fs::create_dir(&dir).unwrap();
    let mut text = String::from("id,name,born,sex,home_province\n");
    for index in 0..150 {
        text.push_str(&format!("x{index},Someone,born-never,M,Chagang\n"));
    }
    std::fs::write(dir.join("people.csv"), text).unwrap();
    let run = sandbox.run(&["import", "bad"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 102);
    assert_eq!(
        lines[0],
        "people.csv:2: column born: `born-never` is not a date of the form YYYY-MM-DD"
    );
    assert_eq!(
        lines[99],
        "people.csv:101: column born: `born-never` is not a date of the form YYYY-MM-DD"
    );
    assert_eq!(lines[100], "… and 50 more errors");
    assert_eq!(lines[101], "error: the dataset has 150 errors; nothing was stored");
}

#[test]
fn rejects_a_bad_calendar_with_line_and_column() {
    rejects(
        |dir| {
            std::fs::write(dir.join("calendar.toml"), "spring = \"02-01\"\nautumn = \"10-32\"\n")
                .unwrap()
        },
        true,
        expect![[r#"
            calendar.toml:2: column 10: `10-32` is not a month and day of the form MM-DD
            error: the dataset has 1 error; nothing was stored
        "#]],
    );
}

#[test]
fn reports_errors_of_cells_and_of_references_in_one_run() {
    rejects_fresh(
        |dir| {
            append(&dir.join("events.csv"), "p001,2020-02-30,injured,,");
            append(&dir.join("units.csv"), "x-unit,X,c99,army,,");
            append(&dir.join("service.csv"), "p003,c9-9,2019-01-01,");
        },
        expect![[r#"
            units.csv:15: column parent: unknown unit `c99`
            service.csv:27: column unit: unknown unit `c9-9`
            events.csv:28: column date: `2020-02-30` is not a date of the form YYYY-MM-DD
            error: the dataset has 3 errors; nothing was stored
        "#]],
    );
}

#[test]
fn a_row_that_cannot_be_read_raises_no_further_error() {
    rejects_fresh(
        |dir| {
            // A unit with a bad branch, with a sub-unit, a soldier and a
            // deployment of its own.
            append(&dir.join("units.csv"), "x-unit,X,sgc,marines,,");
            append(&dir.join("units.csv"), "x-child,Y,x-unit,army,,");
            append(&dir.join("service.csv"), "p003,x-unit,2019-01-01,");
            append(&dir.join("deployments.csv"), "x-unit,,gomdok,,2020-01-01,");
            // A person with a bad birth date, with service and an event.
            append(
                &dir.join("people.csv"),
                "p100,Ri Chol,1990-1-1,M,Chagang,,army,,,2010-04-01,120",
            );
            append(&dir.join("service.csv"), "p100,c8-1,2010-04-01,");
            append(&dir.join("events.csv"), "p100,1980-01-01,injured,,");
            // A person whose name is not UTF-8, with service.
            let mut people = std::fs::read(dir.join("people.csv")).unwrap();
            people.extend_from_slice(b"p101,Ri \xff,1990-01-01,M,Chagang,,army,,,2010-04-01,120\n");
            std::fs::write(dir.join("people.csv"), people).unwrap();
            append(&dir.join("service.csv"), "p101,c8-1,2010-04-01,");
            // A site with too few fields, named by an event.
            append(&dir.join("sites.csv"), "daehung2,Daehung 2");
            append(&dir.join("events.csv"), "p001,2020-01-01,injured,daehung2,");
            // A campaign with a bad date, named by a deployment at another
            // site.
            append(&dir.join("campaigns.csv"), "x-campaign,gomdok,2020-13-01,2020-12-31,1,");
            append(&dir.join("deployments.csv"), ",p001,yongyang,x-campaign,2020-09-01,");
            // An assignment with a bad date that would overlap p010's open
            // one.
            append(&dir.join("service.csv"), "p010,c8-2,2015-02-30,");
        },
        expect![[r#"
            units.csv:15: column branch: unknown branch `marines`: expected `army`, `navy`, `air`, `strategic` or `other`
            sites.csv:5: column province: missing: the row has 2 fields, the header 4
            campaigns.csv:3: column from: `2020-13-01` is not a date of the form YYYY-MM-DD
            people.csv:27: column born: `1990-1-1` is not a date of the form YYYY-MM-DD
            people.csv:28: column 2: the text is not valid UTF-8
            service.csv:30: column from: `2015-02-30` is not a date of the form YYYY-MM-DD
            error: the dataset has 6 errors; nothing was stored
        "#]],
    );
}

#[test]
fn a_file_that_cannot_be_read_raises_no_further_error() {
    rejects_fresh(
        |dir| {
            let text = std::fs::read_to_string(dir.join("units.csv")).unwrap();
            std::fs::write(dir.join("units.csv"), text.replacen("branch", "brunch", 1)).unwrap();
            append(&dir.join("service.csv"), "p003,c9-9,2019-01-01,");
        },
        expect![[r#"
            units.csv:1: column brunch: unknown column: the columns of units.csv are `id`, `name`, `parent`, `branch`, `tags` or `administration`
            units.csv:1: column branch: missing required column
            error: the dataset has 2 errors; nothing was stored
        "#]],
    );
}
