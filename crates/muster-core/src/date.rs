//! Days, written `YYYY-MM-DD` everywhere muster reads or writes them.

use chrono::NaiveDate;

/// A calendar day.
pub type Date = NaiveDate;

/// Reads a day written exactly `YYYY-MM-DD`; anything else, or a day the
/// calendar lacks (2021-02-30), is `None`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut value = 0u32;
        for &byte in &bytes[range] {
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
        }
        Some(value)
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
}

/// Writes a day as `YYYY-MM-DD`.
pub fn format_date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_strict_form() {
        assert_eq!(parse_date("2020-10-01").map(format_date).as_deref(), Some("2020-10-01"));
        assert_eq!(parse_date("2024-02-29").map(format_date).as_deref(), Some("2024-02-29"));
        for bad in
            ["2021-02-29", "2020-13-01", "2020-1-01", "20201001", "2020/10/01", "", "2020-10-01 "]
        {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
