//! Order documents: TOML read into an [`Order`], every field checked, every
//! error placed at its line and column in the file.

use std::ops::Range;

use chrono::NaiveDate;
use muster_core::{Cycle, parse_date};
use serde::Deserialize;
use toml::Spanned;

/// An order, as its document gives it.
#[derive(Clone, Debug)]
pub struct Order {
    pub id: String,
    pub title: String,
    pub issued_by: String,
    pub issued_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
    /// Organisation ids or kinds.
    pub addressed_to: Vec<String>,
    pub supersedes: Vec<String>,
    pub recheck: bool,
    pub rationale: String,
    pub rules: Vec<Rule>,
    /// The document's text, kept as issued.
    pub source: String,
}

/// What a rule governs: lists of one kind, or discharges.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    List(String),
    Discharge,
}

/// What a rule does to those it applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    Exclude,
    Require,
    Delay,
    Protect,
}

/// Where a `delay` moves a discharge to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    Date(NaiveDate),
    Cycle(Cycle),
}

/// One rule of an order.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Its number in the order, from 1.
    pub number: usize,
    pub target: Target,
    pub effect: Effect,
    pub when: Condition,
    pub unless: Option<Condition>,
    pub until: Option<Until>,
    pub reason: String,
}

/// A condition: its text, its tree, and where its text lies in the file.
#[derive(Clone, Debug)]
pub struct Condition {
    pub source: String,
    pub expr: muster_cel::Expr,
    /// Where the condition is in the order, as messages name it: ``rule 1, `when` ``.
    place: String,
    /// For each byte of `source` (and one past its end), the byte offset in
    /// the document.
    offsets: Vec<usize>,
}

/// Something wrong with an order, where it is in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderDiagnostic {
    /// Byte offsets in the document.
    pub span: Range<usize>,
    pub message: String,
    /// A short text to show under the span.
    pub label: String,
    pub help: Option<String>,
}

impl Order {
    /// The day it takes effect when issued on `issued_on`: its
    /// `effective_from`, or the day of issue if that is later.
    pub fn takes_effect(&self, issued_on: NaiveDate) -> NaiveDate {
        self.effective_from.max(issued_on)
    }

    /// Its rules that govern discharges, in document order.
    pub fn discharge_rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|rule| rule.target == Target::Discharge)
    }

    /// Whether one of its rules governs discharges.
    pub fn governs_discharges(&self) -> bool {
        self.discharge_rules().next().is_some()
    }

    /// Whether one of its rules governs lists of `kind`.
    pub fn governs_lists_of(&self, kind: &str) -> bool {
        self.rules.iter().any(|rule| matches!(&rule.target, Target::List(own) if own == kind))
    }
}

impl Effect {
    /// The word for this effect.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Exclude => "exclude",
            Effect::Require => "require",
            Effect::Delay => "delay",
            Effect::Protect => "protect",
        }
    }
}

impl Target {
    /// The word for this target: the list kind, or `discharge`.
    pub fn as_str(&self) -> &str {
        match self {
            Target::List(kind) => kind,
            Target::Discharge => "discharge",
        }
    }
}

impl Condition {
    /// The span in the document of a span of the condition's text.
    pub fn file_span(&self, span: Range<usize>) -> Range<usize> {
        map_span(&self.offsets, span)
    }

    /// A diagnostic of the condition language, placed in the document.
    pub fn diagnostic(&self, error: &muster_cel::Diagnostic) -> OrderDiagnostic {
        diagnostic_at(&self.offsets, &self.source, &self.place, error)
    }
}

fn map_span(offsets: &[usize], span: Range<usize>) -> Range<usize> {
    let at = |offset: usize| offsets.get(offset).or_else(|| offsets.last()).copied().unwrap_or(0);
    let start = at(span.start);
    let end = at(span.end).max(start);
    start..end
}

