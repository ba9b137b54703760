//! `muster demo`: a store with a generated army, the reported orders
//! adapted to bite on it, lists with flagged entries, a user per role; then
//! the server.
//!
//! Every step goes through the same commands a user would run, so the demo
//! shows the product as it is.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use muster_core::Role;
use muster_store::{NewAct, NewUser};

use crate::cli::{
    Cli, Command, DemoArgs, DischargeCommand, Format, GenerateArgs, ImportArgs, ListCommand,
    ListFormat, MassArgs, OrderCommand, ServeArgs,
};
use crate::commands::{actor, open, run, serve};

/// The orders of the demo, in the order they are issued: the reported
/// orders, with the sites and cycles of the generated army.
const ORDERS: &[(&str, &str)] = &[
    (
        "mod-2023-002",
        r#"id = "mod-2023-002"
title = "Postings abroad: exclude serving soldiers from Chagang"
issued_by = "mod"
issued_on = 2023-01-10
addressed_to = ["placement"]
rationale = "Desertions during postings abroad"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.home_province == "Chagang" && person.status == "serving"'
reason = "Serving soldier from Chagang"
"#,
    ),
    (
        "mod-2024-001",
        r#"id = "mod-2024-001"
title = "Postings abroad: exclude all from Chagang and all who served in important units"
issued_by = "mod"
issued_on = 2024-01-02
addressed_to = ["placement"]
supersedes = ["mod-2023-002"]
rationale = "Joint analysis of postings abroad, 2018-2023"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.home_province == "Chagang"'
reason = "Home province Chagang"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.served_in_tagged("important")'
reason = "Served in an important unit"
"#,
    ),
    (
        "errd-2025-031",
        r#"id = "errd-2025-031"
title = "Delay the spring discharge of the mechanics, electricians and drivers"
issued_by = "errd"
issued_on = 2025-11-20
effective_until = 2026-03-31
addressed_to = ["unit-administration"]
rationale = "The spring campaigns at the mines need their machines kept running"

[[rules]]
applies_to = "discharge"
effect = "delay"
until = "2026-autumn"
when = 'person.discharge_cycle == "2026-spring" && person.specialty in ["mechanic", "electrician", "technician", "driver"]'
unless = 'person.admitted("central-univ")'
reason = "Machines of the spring campaigns"
"#,
    ),
    (
        "errd-2025-044",
        r#"id = "errd-2025-044"
title = "No further delay for the soldiers kept for the spring campaigns"
issued_by = "errd"
issued_on = 2025-12-01
addressed_to = ["unit-administration"]

[[rules]]
applies_to = "discharge"
effect = "protect"
when = 'person.delayed_by("errd-2025-031")'
reason = "Already delayed once"
"#,
    ),
    (
        "errd-2025-050",
        r#"id = "errd-2025-050"
title = "Group redeployment to the mines: honour exemptions"
issued_by = "errd"
issued_on = 2025-12-05

[[rules]]
applies_to = "redeployment"
effect = "exclude"
when = 'person.exempted("redeployment")'
reason = "Holds an exemption from redeployment"
"#,
    ),
];

/// The lists of the demo: id, kind, owner, day, who is nominated.
const LISTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "haebit-2023",
        "overseas-posting",
        "haebit",
        "2023-06-01",
        r#"person.status == "discharged" && person.age < 32 && person.sex == "M" && person.home_province in ["Chagang", "North Pyongan", "South Pyongan"]"#,
    ),
    (
        "sonbong-2025",
        "overseas-posting",
        "sonbong",
        "2025-12-28",
        r#"person.status == "discharged" && person.age < 30 && person.home_province in ["Chagang", "Kangwon"]"#,
    ),
    (
        "errd-mines-2026",
        "redeployment",
        "errd",
        "2025-12-15",
        r#"person.deployed_at("daehung") && person.status == "serving""#,
    ),
];

/// The call-up list of the next cohort: the young men not yet enlisted.
const COHORT: (&str, &str, &str, &str, &str) = (
    "errd-cohort-2026",
    "call-up",
    "errd",
    "2026-01-05",
    r#"person.status == "civilian" && person.sex == "M" && person.age >= 17 && person.age <= 19"#,
);

