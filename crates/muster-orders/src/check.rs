//! Checking an order against the records and the order book: the ids it
//! names, and the type of every condition.

use muster_cel::{CheckOptions, IdKind, KnownIds};
use toml::Spanned;

use crate::book::OrderBook;
use crate::document::{Order, OrderDiagnostic, Target};
use crate::world::World;

/// The ids the store holds, for the checker.
pub struct Known<'a> {
    pub world: &'a World,
    pub book: &'a OrderBook,
    /// The order being checked, which may name itself.
    pub order: &'a str,
}

impl KnownIds for Known<'_> {
    fn contains(&self, kind: IdKind, id: &str) -> bool {
        match kind {
            IdKind::Unit => self.world.units.contains_key(id),
            IdKind::Site => self.world.sites.iter().any(|site| site.id == id),
            IdKind::Organisation => self.world.has_organisation(id),
            IdKind::Order => id == self.order || self.book.get(id).is_some(),
        }
    }

    fn candidates(&self, kind: IdKind) -> Vec<String> {
        match kind {
            IdKind::Unit => self.world.units.keys().cloned().collect(),
            IdKind::Site => self.world.sites.iter().map(|site| site.id.clone()).collect(),
            IdKind::Organisation => self
                .world
                .organisations
                .iter()
                .map(|organisation| organisation.id.clone())
                .collect(),
            IdKind::Order => {
                let mut ids: Vec<String> =
                    self.book.all().iter().map(|issued| issued.order.id.clone()).collect();
                ids.push(self.order.to_string());
                ids
            }
        }
    }
}

/// A condition text to check on its own (`list add --where`), with no
/// order around it: every error, with spans in the text.
pub fn check_expression(
    world: &World,
    book: &OrderBook,
    expr: &muster_cel::Expr,
) -> Result<(), Vec<muster_cel::Diagnostic>> {
    let known = Known { world, book, order: "" };
    let schema = crate::schema::person_schema();
    muster_cel::check_condition(expr, &schema, &known, &CheckOptions::default())
}

/// A condition written by a caller (`list add --where`, `stats --where`),
/// checked as [`check_expression`] does, reading only what the caller may
/// see of a person.
pub fn check_expression_readable(
    world: &World,
    book: &OrderBook,
    expr: &muster_cel::Expr,
    readable: &muster_cel::check::Readable,
) -> Result<(), Vec<muster_cel::Diagnostic>> {
    let known = Known { world, book, order: "" };
    let schema = crate::schema::person_schema();
    let options = CheckOptions { readable: readable.clone(), ..CheckOptions::default() };
    muster_cel::check_condition(expr, &schema, &known, &options)
}

/// Checks an order against the records and the book as known on the day
/// it would be issued; every error found, placed in the document.
pub fn check_order(world: &World, book: &OrderBook, order: &Order) -> Vec<OrderDiagnostic> {
    let mut diagnostics = Vec::new();
    let spans = FieldSpans::find(&order.source);
    if !world.has_organisation(&order.issued_by) {
        diagnostics.push(field_error(
            spans.issued_by.clone(),
            format!("unknown organisation `{}` in `issued_by`", order.issued_by),
            "unknown organisation",
            suggestion(
                &order.issued_by,
                world.organisations.iter().map(|organisation| organisation.id.as_str()),
            ),
        ));
    }
    for (index, addressee) in order.addressed_to.iter().enumerate() {
        if world.addressees(addressee).is_none() {
            diagnostics.push(field_error(
                spans.addressed_to.get(index).cloned().unwrap_or_default(),
                format!("`{addressee}` in `addressed_to` is neither an organisation nor a kind of organisation"),
                "unknown addressee",
                suggestion(addressee, world.organisations.iter().map(|organisation| organisation.id.as_str())),
            ));
        }
    }
    for (index, superseded) in order.supersedes.iter().enumerate() {
        let span = spans.supersedes.get(index).cloned().unwrap_or_default();
        if *superseded == order.id {
            diagnostics.push(field_error(span, "an order cannot supersede itself", "itself", None));
        } else if book.get(superseded).is_none() {
            diagnostics.push(field_error(
                span,
                format!("`{superseded}` in `supersedes` is not an issued order"),
                "unknown order",
                suggestion(superseded, book.all().iter().map(|issued| issued.order.id.as_str())),
            ));
        }
    }
    let known = Known { world, book, order: &order.id };
    let schema = crate::schema::person_schema();
    for rule in &order.rules {
        let options = match rule.target {
            Target::Discharge => CheckOptions::discharge_rule(),
            Target::List(_) => CheckOptions::default(),
        };
        for condition in std::iter::once(&rule.when).chain(rule.unless.as_ref()) {
            if let Err(errors) =
                muster_cel::check_condition(&condition.expr, &schema, &known, &options)
            {
                diagnostics.extend(errors.iter().map(|error| condition.diagnostic(error)));
            }
        }
    }
    diagnostics
}

fn field_error(
    span: std::ops::Range<usize>,
    message: impl Into<String>,
    label: impl Into<String>,
    help: Option<String>,
) -> OrderDiagnostic {
    OrderDiagnostic { span, message: message.into(), label: label.into(), help }
}

fn suggestion<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let best = candidates
        .map(|candidate| (strsim::levenshtein(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(2))
        .min()?;
    Some(format!("did you mean `{}`?", best.1))
}

/// Where the top-level fields of an order lie in its text.
#[derive(Default)]
struct FieldSpans {
    issued_by: std::ops::Range<usize>,
    addressed_to: Vec<std::ops::Range<usize>>,
    supersedes: Vec<std::ops::Range<usize>>,
}

impl FieldSpans {
    fn find(text: &str) -> FieldSpans {
        #[derive(serde::Deserialize)]
        struct Spans {
            issued_by: Option<Spanned<String>>,
            #[serde(default)]
            addressed_to: Vec<Spanned<String>>,
            #[serde(default)]
            supersedes: Vec<Spanned<String>>,
        }
        match toml::from_str::<Spans>(text) {
            Ok(spans) => FieldSpans {
                issued_by: spans.issued_by.map(|value| value.span()).unwrap_or_default(),
                addressed_to: spans.addressed_to.iter().map(Spanned::span).collect(),
                supersedes: spans.supersedes.iter().map(Spanned::span).collect(),
            },
            Err(_) => FieldSpans::default(),
        }
    }
}
