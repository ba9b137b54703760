//! What the query strings and bodies of requests say, parsed: days and
//! months.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

/// The day a read is made as of.
#[derive(Deserialize, IntoParams)]
pub struct AsOf {
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

impl AsOf {
    pub fn day(&self) -> Result<NaiveDate, ApiError> {
        day_or_today(self.as_of.as_deref(), "as_of")
    }
}

/// A day given as `YYYY-MM-DD`, or today.
pub fn day_or_today(text: Option<&str>, name: &str) -> Result<NaiveDate, ApiError> {
    match text {
        None => Ok(chrono::Local::now().date_naive()),
        Some(text) => parse_day(text, name),
    }
}

/// A day given as `YYYY-MM-DD`.
pub fn parse_day(text: &str, name: &str) -> Result<NaiveDate, ApiError> {
    muster_core::parse_date(text).ok_or_else(|| {
        ApiError::bad_request(format!("`{name}={text}` is not a date of the form YYYY-MM-DD"))
    })
}

/// A month given as `YYYY-MM`, as its first day.
pub fn parse_month(text: &str, name: &str) -> Result<NaiveDate, ApiError> {
    muster_core::parse_date(&format!("{text}-01")).ok_or_else(|| {
        ApiError::bad_request(format!("`{name}={text}` is not a month of the form YYYY-MM"))
    })
}
