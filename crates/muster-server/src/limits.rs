//! The bounds of what a request may carry, and the checks that hold them:
//! the body as a whole (413), every string and list of a JSON body, every
//! query value, every id (400), and the fields with tighter limits of
//! their own. What is kept of an input that is refused (the name a failed
//! login tried) is cut short and escaped by [`bounded`].

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ApiError;

/// The largest request body, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
/// The longest string anywhere in a JSON body, in bytes (an order's text
/// is the longest field).
pub const MAX_STRING: usize = 256 * 1024;
/// The most items of a list anywhere in a JSON body.
pub const MAX_ITEMS: usize = 10_000;
/// The longest query parameter value, in bytes.
pub const MAX_QUERY_VALUE: usize = 4096;
/// The longest id, in characters.
pub const MAX_ID: usize = 100;
/// The longest user name a login may try, in characters.
pub const MAX_LOGIN_NAME: usize = 256;
/// The longest password a login may try, in bytes.
pub const MAX_PASSWORD: usize = 1024;
/// The longest title of a list, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest reason of a revocation, in characters.
pub const MAX_REASON: usize = 1000;
/// The longest condition, in bytes.
pub const MAX_CONDITION: usize = 4096;
/// How much of a refused input is kept on the audit log, in characters.
pub const KEPT: usize = 64;

/// Refuses a body longer than [`MAX_BODY`] by its `Content-Length` before
/// it is read; a body without one is cut by the extractors at the same
/// bound (`DefaultBodyLimit`).
pub async fn limit_body(request: Request, next: Next) -> Response {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if let Some(length) = length
        && length > MAX_BODY as u64
    {
        return too_large(Some(length)).into_response();
    }
    next.run(request).await
}

/// The answer to a body past [`MAX_BODY`].
pub fn too_large(length: Option<u64>) -> ApiError {
    let size = length
        .map(|length| format!(" is {length} bytes:"))
        .unwrap_or_else(|| " is too long:".to_string());
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body{size} at most {MAX_BODY} bytes are accepted"),
    )
}

/// A text cut to `max` characters (with `…` when cut), its control
/// characters escaped (`\n`, `\u{1b}`), so that it can be kept and shown
/// on one line.
pub fn bounded(text: &str, max: usize) -> String {
    let mut kept = String::new();
    for (index, character) in text.chars().enumerate() {
        if index == max {
            kept.push('…');
            break;
        }
        if character.is_control() {
            kept.extend(character.escape_default());
        } else {
            kept.push(character);
        }
    }
    kept
}

/// Whether a text is an id: letters and digits (ASCII), `-`, `_` and `.`,
/// at most [`MAX_ID`].
pub fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ID
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
}

/// Requires a text to be an id.
pub fn check_id(what: &str, text: &str) -> Result<(), ApiError> {
    if is_id(text) {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "`{}` is not {what}: an id is made of letters, digits, `-`, `_` and `.`, at most {MAX_ID}",
        bounded(text, KEPT)
    )))
}

/// Requires each of some texts to be an id.
pub fn check_ids<'a>(
    what: &str,
    texts: impl IntoIterator<Item = &'a String>,
) -> Result<(), ApiError> {
    texts.into_iter().try_for_each(|text| check_id(what, text))
}

/// Requires a text to hold at most `max` characters.
pub fn check_chars(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    let count = text.chars().count();
    if count > max {
        return Err(ApiError::bad_request(format!(
            "`{field}` is {count} characters: at most {max} are accepted"
        )));
    }
    Ok(())
}

/// Requires a text to hold at most `max` bytes.
pub fn check_bytes(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.len() > max {
        return Err(ApiError::bad_request(format!(
            "`{field}` is {} bytes: at most {max} are accepted",
            text.len()
        )));
    }
    Ok(())
}

/// Requires every string of a JSON value to hold at most [`MAX_STRING`]
/// bytes and every list at most [`MAX_ITEMS`] items.
pub fn check_json(value: &Value) -> Result<(), ApiError> {
    fn walk(value: &Value, at: &mut Vec<String>) -> Result<(), ApiError> {
        let here = |at: &[String]| {
            if at.is_empty() { "the body".to_string() } else { format!("`{}`", at.join(".")) }
        };
        match value {
            Value::String(text) if text.len() > MAX_STRING => Err(ApiError::bad_request(format!(
                "{} is {} bytes: at most {MAX_STRING} are accepted",
                here(at),
                text.len()
            ))),
            Value::Array(items) if items.len() > MAX_ITEMS => Err(ApiError::bad_request(format!(
                "{} has {} items: at most {MAX_ITEMS} are accepted",
                here(at),
                items.len()
            ))),
            Value::Array(items) => items.iter().try_for_each(|item| walk(item, at)),
            Value::Object(fields) => fields.iter().try_for_each(|(key, item)| {
                at.push(bounded(key, KEPT));
                let checked = walk(item, at);
                at.pop();
                checked
            }),
            _ => Ok(()),
        }
    }
    walk(value, &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_text_is_short_and_on_one_line() {
        assert_eq!(bounded("plain", 64), "plain");
        assert_eq!(bounded("a\nb\u{1b}[31m", 64), "a\\nb\\u{1b}[31m");
        assert_eq!(bounded(&"x".repeat(100), 5), "xxxxx…");
        assert_eq!(bounded("éé", 1), "é…");
    }

    #[test]
    fn ids_are_plain_words() {
        for id in ["p001", "mod-2024-001", "haebit_2023.v2", "A.b-C_9"] {
            assert!(is_id(id), "{id}");
        }
        for id in ["", "two words", "列表", "a/b", "line\nbreak", "quote\"", &"a".repeat(101)] {
            assert!(!is_id(id), "{id}");
        }
    }
}
