//! Days as whole numbers, the discharge calendar, and the text of a day.
//!
//! The generator counts in days (`i32`, day 1 being 0001-01-01) so that its
//! arithmetic is a plain addition, and turns a day into `YYYY-MM-DD` through
//! a table made once.

use chrono::{Datelike, Months, NaiveDate};

/// A day, counted from the first day of the common era (0001-01-01 is 1).
pub(crate) type Day = i32;

/// The first day of the spring discharge cycle, as month and day.
const SPRING: (u32, u32) = (2, 1);
/// The first day of the autumn discharge cycle, as month and day.
const AUTUMN: (u32, u32) = (10, 1);

/// The day of a date.
pub(crate) fn day_of(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

/// The date of a day.
pub(crate) fn date_of(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}

/// The day of a year, month and day of the month.
///
/// The generator only asks for days that exist (the day of the month is at
/// most 28); for one that does not, the first day of the year stands in.
pub(crate) fn ymd(year: i32, month: u32, day: u32) -> Day {
    NaiveDate::from_ymd_opt(year, month, day)
        .or_else(|| NaiveDate::from_ymd_opt(year, 1, 1))
        .map_or(0, day_of)
}

/// The year of a day.
pub(crate) fn year_of(day: Day) -> i32 {
    date_of(day).year()
}

/// The end of a term: `months` after `day`, a day that the month lacks
/// becoming the month's last day.
pub(crate) fn add_months(day: Day, months: u32) -> Day {
    date_of(day).checked_add_months(Months::new(months)).map_or(day, day_of)
}

/// The discharge cycle of a term end: the first spring or autumn cycle day
/// on or after it.
pub(crate) fn discharge_cycle(term_end: Day) -> Day {
    let year = year_of(term_end);
    let spring = ymd(year, SPRING.0, SPRING.1);
    let autumn = ymd(year, AUTUMN.0, AUTUMN.1);
    if term_end <= spring {
        spring
    } else if term_end <= autumn {
        autumn
    } else {
        ymd(year + 1, SPRING.0, SPRING.1)
    }
}

/// The autumn cycle day of a year.
pub(crate) fn autumn_cycle(year: i32) -> Day {
    ymd(year, AUTUMN.0, AUTUMN.1)
}

/// The text `YYYY-MM-DD` of every day in a range, made once.
pub(crate) struct DayText {
    first: Day,
    texts: Vec<[u8; 10]>,
}

impl DayText {
    /// The texts of the days from `first` to `last`; days outside are
    /// formatted when asked for.
    pub(crate) fn new(first: Day, last: Day) -> Self {
        let texts = (first..=last).map(|day| format_date(date_of(day))).collect();
        DayText { first, texts }
    }

    /// The text of a day.
    pub(crate) fn text(&self, day: Day) -> [u8; 10] {
        usize::try_from(day - self.first)
            .ok()
            .and_then(|index| self.texts.get(index))
            .copied()
            .unwrap_or_else(|| format_date(date_of(day)))
    }
}

/// `YYYY-MM-DD` for a date of a year from 0 to 9999.
fn format_date(date: NaiveDate) -> [u8; 10] {
    let mut text = *b"0000-00-00";
    let year = date.year().clamp(0, 9999) as u32;
    let digit = |value: u32| b'0' + (value % 10) as u8;
    text[0] = digit(year / 1000);
    text[1] = digit(year / 100);
    text[2] = digit(year / 10);
    text[3] = digit(year);
    text[5] = digit(date.month() / 10);
    text[6] = digit(date.month());
    text[8] = digit(date.day() / 10);
    text[9] = digit(date.day());
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_end_moves_to_the_next_cycle_day() {
        let text = DayText::new(ymd(2000, 1, 1), ymd(2030, 12, 31));
        let show = |day: Day| String::from_utf8_lossy(&text.text(day)).into_owned();
        assert_eq!(show(discharge_cycle(ymd(2020, 2, 1))), "2020-02-01");
        assert_eq!(show(discharge_cycle(ymd(2020, 2, 2))), "2020-10-01");
        assert_eq!(show(discharge_cycle(ymd(2020, 10, 1))), "2020-10-01");
        assert_eq!(show(discharge_cycle(ymd(2020, 10, 2))), "2021-02-01");
        assert_eq!(show(add_months(ymd(2010, 8, 31), 6)), "2011-02-28");
        assert_eq!(show(ymd(1999, 12, 31)), "1999-12-31");
    }
}