/// The acts on many people the demo does, in order, each as a user would
/// run it (with a key, so that each is done once): the call-up of the next
/// cohort, the group redeployment to the mines (the exempted refused by
/// `errd-2025-050`), a posting from a placement list, and the carry-out of
/// the discharges of the cycle after the data's last day.
fn mass_acts() -> Vec<(&'static str, Command)> {
    let mass = |key: &str, on: &str| MassArgs {
        preview: false,
        key: Some(key.to_string()),
        as_of: muster_core::parse_date(on),
        format: Format::Table,
    };
    vec![
        (
            "the call-up of the 2026 cohort",
            Command::List(ListCommand::CallUp {
                id: COHORT.0.to_string(),
                unit: "c1-1".to_string(),
                term_months: "120".to_string(),
                mass: mass("demo-call-up-2026", "2026-01-10"),
            }),
        ),
        (
            "the redeployment to the mines",
            Command::List(ListCommand::Redeploy {
                id: "errd-mines-2026".to_string(),
                site: "sangnong".to_string(),
                campaign: None,
                unit: None,
                until: None,
                mass: mass("demo-mines-2026", "2026-01-12"),
            }),
        ),
        (
            "the posting from sonbong-2025",
            Command::List(ListCommand::Post {
                id: "sonbong-2025".to_string(),
                eligible: true,
                country: "Russia".to_string(),
                limit: Some(25),
                mass: mass("demo-sonbong-2026", "2026-01-15"),
            }),
        ),
        (
            "the carry-out of 2026-spring",
            Command::Discharge(DischargeCommand::CarryOut {
                cycle: "2026-spring".to_string(),
                preview: false,
                key: Some("demo-carry-out-2026-spring".to_string()),
                format: Format::Table,
            }),
        ),
    ]
}

/// The users of the demo, one per role.
const USERS: &[(&str, &str, Role)] = &[
    ("minister", "mod", Role::Ministry),
    ("errd-officer", "errd", Role::Department),
    ("c1-officer", "adm-c1", Role::UnitAdmin),
    ("haebit-officer", "haebit", Role::Placement),
    ("analyst", "msc", Role::Analyst),
    ("auditor", "mod", Role::Auditor),
];

fn step(db: &str, command: Command) -> anyhow::Result<()> {
    let code = run(Cli { db: Some(db.to_string()), command })?;
    if code != ExitCode::SUCCESS {
        bail!("a step of the demo failed");
    }
    Ok(())
}

