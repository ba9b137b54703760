//! The values of the condition language.

use std::fmt;

use chrono::NaiveDate;

/// A value, dynamically typed as in CEL.
///
/// Equality is CEL's: values of different types are never equal, and lists
/// are equal when their elements are, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    String(String),
    Date(NaiveDate),
    List(Vec<Value>),
}

impl Value {
    /// The name of the value's type, as messages give it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::String(_) => "string",
            Value::Date(_) => "date",
            Value::List(_) => "list",
        }
    }
}

impl fmt::Display for Value {
    /// Writes the value as a CEL expression that makes it, such as `"sgc"`,
    /// `42`, `[1, 2]` or `date("2020-10-01")`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => formatter.write_str("null"),
            Value::Bool(value) => write!(formatter, "{value}"),
            Value::Int(value) => write!(formatter, "{value}"),
            Value::String(value) => write_string_literal(formatter, value),
            Value::Date(value) => write!(formatter, "date(\"{}\")", value.format("%Y-%m-%d")),
            Value::List(values) => {
                formatter.write_str("[")?;
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        formatter.write_str(", ")?;
                    }
                    write!(formatter, "{value}")?;
                }
                formatter.write_str("]")
            }
        }
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::String(value)
    }
}

impl From<NaiveDate> for Value {
    fn from(value: NaiveDate) -> Value {
        Value::Date(value)
    }
}

impl From<Option<NaiveDate>> for Value {
    /// A date, or `null` for none.
    fn from(value: Option<NaiveDate>) -> Value {
        value.map_or(Value::Null, Value::Date)
    }
}

impl From<Vec<Value>> for Value {
    fn from(values: Vec<Value>) -> Value {
        Value::List(values)
    }
}

/// Writes a string as a double-quoted CEL string literal.
pub(crate) fn write_string_literal(formatter: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    formatter.write_str("\"")?;
    for character in text.chars() {
        match character {
            '"' => formatter.write_str("\\\"")?,
            '\\' => formatter.write_str("\\\\")?,
            '\n' => formatter.write_str("\\n")?,
            '\r' => formatter.write_str("\\r")?,
            '\t' => formatter.write_str("\\t")?,
            character if character.is_control() => {
                write!(formatter, "\\u{:04x}", u32::from(character))?;
            }
            character => write!(formatter, "{character}")?,
        }
    }
    formatter.write_str("\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_display_as_cel_literals() {
        let date = NaiveDate::from_ymd_opt(2020, 10, 1).unwrap();
        let list = Value::List(vec![
            Value::Null,
            true.into(),
            (-3).into(),
            "a \"b\"\n\u{7}".into(),
            date.into(),
        ]);
        assert_eq!(list.to_string(), r#"[null, true, -3, "a \"b\"\n\u0007", date("2020-10-01")]"#);
    }
}
