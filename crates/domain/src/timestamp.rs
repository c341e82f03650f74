//! UTC timestamps stored as fixed-width RFC 3339 text, which sorts correctly on every backend.

use std::fmt;
use time::{OffsetDateTime, UtcOffset, format_description::FormatItem, macros::format_description};

const STORED: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// A moment in UTC with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let utc = at.to_offset(UtcOffset::UTC);
        // Truncate to what is stored, so a value read back compares equal.
        let micros = utc.microsecond();
        Self(utc.replace_nanosecond(micros * 1_000).unwrap_or(utc))
    }

    pub fn datetime(self) -> OffsetDateTime {
        self.0
    }

    /// The text stored in the database, e.g. `2023-04-02T08:30:00.000000Z`.
    pub fn to_db(self) -> String {
        self.0.format(STORED).unwrap_or_else(|_| self.0.unix_timestamp().to_string())
    }

    /// Parses stored text (any RFC 3339 value is accepted).
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok().map(Self::from_datetime)
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0 + time::Duration::seconds(seconds))
    }

    /// `YYYY-MM-DD HH:MM` in UTC+8 (China Standard Time), as the campaign office reads it.
    pub fn display_cst(self) -> String {
        let cst = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
        let local = self.0.to_offset(cst);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            local.year(),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute()
        )
    }
}

/// A calendar date as `YYYY-MM-DD`.
pub fn format_date(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Serialises a date as `YYYY-MM-DD`, as the API's bodies write dates, for domain types that
/// are serialised whole (audit records, the `current` of a 412): `time`'s own serde writes a
/// `[year, ordinal]` array. Use with `#[serde(serialize_with = "iso_date")]`.
pub fn iso_date<S: serde::Serializer>(date: &time::Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_date(*date))
}

/// [`iso_date`] for an optional date (`null` when absent).
pub fn iso_date_option<S: serde::Serializer>(date: &Option<time::Date>, serializer: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.serialize_some(&format_date(*date)),
        None => serializer.serialize_none(),
    }
}

/// Parses `YYYY-MM-DD` (also `YYYY/MM/DD` and `YYYY.MM.DD`, as spreadsheets write them).
pub fn parse_date(text: &str) -> Option<time::Date> {
    let normalised: String = text.trim().chars().map(|c| if c == '/' || c == '.' { '-' } else { c }).collect();
    let mut parts = normalised.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

impl Timestamp {
    /// Parses a moment as a person types it: `YYYY-MM-DD HH:MM` (or with a `T`, as a browser's
    /// date-and-time field sends it) in China Standard Time, or any RFC 3339 value.
    pub fn parse_cst(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(at) = Self::parse(text) {
            return Some(at);
        }
        let (day, clock) = text.split_once(['T', ' '])?;
        let (hour, minute) = clock.trim().split_once(':')?;
        let (hour, minute) = (hour.parse::<u8>().ok()?, minute.get(..2)?.parse::<u8>().ok()?);
        let time = time::Time::from_hms(hour, minute, 0).ok()?;
        let cst = UtcOffset::from_hms(8, 0, 0).ok()?;
        Some(Self::from_datetime(parse_date(day)?.with_time(time).assume_offset(cst)))
    }

    /// `YYYY-MM-DDTHH:MM` in China Standard Time: what a date-and-time field shows.
    pub fn input_cst(self) -> String {
        self.display_cst().replacen(' ', "T", 1)
    }

    /// The calendar day of this moment in China Standard Time (UTC+8).
    pub fn date_cst(self) -> time::Date {
        let cst = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
        self.0.to_offset(cst).date()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_db())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_db())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_round_trips_and_sorts() {
        let a = Timestamp::parse("2023-04-02T08:30:00Z").unwrap();
        let b = Timestamp::parse("2023-04-02T16:30:00.5+08:00").unwrap();
        assert_eq!(a.to_db(), "2023-04-02T08:30:00.000000Z");
        assert_eq!(Timestamp::parse(&a.to_db()), Some(a));
        assert!(a.to_db() < b.to_db());
        assert_eq!(a.display_cst(), "2023-04-02 16:30");
        assert_eq!(Timestamp::parse_cst("2023-04-02 16:30"), Some(a));
        assert_eq!(Timestamp::parse_cst("2023-04-02T16:30"), Some(a));
        assert_eq!(a.input_cst(), "2023-04-02T16:30");
        assert_eq!(Timestamp::parse_cst("2023-04-02 25:00"), None);
        assert_eq!(Timestamp::parse_cst("明天上午"), None);
        assert_eq!(a.date_cst(), time::macros::date!(2023 - 04 - 02));
    }

    #[test]
    fn dates_parse_as_offices_write_them() {
        let day = time::macros::date!(2023 - 04 - 02);
        assert_eq!(parse_date("2023-04-02"), Some(day));
        assert_eq!(parse_date(" 2023/4/2 "), Some(day));
        assert_eq!(parse_date("2023.04.02"), Some(day));
        assert_eq!(parse_date("2023-02-30"), None);
        assert_eq!(parse_date("April"), None);
        assert_eq!(format_date(day), "2023-04-02");
    }

    #[test]
    fn dates_serialise_as_iso_text() {
        #[derive(serde::Serialize)]
        struct Dated {
            #[serde(serialize_with = "iso_date")]
            on: time::Date,
            #[serde(serialize_with = "iso_date_option")]
            until: Option<time::Date>,
            #[serde(serialize_with = "iso_date_option")]
            never: Option<time::Date>,
        }
        let day = time::macros::date!(2023 - 06 - 30);
        let json = serde_json::to_string(&Dated { on: day, until: Some(day), never: None }).unwrap();
        assert_eq!(json, r#"{"on":"2023-06-30","until":"2023-06-30","never":null}"#);
    }
}
