//! `muster person show`: the record, the history, and the status on a day.

use expect_test::expect;

use crate::Sandbox;

#[test]
fn a_soldier_kept_at_gomdok() {
    let sandbox = Sandbox::with_reference();
    let output = sandbox.ok(&["person", "show", "p010", "--as-of", "2020-09-20"]);
    expect![[r#"
        id             p010
        name           O Chang-min
        born           1992-05-01 (age 28 on 2020-09-20)
        sex            M
        home           South Hamgyong, Tanchon
        branch         army
        rank           sergeant
        specialty      technician
        enlisted       2010-09-15 for 120 months
        term end       2020-09-15
        discharge      2020-10-01 (scheduled; cycle 2020-autumn)
        status         serving on 2020-09-20

        history
          2010-09-15 – ongoing  assigned to c8-1 (1st Engineering Regiment)
          2020-09-01 – ongoing  deployed at gomdok, campaign gomdok-restoration-2020, with unit c8-1
    "#]]
    .assert_eq(&output);
}

#[test]
fn a_soldier_after_his_cycle_date_is_discharged() {
    let sandbox = Sandbox::with_reference();
    let output =
        sandbox.ok(&["person", "show", "p015", "--as-of", "2021-01-05", "--format", "json"]);
    expect![[r#"
        {
          "person": {
            "id": "p015",
            "name": "Ma Chol",
            "born": "1991-02-02",
            "sex": "M",
            "home_province": "South Pyongan",
            "home_county": "Pyongsong",
            "branch": "army",
            "rank": "sergeant",
            "specialty": "",
            "enlisted": "2010-04-01",
            "term_months": 120
          },
          "as_of": "2021-01-05",
          "age": 29,
          "status": "discharged",
          "term_end": "2020-04-01",
          "discharge_cycle": "2020-autumn",
          "discharge_date": "2020-10-01",
          "discharge_delayed_by": [],
          "service": [
            {
              "unit": "c8-2",
              "unit_name": "2nd Infantry Regiment",
              "from": "2010-04-01",
              "to": null
            }
          ],
          "deployments": [],
          "events": [],
          "versions": [
            {
              "act": 1,
              "valid_on": "2020-01-01"
            }
          ]
        }
    "#]]
    .assert_eq(&output);
}

#[test]
fn a_former_soldier_posted_abroad_who_went_awol() {
    let sandbox = Sandbox::with_reference();
    let output = sandbox.ok(&["person", "show", "p020", "--as-of", "2024-01-10"]);
    expect![[r#"
        id             p020
        name           Hwang Chol-jin
        born           1986-04-20 (age 37 on 2024-01-10)
        sex            M
        home           Chagang, Kanggye
        branch         army
        rank           sergeant
        specialty      builder
        enlisted       2004-04-01 for 120 months
        term end       2014-04-01
        discharge      2014-10-01 (recorded; cycle 2014-autumn)
        status         awol on 2024-01-10

        history
          2004-04-01 – 2014-09-30  assigned to c8-2 (2nd Infantry Regiment)
          2014-10-01               discharged
          2018-03-01               posted haebit: Russia
          2019-05-01               awol
    "#]]
    .assert_eq(&output);
    let earlier =
        sandbox.ok(&["person", "show", "p020", "--as-of", "2018-06-01", "--format", "json"]);
    assert!(earlier.contains(r#""status": "abroad""#), "{earlier}");
    assert!(!earlier.contains("awol"), "{earlier}");
}

#[test]
fn statuses_of_the_reference_people() {
    let sandbox = Sandbox::with_reference();
    let status = |id: &str, day: &str| {
        let output = sandbox.ok(&["person", "show", id, "--as-of", day, "--format", "json"]);
        let value: serde_json::Value = serde_json::from_str(&output).unwrap();
        value["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status("p005", "2024-01-10"), "civilian");
    assert_eq!(status("p001", "2015-01-01"), "civilian");
    assert_eq!(status("p001", "2024-01-10"), "serving");
    assert_eq!(status("p011", "2020-09-30"), "serving");
    assert_eq!(status("p011", "2020-10-01"), "discharged");
    assert_eq!(status("p018", "2020-02-01"), "discharged");
    assert_eq!(status("p019", "2021-01-31"), "serving");
    assert_eq!(status("p021", "2020-01-01"), "abroad");
    assert_eq!(status("p021", "2022-04-01"), "discharged");
    assert_eq!(status("p022", "2021-02-01"), "awol");
}

#[test]
fn an_unknown_person_is_an_error() {
    let sandbox = Sandbox::with_reference();
    let run = sandbox.run(&["person", "show", "p999"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "error: no person `p999` in the store\n");
}
