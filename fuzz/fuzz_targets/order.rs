//! Order documents (TOML): the input, when it is UTF-8, is read with
//! `muster_orders::parse_order` and checked with `check_order` against the
//! reference scenario's world and its two orders. The diagnostics must lie
//! in the document and render as the command line renders them; an order
//! without one is issued in a copy of the book and its impact computed on
//! the reference list and every person's discharge. Nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use muster_fuzz::reference;
use muster_orders::{ListWithEntries, OrderDiagnostic};

/// Every span is a range of the document, on character boundaries, as
/// miette and the API's line and column need.
fn placed(source: &str, diagnostics: &[OrderDiagnostic]) {
    for diagnostic in diagnostics {
        let span = &diagnostic.span;
        assert!(
            span.start <= span.end && span.end <= source.len(),
            "the span {span:?} of `{}` is outside a document of {} bytes",
            diagnostic.message,
            source.len()
        );
        assert!(
            source.is_char_boundary(span.start) && source.is_char_boundary(span.end),
            "the span {span:?} of `{}` cuts a character",
            diagnostic.message
        );
    }
    let _ = muster_service::render::render("order.toml", source, diagnostics);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let order = match muster_orders::parse_order(text) {
        Ok(order) => order,
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "an order refused without a diagnostic");
            placed(text, &diagnostics);
            return;
        }
    };
    let reference = reference();
    let diagnostics = muster_orders::check_order(&reference.world, &reference.book, &order);
    placed(&order.source, &diagnostics);
    if !diagnostics.is_empty() || reference.book.get(&order.id).is_some() {
        return;
    }
    let issued_on = order.issued_on;
    let id = order.id.clone();
    let after = reference.book.with_draft(order, issued_on, false);
    let lists = [ListWithEntries { list: &reference.list, changes: &reference.changes }];
    let _ =
        muster_orders::impact(&reference.world, &reference.book, &after, &id, issued_on, &lists);
});
