//! Diagnostics rendered for a person at a terminal: the file, the line,
//! the span underlined, what was expected, and a suggestion.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use muster_orders::OrderDiagnostic;

/// Renders diagnostics of one source text (an order file, or an expression
/// given on the command line), without colour.
pub fn render(name: &str, source: &str, diagnostics: &[OrderDiagnostic]) -> String {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let mut text = String::new();
    for diagnostic in diagnostics {
        let mut report = MietteDiagnostic::new(diagnostic.message.clone())
            .with_label(LabeledSpan::at(diagnostic.span.clone(), diagnostic.label.clone()));
        if let Some(help) = &diagnostic.help {
            report = report.with_help(help.clone());
        }
        let report = miette::Report::new(report)
            .with_source_code(NamedSource::new(name, source.to_string()));
        if handler.render_report(&mut text, report.as_ref()).is_err() {
            text.push_str(&format!("{name}: {}\n", diagnostic.message));
        }
        text.push('\n');
    }
    text
}
