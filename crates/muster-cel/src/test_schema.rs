//! A schema of `person` for the tests of this crate, the same in shape as
//! the schema of orders (which `muster-orders` builds from the words of the
//! domain) but written here as test data.

use crate::check::{ArgumentKind, Field, IdKind, Method, Schema, Type};

/// The longest free text the tests' schema assumes.
pub(crate) const TEXT_LENGTH: u64 = 64;

pub(crate) fn person_schema() -> Schema {
    let text = |what: &str| ArgumentKind::Text { what: what.to_owned() };
    let nullable_date = || Type::Nullable(Box::new(Type::Date));
    Schema::conditions(
        vec![
            Field::text("id", TEXT_LENGTH),
            Field::text("name", TEXT_LENGTH),
            Field::words("sex", ["M", "F"]),
            Field::text("home_province", TEXT_LENGTH),
            Field::text("home_county", TEXT_LENGTH),
            Field::words("branch", ["army", "navy", "air", "strategic", "other", ""]),
            Field::text("rank", TEXT_LENGTH),
            Field::text("specialty", TEXT_LENGTH),
            Field::new("born", Type::Date),
            Field::new("enlisted", nullable_date()),
            Field::new("term_end", nullable_date()),
            Field::new("age", Type::Int),
            Field::text("discharge_cycle", TEXT_LENGTH),
            Field::words(
                "status",
                ["killed", "awol", "abroad", "discharged", "serving", "civilian"],
            ),
        ],
        vec![
            Method::new("served_in", ArgumentKind::Id(IdKind::Unit)),
            Method::new("served_in_tagged", text("tag")),
            Method::new("serving_in", ArgumentKind::Id(IdKind::Unit)),
            Method::new("deployed_at", ArgumentKind::Id(IdKind::Site)),
            Method::new("admitted", text("category or institution id")),
            Method::new("exempted", text("scope")),
            Method::new(
                "had",
                ArgumentKind::OneOf {
                    what: "event kind".to_owned(),
                    words: ["admitted", "discharged", "posted", "returned", "injured", "killed"]
                        .into_iter()
                        .chain(["awol", "exempted"])
                        .map(str::to_owned)
                        .collect(),
                },
            ),
            Method::new("delayed_by", ArgumentKind::Id(IdKind::Order)),
        ],
    )
}