/// Makes the demo store, prints the credentials, and serves it.
pub fn demo(db: Option<&str>, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let (folder, db): (PathBuf, String) = match db {
        Some(db) => {
            let path = Path::new(db);
            let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (folder.join("muster-demo-data"), db.to_string())
        }
        None => {
            let folder = std::env::temp_dir().join(format!("muster-demo-{}", std::process::id()));
            std::fs::create_dir_all(&folder)
                .with_context(|| format!("cannot make `{}`", folder.display()))?;
            let db = folder.join("muster.db").display().to_string();
            (folder, db)
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "muster demo: a store at {db}")?;
    let army = folder.join("army");
    drop(out);
    step(
        &db,
        Command::Generate(GenerateArgs {
            dir: army.clone(),
            people: args.people,
            seed: 1,
            plant_anomalies: false,
        }),
    )?;
    step(&db, Command::Init(crate::cli::InitArgs { key: None }))?;
    step(
        &db,
        Command::Import(ImportArgs {
            dir: army,
            update: false,
            as_of: muster_core::parse_date("2025-12-31"),
            timings: false,
        }),
    )?;
    let orders = folder.join("orders");
    std::fs::create_dir_all(&orders)?;
    let mut lists = LISTS.iter().peekable();
    for (id, text) in ORDERS {
        // Each order is issued on its own `issued_on`.
        let day = muster_service::orders::issued_on(text)
            .ok_or_else(|| anyhow::anyhow!("the demo order `{id}` does not parse"))?;
        // Lists made before this order are made first, so that it flags them.
        while let Some((list, kind, owner, on, condition)) =
            lists.next_if(|(_, _, _, on, _)| muster_core::parse_date(on).is_some_and(|on| on < day))
        {
            make_list(&db, list, kind, owner, on, condition)?;
        }
        let file = orders.join(format!("{id}.toml"));
        std::fs::write(&file, text)?;
        step(
            &db,
            Command::Order(OrderCommand::Issue {
                file,
                override_protection: false,
                as_of: Some(day),
                format: Format::Table,
            }),
        )?;
    }
    for (list, kind, owner, on, condition) in lists {
        make_list(&db, list, kind, owner, on, condition)?;
    }
    let (list, kind, owner, on, condition) = COHORT;
    make_list(&db, list, kind, owner, on, condition)?;
    for (what, command) in mass_acts() {
        // An act the records refuse (one of its people cannot be moved)
        // is shown, as to a user, and the demo goes on.
        match run(Cli { db: Some(db.clone()), command }) {
            Ok(code) if code == ExitCode::SUCCESS => {}
            Ok(_) => println!("(the demo's {what} was refused: see above)"),
            Err(error) => {
                eprintln!("error: {error:#}");
                println!("(the demo's {what} was refused: see above)");
            }
        }
    }

    let mut store = open(&db)?;
    let mut credentials = Vec::new();
    for (name, organisation, role) in USERS {
        let password = muster_access::generate_password();
        let token = muster_access::generate_token();
        let act = |kind: &str, summary: String| NewAct {
            kind: kind.to_string(),
            valid_on: crate::commands::today(),
            actor: actor(),
            summary,
        };
        store.put_user(
            act("user-add", format!("add user {name} ({role} of {organisation})")),
            NewUser {
                name: (*name).to_string(),
                organisation: (*organisation).to_string(),
                role: role.as_str().to_string(),
                password_hash: muster_access::hash_password(&password)?,
                disabled: false,
            },
            &serde_json::json!({"user": name, "organisation": organisation, "role": role.as_str(), "change": "added"})
                .to_string(),
        )?;
        store.add_token(
            act("user-token", format!("make token `demo` for user {name}")),
            name,
            "demo",
            &muster_access::token_sha256(&token),
        )?;
        credentials.push((*name, *organisation, *role, password, token));
    }
    drop(store);

    let mut out = std::io::stdout().lock();
    writeln!(out)?;
    writeln!(out, "the demo users (their passwords and API tokens are shown only here):")?;
    for (name, organisation, role, password, token) in &credentials {
        writeln!(
            out,
            "  {name:<15} {:<11} {organisation:<8} password {password}  token {token}",
            role.as_str()
        )?;
    }
    writeln!(out)?;
    writeln!(out, "the console: http://{}/ (log in with a name and password above)", args.addr)?;
    writeln!(
        out,
        "try: curl -H 'Authorization: Bearer {}' http://{}/api/v1/lists/haebit-2023",
        credentials[0].4, args.addr
    )?;
    drop(out);
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    serve::serve(
        &db,
        &ServeArgs { addr: args.addr.clone(), policies: None, behind_tls_proxy: false, key: None },
    )
}

fn make_list(
    db: &str,
    id: &str,
    kind: &str,
    owner: &str,
    on: &str,
    condition: &str,
) -> anyhow::Result<()> {
    let day = muster_core::parse_date(on);
    step(
        db,
        Command::List(ListCommand::Create {
            id: id.to_string(),
            kind: kind.to_string(),
            owner: owner.to_string(),
            title: String::new(),
            quota: None,
            as_of: crate::cli::AsOf { as_of: day },
        }),
    )?;
    step(
        db,
        Command::List(ListCommand::Add {
            id: id.to_string(),
            persons: vec![],
            from: None,
            condition: Some(condition.to_string()),
            as_of: crate::cli::AsOf { as_of: day },
            format: ListFormat::Table,
        }),
    )
}