impl OrderDiagnostic {
    fn new(span: Range<usize>, message: impl Into<String>, label: impl Into<String>) -> Self {
        OrderDiagnostic { span, message: message.into(), label: label.into(), help: None }
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderFile {
    id: Spanned<String>,
    title: Spanned<String>,
    issued_by: Spanned<String>,
    issued_on: Spanned<toml::value::Datetime>,
    effective_from: Option<Spanned<toml::value::Datetime>>,
    effective_until: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    addressed_to: Vec<Spanned<String>>,
    #[serde(default)]
    supersedes: Vec<Spanned<String>>,
    recheck: Option<bool>,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    rules: Vec<Spanned<RuleFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    applies_to: Spanned<String>,
    effect: Spanned<String>,
    when: Spanned<String>,
    unless: Option<Spanned<String>>,
    until: Option<Spanned<toml::Value>>,
    #[serde(default)]
    reason: String,
}

/// Reads an order document. Every error found is returned, each with its
/// place in the text; conditions are parsed but not yet type-checked (see
/// [`crate::check_order`]).
pub fn parse_order(text: &str) -> Result<Order, Vec<OrderDiagnostic>> {
    let file: OrderFile = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim().to_string();
        vec![OrderDiagnostic::new(span, format!("the order is not valid: {message}"), message)]
    })?;
    let mut diagnostics = Vec::new();

