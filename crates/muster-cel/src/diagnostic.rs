//! Spans and diagnostics: where in the expression text something went wrong,
//! and what.

use std::fmt;
use std::ops::Range;

/// A byte range in the text of an expression.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A problem found in an expression when it is parsed or checked.
///
/// The span is a byte range in the expression text; the caller maps it into
/// the file the expression came from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// What would have been right there, such as "an expression" or "bool".
    pub expected: Option<String>,
    /// What was there instead, such as "`)`" or "int".
    pub found: Option<String>,
    /// A suggestion, such as "did you mean `home_province`?".
    pub help: Option<String>,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span that covers both spans.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The span as a range, to slice the expression text with.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// The line and column (both counted from 1, the column in characters)
    /// where the span starts in `source`.
    pub fn line_and_column(self, source: &str) -> (usize, usize) {
        let before = source.get(..self.start).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

impl From<Span> for Range<usize> {
    fn from(span: Span) -> Range<usize> {
        span.range()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}..{}", self.start, self.end)
    }
}

impl Diagnostic {
    /// A diagnostic with only a message.
    pub fn new(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { span, message: message.into(), expected: None, found: None, help: None }
    }

    /// A diagnostic saying what was expected and what was found instead.
    pub fn expected_found(
        span: Span,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        let expected = expected.into();
        let found = found.into();
        Diagnostic {
            span,
            message: format!("expected {expected}, found {found}"),
            expected: Some(expected),
            found: Some(found),
            help: None,
        }
    }

    /// The same diagnostic with a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The same diagnostic with what was expected and what was found.
    pub fn with_types(mut self, expected: impl Into<String>, found: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.found = Some(found.into());
        self
    }
}

/// Text in backticks, as messages quote user input; text that holds a
/// backtick is quoted with two backticks and spaces, as Markdown does.
pub(crate) fn quote(text: &str) -> String {
    if text.contains('`') { format!("`` {text} ``") } else { format!("`{text}`") }
}

/// Renders a diagnostic under the source line it points at, for tests.
#[cfg(test)]
pub(crate) fn render(source: &str, diagnostic: &Diagnostic) -> String {
    use std::fmt::Write as _;

    let (line, column) = diagnostic.span.line_and_column(source);
    let mut text = format!("error {line}:{column} ({}): {}\n", diagnostic.span, diagnostic.message);
    let source_line = source.lines().nth(line - 1).unwrap_or("");
    let width = source.get(diagnostic.span.range()).map_or(1, |covered| covered.chars().count());
    let _ = writeln!(text, "  | {source_line}");
    let _ = writeln!(text, "  | {}{}", " ".repeat(column - 1), "^".repeat(width.max(1)));
    if let (Some(expected), Some(found)) = (&diagnostic.expected, &diagnostic.found) {
        let line = format!("expected {expected}, found {found}");
        if diagnostic.message != line {
            let _ = writeln!(text, "  = {line}");
        }
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(text, "  = help: {help}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_from_one() {
        let source = "a\n  ünd b";
        assert_eq!(Span::new(0, 1).line_and_column(source), (1, 1));
        assert_eq!(Span::new(4, 7).line_and_column(source), (2, 3));
        assert_eq!(Span::new(9, 10).line_and_column(source), (2, 7));
    }

    #[test]
    fn quote_copes_with_backticks() {
        assert_eq!(quote("a"), "`a`");
        assert_eq!(quote("`"), "`` ` ``");
    }
}
