//! The discharge calendar: term ends, discharge cycles and their dates.
//!
//! Discharges happen twice a year, on the spring and autumn cycle dates of the
//! calendar (by default 1 February and 1 October). A person's term ends
//! `term_months` after enlistment; his discharge cycle is the first cycle date
//! on or after that day.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A day of the year without a year, such as `02-01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

/// The two discharge cycles of a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Season {
    Spring,
    Autumn,
}

/// A discharge cycle, written `YYYY-spring` or `YYYY-autumn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cycle {
    pub year: i32,
    pub season: Season,
}

/// The month-days of the spring and autumn discharge cycles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub spring: MonthDay,
    pub autumn: MonthDay,
}

/// A month-day or cycle that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("`{text}` is not a month and day of the form MM-DD")]
    BadMonthDay { text: String },
    #[error("the spring cycle `{spring}` must come before the autumn cycle `{autumn}` in the year")]
    SpringNotBeforeAutumn { spring: MonthDay, autumn: MonthDay },
    #[error("`{text}` is not a discharge cycle of the form YYYY-spring or YYYY-autumn")]
    BadCycle { text: String },
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar { spring: MonthDay { month: 2, day: 1 }, autumn: MonthDay { month: 10, day: 1 } }
    }
}

impl Calendar {
    /// A calendar from its two month-days; spring must come before autumn.
    pub fn new(spring: MonthDay, autumn: MonthDay) -> Result<Calendar, CalendarError> {
        if spring >= autumn {
            return Err(CalendarError::SpringNotBeforeAutumn { spring, autumn });
        }
        Ok(Calendar { spring, autumn })
    }

    /// The day a cycle falls on.
    pub fn cycle_date(&self, cycle: Cycle) -> NaiveDate {
        let month_day = match cycle.season {
            Season::Spring => self.spring,
            Season::Autumn => self.autumn,
        };
        month_day.in_year(cycle.year)
    }

    /// The first cycle whose date is on or after `day`.
    pub fn cycle_on_or_after(&self, day: NaiveDate) -> Cycle {
        let year = day.year();
        for cycle in
            [Cycle { year, season: Season::Spring }, Cycle { year, season: Season::Autumn }]
        {
            if self.cycle_date(cycle) >= day {
                return cycle;
            }
        }
        Cycle { year: year + 1, season: Season::Spring }
    }

    /// The cycle that comes before `cycle`.
    pub fn previous(&self, cycle: Cycle) -> Cycle {
        match cycle.season {
            Season::Spring => Cycle { year: cycle.year - 1, season: Season::Autumn },
            Season::Autumn => Cycle { year: cycle.year, season: Season::Spring },
        }
    }
}

/// The last day of a term of `term_months` begun on `enlisted`.
///
/// A day that the month lacks becomes the month's last day: 2010-08-31 plus
/// six months is 2011-02-28. `None` only past the end of the calendar.
pub fn term_end(enlisted: NaiveDate, term_months: u32) -> Option<NaiveDate> {
    enlisted.checked_add_months(Months::new(term_months))
}

impl MonthDay {
    /// The day this month-day falls on in `year`; 02-29 falls on 02-28 in a
    /// common year.
    pub fn in_year(self, year: i32) -> NaiveDate {
        let mut day = self.day;
        loop {
            if let Some(date) = NaiveDate::from_ymd_opt(year, self.month, day) {
                return date;
            }
            if day <= 1 {
                return NaiveDate::MIN;
            }
            day -= 1;
        }
    }
}

impl FromStr for MonthDay {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<MonthDay, CalendarError> {
        let bad = || CalendarError::BadMonthDay { text: text.to_string() };
        let (month, day) = text.split_once('-').ok_or_else(bad)?;
        if month.len() != 2 || day.len() != 2 {
            return Err(bad());
        }
        let month: u32 = month.parse().map_err(|_| bad())?;
        let day: u32 = day.parse().map_err(|_| bad())?;
        // 2024 is a leap year, so that 02-29 is a valid month-day.
        NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(bad)?;
        Ok(MonthDay { month, day })
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl fmt::Display for Season {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Season::Spring => "spring",
            Season::Autumn => "autumn",
        })
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{}", self.year, self.season)
    }
}

impl FromStr for Cycle {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<Cycle, CalendarError> {
        let bad = || CalendarError::BadCycle { text: text.to_string() };
        let (year, season) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let season = match season {
            "spring" => Season::Spring,
            "autumn" => Season::Autumn,
            _ => return Err(bad()),
        };
        Ok(Cycle { year, season })
    }
}

impl Serialize for Cycle {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        crate::date::parse_date(text).unwrap()
    }

    #[test]
    fn term_end_clamps_to_the_last_day_of_the_month() {
        assert_eq!(term_end(date("2010-08-31"), 6), Some(date("2011-02-28")));
        assert_eq!(term_end(date("2010-09-15"), 120), Some(date("2020-09-15")));
    }

    #[test]
    fn cycle_is_the_first_cycle_date_on_or_after_term_end() {
        let calendar = Calendar::default();
        let check = |day: &str, expect: &str| {
            assert_eq!(calendar.cycle_on_or_after(date(day)).to_string(), expect, "{day}");
        };
        check("2020-09-15", "2020-autumn");
        check("2020-10-01", "2020-autumn");
        check("2020-10-02", "2021-spring");
        check("2020-01-15", "2020-spring");
        check("2020-02-01", "2020-spring");
        check("2020-02-02", "2020-autumn");
        check("2021-03-01", "2021-autumn");
    }

    #[test]
    fn cycles_read_and_print() {
        let cycle: Cycle = "2021-spring".parse().unwrap();
        assert_eq!(cycle, Cycle { year: 2021, season: Season::Spring });
        assert_eq!(Calendar::default().cycle_date(cycle), date("2021-02-01"));
        assert!("2021-summer".parse::<Cycle>().is_err());
        assert!("21-spring".parse::<Cycle>().is_err());
        assert_eq!(Calendar::default().previous(cycle).to_string(), "2020-autumn");
    }

    #[test]
    fn month_days_read_and_check_order() {
        let spring: MonthDay = "03-15".parse().unwrap();
        let autumn: MonthDay = "11-01".parse().unwrap();
        assert!(Calendar::new(spring, autumn).is_ok());
        assert!(Calendar::new(autumn, spring).is_err());
        assert!("13-01".parse::<MonthDay>().is_err());
        assert!("2-1".parse::<MonthDay>().is_err());
        let leap: MonthDay = "02-29".parse().unwrap();
        assert_eq!(leap.in_year(2021), date("2021-02-28"));
    }
}