    let mut date = |value: &Spanned<toml::value::Datetime>, field: &str| -> NaiveDate {
        match datetime_to_date(value.get_ref()) {
            Some(day) => day,
            None => {
                diagnostics.push(OrderDiagnostic::new(
                    value.span(),
                    format!("`{field}` must be a date such as 2024-01-02"),
                    "not a date",
                ));
                NaiveDate::MIN
            }
        }
    };
    let issued_on = date(&file.issued_on, "issued_on");
    let effective_from = file.effective_from.as_ref().map(|value| date(value, "effective_from"));
    let effective_until = file.effective_until.as_ref().map(|value| date(value, "effective_until"));
    let effective_from = effective_from.unwrap_or(issued_on);
    if let (Some(until), Some(span)) =
        (effective_until, file.effective_until.as_ref().map(Spanned::span))
        && until < effective_from
    {
        diagnostics.push(OrderDiagnostic::new(
            span,
            format!("the order ends on {until}, before it takes effect on {effective_from}"),
            "before `effective_from`",
        ));
    }
    for (value, field) in [(&file.id, "id"), (&file.title, "title"), (&file.issued_by, "issued_by")]
    {
        if value.get_ref().trim().is_empty() {
            diagnostics.push(OrderDiagnostic::new(
                value.span(),
                format!("`{field}` is empty"),
                "empty",
            ));
        }
    }
    let id = file.id.get_ref();
    if !id.trim().is_empty()
        && (id.len() > 100
            || !id.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
    {
        diagnostics.push(OrderDiagnostic::new(
            file.id.span(),
            "`id` is not an id: an id is made of letters, digits, `-`, `_` and `.`, at most 100",
            "not an id",
        ));
    }
    if file.rules.is_empty() {
        diagnostics.push(OrderDiagnostic::new(
            0..0,
            "the order has no rules: add a `[[rules]]` table",
            "no rules",
        ));
    }

    let mut rules = Vec::new();
    for (index, rule) in file.rules.iter().enumerate() {
        if let Some(rule) = parse_rule(text, index + 1, rule, &mut diagnostics) {
            rules.push(rule);
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(Order {
        id: file.id.into_inner(),
        title: file.title.into_inner(),
        issued_by: file.issued_by.into_inner(),
        issued_on,
        effective_from,
        effective_until,
        addressed_to: file.addressed_to.into_iter().map(Spanned::into_inner).collect(),
        supersedes: file.supersedes.into_iter().map(Spanned::into_inner).collect(),
        recheck: file.recheck.unwrap_or(true),
        rationale: file.rationale,
        rules,
        source: text.to_string(),
    })
}

fn parse_rule(
    text: &str,
    number: usize,
    rule: &Spanned<RuleFile>,
    diagnostics: &mut Vec<OrderDiagnostic>,
) -> Option<Rule> {
    let span = rule.span();
    let rule = rule.get_ref();
    let target = match rule.applies_to.get_ref().trim() {
        "" => {
            diagnostics.push(OrderDiagnostic::new(
                rule.applies_to.span(),
                "`applies_to` is empty: name a list kind or `discharge`",
                "empty",
            ));
            return None;
        }
        "discharge" => Target::Discharge,
        kind => Target::List(kind.to_string()),
    };
    let effect = match rule.effect.get_ref().as_str() {
        "exclude" => Effect::Exclude,
        "require" => Effect::Require,
        "delay" => Effect::Delay,
        "protect" => Effect::Protect,
        other => {
            diagnostics.push(
                OrderDiagnostic::new(
                    rule.effect.span(),
                    format!("unknown effect `{other}`"),
                    "unknown effect",
                )
                .with_help("the effects are `exclude`, `require` (lists) and `delay`, `protect` (discharge)"),
            );
            return None;
        }
    };
    let fits = matches!(
        (&target, effect),
        (Target::List(_), Effect::Exclude | Effect::Require)
            | (Target::Discharge, Effect::Delay | Effect::Protect)
    );
    if !fits {
        let help = if target == Target::Discharge {
            "a discharge rule may `delay` or `protect`"
        } else {
            "a list rule may `exclude` or `require`"
        };
        diagnostics.push(
            OrderDiagnostic::new(
                rule.effect.span(),
                format!("effect `{}` does not apply to `{}`", effect.as_str(), target.as_str()),
                "does not fit `applies_to`",
            )
            .with_help(help),
        );
    }
    let until = match (&rule.until, effect) {
        (None, Effect::Delay) => {
            diagnostics.push(
                OrderDiagnostic::new(span.clone(), "a `delay` rule needs `until`", "no `until`")
                    .with_help(
                        "give a date (`until = 2021-02-01`) or a cycle (`until = \"2021-spring\"`)",
                    ),
            );
            None
        }
        (Some(until), Effect::Delay) => {
            let parsed = match until.get_ref() {
                toml::Value::Datetime(datetime) => datetime_to_date(datetime).map(Until::Date),
                toml::Value::String(text) => text.parse::<Cycle>().ok().map(Until::Cycle),
                _ => None,
            };
            if parsed.is_none() {
                diagnostics.push(OrderDiagnostic::new(
                    until.span(),
                    "`until` must be a date such as 2021-02-01 or a cycle such as \"2021-spring\"",
                    "not a date or a cycle",
                ));
            }
            parsed
        }
        (Some(until), _) => {
            diagnostics.push(OrderDiagnostic::new(
                until.span(),
                format!("`until` belongs to `delay` rules, not to `{}`", effect.as_str()),
                "not for this effect",
            ));
            None
        }
        (None, _) => None,
    };
    let when = parse_condition(text, &rule.when, format!("rule {number}, `when`"), diagnostics);
    let unless = rule.unless.as_ref().map(|unless| {
        parse_condition(text, unless, format!("rule {number}, `unless`"), diagnostics)
    });
    Some(Rule {
        number,
        target,
        effect,
        when: when?,
        unless: match unless {
            Some(None) => return None,
            Some(Some(condition)) => Some(condition),
            None => None,
        },
        until,
        reason: rule.reason.clone(),
    })
}

fn parse_condition(
    text: &str,
    value: &Spanned<String>,
    place: String,
    diagnostics: &mut Vec<OrderDiagnostic>,
) -> Option<Condition> {
    let source = value.get_ref().clone();
    let span = value.span();
    let raw = text.get(span.clone()).unwrap_or_default();
    let offsets = match value_offsets(raw, &source) {
        Some(offsets) => offsets.into_iter().map(|offset| offset + span.start).collect(),
        // The text could not be mapped: point every place at the value.
        None => vec![span.start; source.len() + 1],
    };
    match muster_cel::parse(&source) {
        Ok(expr) => Some(Condition { source, expr, place, offsets }),
        Err(error) => {
            diagnostics.push(diagnostic_at(&offsets, &source, &place, &error));
            None
        }
    }
}

/// A diagnostic of a condition placed in the document; its message names
/// the rule, the condition, and the line and column inside the condition.
fn diagnostic_at(
    offsets: &[usize],
    source: &str,
    place: &str,
    error: &muster_cel::Diagnostic,
) -> OrderDiagnostic {
    let span = map_span(offsets, error.span.start..error.span.end);
    let (line, column) = error.span.line_and_column(source);
    let label = match (&error.expected, &error.found) {
        (Some(expected), Some(found)) => format!("expected {expected}, found {found}"),
        (Some(expected), None) => format!("expected {expected}"),
        (None, Some(found)) => format!("found {found}"),
        (None, None) => error.message.clone(),
    };
    OrderDiagnostic {
        span,
        message: format!("{place}, line {line} column {column}: {}", error.message),
        label,
        help: error.help.clone(),
    }
}

fn datetime_to_date(datetime: &toml::value::Datetime) -> Option<NaiveDate> {
    if datetime.time.is_some() || datetime.offset.is_some() {
        return None;
    }
    let date = datetime.date?;
    parse_date(&format!("{:04}-{:02}-{:02}", date.year, date.month, date.day))
}

/// For each byte of a TOML string's value (and one past its end), the byte
/// offset of its text in the raw token, quotes included. `None` when the
/// token does not decode to `value` as expected.
fn value_offsets(raw: &str, value: &str) -> Option<Vec<usize>> {
    let (open, close, literal) = if raw.starts_with("'''") {
        (3, 3, true)
    } else if raw.starts_with("\"\"\"") {
        (3, 3, false)
    } else if raw.starts_with('\'') {
        (1, 1, true)
    } else if raw.starts_with('"') {
        (1, 1, false)
    } else {
        return None;
    };
    let mut start = open;
    let body_end = raw.len().checked_sub(close)?;
    // A newline right after the opening delimiter of a multi-line string is
    // not part of the value.
    if open == 3 {
        if raw[start..].starts_with("\r\n") {
            start += 2;
        } else if raw[start..].starts_with('\n') {
            start += 1;
        }
    }
    let body = raw.get(start..body_end)?;
    let mut offsets = Vec::with_capacity(value.len() + 1);
    let mut decoded = String::with_capacity(value.len());
    let bytes = body.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if !literal && bytes[index] == b'\\' {
            let escape_start = start + index;
            let next = *bytes.get(index + 1)?;
            let (character, length) = match next {
                b'b' => ('\u{8}', 2),
                b't' => ('\t', 2),
                b'n' => ('\n', 2),
                b'f' => ('\u{c}', 2),
                b'r' => ('\r', 2),
                b'e' => ('\u{1b}', 2),
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'u' | b'U' => {
                    let digits = if next == b'u' { 4 } else { 8 };
                    let hex = body.get(index + 2..index + 2 + digits)?;
                    (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 2 + digits)
                }
                b'x' => {
                    let hex = body.get(index + 2..index + 4)?;
                    (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 4)
                }
                _ => {
                    // A line-ending backslash: the newline and the white space
                    // after it are not part of the value.
                    let rest = &body[index + 1..];
                    let skipped = rest.len() - rest.trim_start().len();
                    index += 1 + skipped;
                    continue;
                }
            };
            for _ in 0..character.len_utf8() {
                offsets.push(escape_start);
            }
            decoded.push(character);
            index += length;
        } else {
            let character = body[index..].chars().next()?;
            for byte in 0..character.len_utf8() {
                offsets.push(start + index + byte);
            }
            decoded.push(character);
            index += character.len_utf8();
        }
    }
    offsets.push(start + index);
    (decoded == value).then_some(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_of_literal_and_basic_strings() {
        let offsets = value_offsets("'a\\b'", "a\\b").unwrap();
        assert_eq!(offsets, vec![1, 2, 3, 4]);
        let offsets = value_offsets("\"a\\\"b\"", "a\"b").unwrap();
        assert_eq!(offsets, vec![1, 2, 4, 5]);
        let offsets = value_offsets("'''\nab'''", "ab").unwrap();
        assert_eq!(offsets, vec![4, 5, 6]);
        assert!(value_offsets("'ab'", "xy").is_none());
    }
}
