//! The schema of the conditions of orders: the variables `today` and
//! `person`, and the fields and methods of `person` that orders.md gives,
//! with the words of the domain as `muster-core` defines them.

use muster_cel::{ArgumentKind, Field, IdKind, Method, Schema, Type};
use muster_core::{Branch, EventKind, Sex, Status};

/// The longest free text (an id, a name, a province, a rank, ...) that the
/// cost estimate of a condition assumes, in bytes. A longer value costs
/// more when it is read; the budget of each evaluation still holds.
pub const TEXT_LENGTH: u64 = 256;

/// The values of `person.branch`: the branches, and "" for none.
pub fn branches() -> Vec<&'static str> {
    Branch::ALL.iter().map(|branch| branch.as_str()).chain([""]).collect()
}

/// The schema of order conditions.
pub fn person_schema() -> Schema {
    let text = |what: &str| ArgumentKind::Text { what: what.to_owned() };
    let nullable_date = || Type::Nullable(Box::new(Type::Date));
    Schema::conditions(
        vec![
            Field::text("id", TEXT_LENGTH),
            Field::text("name", TEXT_LENGTH),
            Field::words("sex", Sex::ALL.iter().map(|sex| sex.as_str())),
            Field::text("home_province", TEXT_LENGTH),
            Field::text("home_county", TEXT_LENGTH),
            Field::words("branch", branches()),
            Field::text("rank", TEXT_LENGTH),
            Field::text("specialty", TEXT_LENGTH),
            Field::new("born", Type::Date),
            Field::new("enlisted", nullable_date()),
            Field::new("term_end", nullable_date()),
            Field::new("age", Type::Int),
            Field::text("discharge_cycle", TEXT_LENGTH),
            Field::words("status", Status::ALL.iter().map(|status| status.as_str())),
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
                    words: EventKind::ALL.iter().map(|kind| kind.as_str().to_owned()).collect(),
                },
            ),
            Method::new("delayed_by", ArgumentKind::Id(IdKind::Order)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_of_the_schema_are_those_of_the_domain() {
        let schema = person_schema();
        let values = |name: &str| schema.field(name).unwrap().values.clone();
        assert_eq!(values("sex"), ["M", "F"]);
        assert_eq!(values("branch"), ["army", "navy", "air", "strategic", "other", ""]);
        assert_eq!(
            values("status"),
            ["killed", "awol", "abroad", "discharged", "serving", "civilian"]
        );
        let Some(ArgumentKind::OneOf { words, .. }) =
            schema.method("had").map(|method| method.argument.clone())
        else {
            panic!("`had` takes an event kind");
        };
        assert_eq!(
            words,
            [
                "admitted",
                "discharged",
                "posted",
                "returned",
                "injured",
                "killed",
                "awol",
                "exempted"
            ]
        );
    }

    #[test]
    fn every_string_field_has_a_bound_for_the_cost_estimate() {
        for field in &person_schema().person_fields {
            if field.field_type == Type::String {
                assert!(field.max_length.is_some(), "`{}` has no bound", field.name);
            }
        }
        assert_eq!(person_schema().field("status").unwrap().max_length, Some(10));
    }
}
