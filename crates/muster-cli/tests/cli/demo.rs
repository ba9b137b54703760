//! `muster demo`: a store that shows the product, made by the product's own
//! commands.

use crate::Sandbox;

#[test]
fn the_demo_store_has_orders_that_bite_lists_with_flags_and_a_user_per_role() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["--db", "demo.db", "demo", "--people", "10000", "--no-serve"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for role in ["ministry", "department", "unit-admin", "placement", "analyst", "auditor"] {
        assert!(
            run.stdout
                .lines()
                .any(|line| line.contains(&format!(" {role} ")) && line.contains("token mst_")),
            "no {role} user:\n{}",
            run.stdout
        );
    }
    fn with_db<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [&["--db", "demo.db"][..], args].concat()
    }
    let flagged = sandbox.ok(&with_db(&[
        "list",
        "show",
        "haebit-2023",
        "--status",
        "flagged",
        "--format",
        "csv",
    ]));
    assert!(flagged.lines().count() > 5, "too few flagged entries:\n{flagged}");
    let roster = sandbox.ok(&with_db(&["discharge", "roster", "2026-spring", "--format", "csv"]));
    assert!(roster.contains(",delayed,2026-10-01,errd-2025-031"), "nobody delayed:\n{roster}");
    // The four acts on many people, each done once, through the commands:
    // the exempted are left out of the redeployment with their papers.
    for kind in ["call-up", "redeploy", "list-post", "carry-out"] {
        assert!(
            run.stdout
                .lines()
                .any(|line| line.starts_with("act ") && line.contains(&format!("({kind}) as of"))),
            "no {kind}:\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("was refused"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|line| line.contains("errd-2025-050 rule 1") && line.contains("; papers: ")),
        "no exempted soldier refused with his papers:\n{}",
        run.stdout
    );
    let roster = sandbox.ok(&with_db(&["discharge", "roster", "2026-spring", "--format", "csv"]));
    assert!(
        roster.contains(",discharged,2026-02-01"),
        "the carry-out discharged nobody:\n{roster}"
    );
    let called = sandbox.ok(&with_db(&["list", "show", "errd-cohort-2026", "--format", "csv"]));
    let first = called.lines().nth(1).and_then(|line| line.split(',').next()).unwrap_or_default();
    let person = sandbox.ok(&with_db(&["person", "show", first, "--as-of", "2026-02-01"]));
    assert!(person.contains("serving"), "{first} was not called up:\n{person}");
    assert!(sandbox.ok(&with_db(&["audit", "verify"])).starts_with("the audit log is intact"));
    assert_eq!(sandbox.ok(&with_db(&["user", "list"])).lines().count(), 6);
}
