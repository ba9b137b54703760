//! The discharge, strength and evidence figures of EXPECTED.md: rosters,
//! the strength of Gomdok with and without the delay order, its chart, the
//! cohort rates, and the preview of an order by site.

use expect_test::expect;

use crate::scenario::scenario;

#[test]
fn the_autumn_2020_roster_before_and_after_the_delay_order() {
    let sandbox = scenario().sandbox;
    let roster = |day: &str| {
        sandbox.ok(&["discharge", "roster", "2020-autumn", "--as-of", day, "--format", "json"])
    };
    expect![[r#"
        {
          "cycle": "2020-autumn",
          "date": "2020-10-01",
          "as_of": "2020-12-31",
          "entries": [
            {
              "person": "p010",
              "status": "delayed",
              "date": "2021-02-01",
              "orders": [
                "errd-2020-031"
              ]
            },
            {
              "person": "p011",
              "status": "exempt",
              "date": "2020-10-01",
              "orders": [
                "errd-2020-031"
              ]
            },
            {
              "person": "p013",
              "status": "delayed",
              "date": "2021-02-01",
              "orders": [
                "errd-2020-031"
              ]
            },
            {
              "person": "p014",
              "status": "delayed",
              "date": "2021-02-01",
              "orders": [
                "errd-2020-031"
              ]
            },
            {
              "person": "p015",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            },
            {
              "person": "p016",
              "status": "delayed",
              "date": "2021-02-01",
              "orders": [
                "errd-2020-031"
              ]
            },
            {
              "person": "p017",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            }
          ]
        }
    "#]]
    .assert_eq(&roster("2020-12-31"));
    expect![[r#"
        {
          "cycle": "2020-autumn",
          "date": "2020-10-01",
          "as_of": "2020-09-01",
          "entries": [
            {
              "person": "p010",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            },
            {
              "person": "p011",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            },
            {
              "person": "p013",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            },
            {
              "person": "p014",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            },
            {
              "person": "p015",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            },
            {
              "person": "p016",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            },
            {
              "person": "p017",
              "status": "scheduled",
              "date": "2020-10-01",
              "orders": []
            }
          ]
        }
    "#]]
    .assert_eq(&roster("2020-09-01"));
    let table = sandbox.ok(&["discharge", "roster", "2020-autumn", "--as-of", "2020-12-31"]);
    expect![[r#"
        roster 2020-autumn (cycle date 2020-10-01) as of 2020-12-31: 2 scheduled, 4 delayed, 1 exempt, 0 delayed-in, 0 discharged
          p010  delayed     2021-02-01  errd-2020-031
          p011  exempt      2020-10-01  errd-2020-031
          p013  delayed     2021-02-01  errd-2020-031
          p014  delayed     2021-02-01  errd-2020-031
          p015  scheduled   2020-10-01
          p016  delayed     2021-02-01  errd-2020-031
          p017  scheduled   2020-10-01
    "#]]
    .assert_eq(&table);
}

#[test]
fn the_spring_2021_roster_takes_the_delayed_in() {
    let sandbox = scenario().sandbox;
    let csv = sandbox.ok(&[
        "discharge",
        "roster",
        "2021-spring",
        "--as-of",
        "2021-01-20",
        "--format",
        "csv",
    ]);
    expect![[r#"
        person,status,date,orders
        p010,delayed-in,2021-02-01,errd-2020-031
        p013,delayed-in,2021-02-01,errd-2020-031
        p014,delayed-in,2021-02-01,errd-2020-031
        p016,delayed-in,2021-02-01,errd-2020-031
        p019,scheduled,2021-02-01,
    "#]]
    .assert_eq(&csv);
    let bad = sandbox.run(&["discharge", "roster", "2021-summer"]);
    assert_eq!(bad.code, 1);
    expect![[r#"
        error: `2021-summer` is not a discharge cycle of the form YYYY-spring or YYYY-autumn (such as `2020-autumn` or `2021-spring`)
    "#]]
    .assert_eq(&bad.stderr);
}

#[test]
fn a_delayed_soldier_shows_his_new_date() {
    let sandbox = scenario().sandbox;
    let file = sandbox.ok(&["person", "show", "p010", "--as-of", "2020-12-31"]);
    assert!(
        file.contains("discharge      2021-02-01 (delayed by errd-2020-031; cycle 2020-autumn)\n"),
        "{file}"
    );
    assert!(file.contains("status         serving on 2020-12-31\n"), "{file}");
    let later = sandbox.ok(&["person", "show", "p010", "--as-of", "2021-02-01"]);
    assert!(later.contains("status         discharged on 2021-02-01\n"), "{later}");
}

#[test]
fn the_strength_of_gomdok_with_and_without_the_delay_order() {
    let sandbox = scenario().sandbox;
    let strength = |extra: &[&str]| {
        let mut args = vec![
            "strength",
            "gomdok",
            "--from",
            "2020-09",
            "--to",
            "2021-03",
            "--as-of",
            "2021-01-20",
        ];
        args.extend_from_slice(extra);
        sandbox.ok(&args)
    };
    expect![[r#"
        strength of gomdok on the first of each month, as of 2021-01-20
          month    headcount  required  shortfall  technicians  required  shortfall
          2020-09          6        12          6            5         6          1
          2020-10          7        12          5            5         6          1
          2020-11          7        12          5            5         6          1
          2020-12          7        12          5            5         6          1
          2021-01          7        12          5            5         6          1
          2021-02          2        12         10            1         6          5
          2021-03          2        12         10            1         6          5
    "#]]
    .assert_eq(&strength(&[]));
    expect![[r#"
        {
          "site": "gomdok",
          "as_of": "2021-01-20",
          "months": [
            {
              "month": "2020-09",
              "headcount": 6,
              "technicians": 5,
              "required": 12,
              "required_technicians": 6
            },
            {
              "month": "2020-10",
              "headcount": 3,
              "technicians": 2,
              "required": 12,
              "required_technicians": 6
            },
            {
              "month": "2020-11",
              "headcount": 3,
              "technicians": 2,
              "required": 12,
              "required_technicians": 6
            },
            {
              "month": "2020-12",
              "headcount": 3,
              "technicians": 2,
              "required": 12,
              "required_technicians": 6
            },
            {
              "month": "2021-01",
              "headcount": 3,
              "technicians": 2,
              "required": 12,
              "required_technicians": 6
            },
            {
              "month": "2021-02",
              "headcount": 2,
              "technicians": 1,
              "required": 12,
              "required_technicians": 6
            },
            {
              "month": "2021-03",
              "headcount": 2,
              "technicians": 1,
              "required": 12,
              "required_technicians": 6
            }
          ]
        }
    "#]]
    .assert_eq(&strength(&["--without", "errd-2020-031", "--format", "json"]));
    // A draft order that keeps the technicians longer: its conflicts are
    // skipped, as they would be if it were issued without `--override`.
    let csv = strength(&["--with", "reference/orders/errd-2021-007.toml", "--format", "csv"]);
    expect![[r#"
        month,headcount,technicians,required,required_technicians,shortfall,technician_shortfall
        2020-09,6,5,12,6,6,1
        2020-10,7,5,12,6,5,1
        2020-11,7,5,12,6,5,1
        2020-12,7,5,12,6,5,1
        2021-01,7,5,12,6,5,1
        2021-02,3,2,12,6,9,4
        2021-03,3,2,12,6,9,4
    "#]]
    .assert_eq(&csv);

    let unknown = sandbox.run(&["strength", "nowhere", "--from", "2020-09", "--to", "2021-03"]);
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("no site `nowhere`"), "{}", unknown.stderr);
}

#[test]
fn the_strength_chart_is_well_formed_svg_with_its_series() {
    let sandbox = scenario().sandbox;
    sandbox.ok(&[
        "strength",
        "gomdok",
        "--from",
        "2020-09",
        "--to",
        "2021-03",
        "--as-of",
        "2021-01-20",
        "--svg",
        "gomdok.svg",
    ]);
    let svg = std::fs::read_to_string(sandbox.path().join("gomdok.svg")).unwrap();
    let document = roxmltree::Document::parse(&svg).expect("the chart is well-formed XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let texts: Vec<String> = document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .map(|text| text.trim().to_owned())
        .collect();
    for series in [
        "headcount",
        "required",
        "technicians",
        "required technicians",
        "shortfall",
        "technician shortfall",
    ] {
        assert!(texts.iter().any(|text| text == series), "no `{series}` in the legend: {texts:?}");
    }
    assert!(
        texts.iter().any(|text| text.starts_with("Strength of gomdok, 2020-09 to 2021-03")),
        "{texts:?}"
    );
    for month in ["2020-09", "2021-03"] {
        assert!(texts.iter().any(|text| text == month), "no axis label {month}: {texts:?}");
    }
    // Headcount fell short of the 12 required every month: a shortfall bar each.
    let bars = document
        .descendants()
        .filter(|node| node.has_tag_name("rect"))
        .filter(|node| node.attribute("fill") == Some("#C82828"))
        .count();
    assert!(bars >= 7, "{bars} shortfall bars");
}

#[test]
fn awol_rates_by_home_province_among_those_posted_abroad() {
    let sandbox = scenario().sandbox;
    let args = [
        "stats",
        "--event",
        "awol",
        "--by",
        "home_province",
        "--from",
        "2018-01-01",
        "--to",
        "2023-12-31",
        "--where",
        r#"person.had("posted")"#,
        "--as-of",
        "2024-01-10",
    ];
    expect![[r#"
        awol events by home_province, from 2018-01-01 to 2023-12-31
          group          population  with event   rate
          Chagang                 2           1  0.500
          North Pyongan           3           1  0.333
          South Pyongan           1           0  0.000
    "#]]
    .assert_eq(&sandbox.ok(&args));
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    expect![[r#"
        {
          "event": "awol",
          "by": "home_province",
          "from": "2018-01-01",
          "to": "2023-12-31",
          "groups": [
            {
              "group": "Chagang",
              "population": 2,
              "with_event": 1,
              "rate": 0.5
            },
            {
              "group": "North Pyongan",
              "population": 3,
              "with_event": 1,
              "rate": 0.3333333333333333
            },
            {
              "group": "South Pyongan",
              "population": 1,
              "with_event": 0,
              "rate": 0.0
            }
          ]
        }
    "#]]
    .assert_eq(&sandbox.ok(&json));

    let bad = sandbox.run(&["stats", "--event", "awol", "--by", "age"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("`age` is not a string field of `person` to group by"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_condition_too_costly_to_evaluate_is_refused() {
    let sandbox = scenario().sandbox;
    let list = (1..=35).map(|number| number.to_string()).collect::<Vec<_>>().join(",");
    let costly = format!(
        "[{list}].all(a, [{list}].all(b, [{list}].exists(c, [{list}].exists(d, \
         a+b+c+d == 0))))"
    );
    let order = format!(
        "id = \"costly-1\"\ntitle = \"Costly\"\nissued_by = \"mod\"\nissued_on = 2024-02-01\n\
         addressed_to = [\"placement\"]\n\n[[rules]]\napplies_to = \"overseas-posting\"\n\
         effect = \"exclude\"\nwhen = '{costly}'\nreason = \"costly\"\n"
    );
    std::fs::write(sandbox.path().join("costly.toml"), order).unwrap();
    let check = sandbox.run(&["order", "check", "costly.toml"]);
    assert_eq!(check.code, 1, "{check:?}");
    for part in [
        "rule 1, `when`, line 1 column 1: evaluating this condition may cost up to 30,233,177",
        "costly.toml:10:9",
        "cost units, more than the limit of 10,000",
    ] {
        assert!(check.stderr.contains(part), "no `{part}` in\n{}", check.stderr);
    }
    // A selection by the same condition is refused too, and costs nothing.
    let refused = sandbox.run(&[
        "stats",
        "--event",
        "awol",
        "--by",
        "home_province",
        "--where",
        &costly,
        "--as-of",
        "2024-01-10",
    ]);
    assert_eq!(refused.code, 1, "{refused:?}");
}

#[test]
fn a_preview_by_site_shows_the_strength_before_and_after() {
    let sandbox = scenario().sandbox;
    let preview = sandbox.ok(&[
        "order",
        "preview",
        "reference/orders/errd-2021-007.toml",
        "--as-of",
        "2021-01-15",
        "--site",
        "gomdok",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&preview).unwrap();
    let months = value["strength"]["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let february = &months[1];
    assert_eq!(february["month"], "2021-02");
    // p019, a technician at Gomdok, is kept: one more of each.
    assert_eq!(february["before"]["headcount"], 2);
    assert_eq!(february["after"]["headcount"], 3);
    assert_eq!(february["before"]["technicians"], 1);
    assert_eq!(february["after"]["technicians"], 2);
    assert_eq!(value["discharge"][0]["person"], "p019");
}

#[test]
fn an_override_delays_the_protected_and_is_recorded() {
    let sandbox = scenario().sandbox;
    let issued = sandbox.ok(&[
        "order",
        "issue",
        "reference/orders/errd-2021-007.toml",
        "--as-of",
        "2021-01-15",
        "--override",
        "--format",
        "json",
    ]);
    let impact: serde_json::Value = serde_json::from_str(&issued).unwrap();
    let moved: Vec<&str> = impact["discharge"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["person"].as_str().unwrap())
        .collect();
    assert_eq!(moved, ["p010", "p013", "p016", "p019"]);
    let shown = sandbox.ok(&["order", "show", "errd-2021-007", "--as-of", "2021-02-01"]);
    assert!(shown.contains("issued with --override"), "{shown}");
    let roster = sandbox.ok(&[
        "discharge",
        "roster",
        "2021-autumn",
        "--as-of",
        "2021-06-01",
        "--format",
        "csv",
    ]);
    expect![[r#"
        person,status,date,orders
        p010,delayed-in,2021-10-01,errd-2020-031 errd-2021-007
        p012,scheduled,2021-10-01,
        p013,delayed-in,2021-10-01,errd-2020-031 errd-2021-007
        p016,delayed-in,2021-10-01,errd-2020-031 errd-2021-007
        p019,delayed-in,2021-10-01,errd-2021-007
    "#]]
    .assert_eq(&roster);
    // Before the override was issued, the protection held.
    let before = sandbox.ok(&[
        "discharge",
        "roster",
        "2021-spring",
        "--as-of",
        "2021-01-14",
        "--format",
        "csv",
    ]);
    assert!(before.contains("p010,delayed-in,2021-02-01,errd-2020-031\n"), "{before}");
}
