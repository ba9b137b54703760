//! Loading the engine from the rows a store streams gives the same engine
//! as building it from the store's records.

use muster_engine::{Engine, load};
use muster_store::{SqliteStore, Store};

#[test]
fn the_direct_load_holds_what_the_records_hold() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    muster_generate::generate(&data, &muster_generate::Options::new(600, 3), &mut |_| {}).unwrap();
    let dataset = muster_dataset::read_dataset(&data).unwrap();
    let path = dir.path().join("store.db");
    let mut store = SqliteStore::create(&path).unwrap();
    let act = muster_store::NewAct {
        kind: "import".into(),
        valid_on: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        actor: "test".into(),
        summary: "import".into(),
    };
    store.import(dataset, muster_dataset::Mode::New, act, &mut |_, _| {}).unwrap();
    let mut steps = Vec::new();
    let scan = store.scan().unwrap();
    let direct = load(scan.as_ref(), &mut |step, _, _| steps.push(step.to_string())).unwrap();
    assert!(steps.iter().any(|step| step == "build indexes"));
    let from_records = Engine::from_records(store.records().unwrap(), &mut |_, _, _| {});
    assert_eq!(direct.len(), 600);
    assert_eq!(direct.len(), from_records.len());
    for person in 0..direct.len() as u32 {
        assert_eq!(direct.describe_person(person), from_records.describe_person(person));
    }
    assert_eq!(direct.everyone(), from_records.everyone());
}
