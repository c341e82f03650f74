//! Deadlines as offices write them in a task sheet: dates in any of the usual spellings, a
//! month, a quarter, a half-year, the year's end, an Excel date serial, or ongoing work with no
//! deadline at all.

use time::{Date, Month};

use super::squeeze;

/// A deadline read from a sheet: a day, or none at all (长期, 持续推进), stated as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    On(Date),
    /// Ongoing work with no deadline of its own.
    Open,
}

/// The first serial number of an Excel date taken as one (1954), and the last (2119): a number
/// outside is not a date.
const EXCEL_SERIALS: std::ops::RangeInclusive<i64> = 20_000..=80_000;

/// A deadline as offices write it, in a campaign of `year`: `2023-08-31`, `2023/8/31`,
/// `2023.8.31`, `2023年8月31日`, `2023年8月`, `8月底前`, `9月`, `年底前`, `年内`, `2023年第三季度`,
/// `下半年`, an Excel date serial (`45291`), and `长期`/`持续推进` for no deadline. A month
/// alone means its last day, a quarter or a half-year its last day too.
pub fn parse_deadline(text: &str, year: i32) -> Option<Deadline> {
    let text = squeeze(text);
    let text = text.trim_end_matches('前').trim_end_matches('以').trim_end_matches(['底', '末']);
    if text.is_empty() {
        return None;
    }
    if matches!(text, "长期坚持" | "长期" | "持续推进" | "常态化" | "持续" | "长期推进") {
        return Some(Deadline::Open);
    }
    let on = |y: i32, month: Month, day: Option<u8>| {
        let day = day.unwrap_or(time::util::days_in_month(month, y));
        Date::from_calendar_date(y, month, day).ok().map(Deadline::On)
    };
    // A year may lead what follows: "2023年第三季度", "2023年下半年", "2023年底".
    let (y, rest) = match text.split_once('年') {
        Some((digits, rest)) if digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()) => {
            (digits.parse().ok()?, rest)
        }
        Some(("", rest)) => (year, rest),
        _ => (year, text),
    };
    match rest {
        "" | "内" | "度内" | "全年" | "下半年" => return on(y, Month::December, None),
        "上半年" => return on(y, Month::June, None),
        _ => {}
    }
    if let Some(quarter) = quarter(rest) {
        return on(y, Month::try_from(quarter * 3).ok()?, None);
    }
    if text.len() == 5 && text.chars().all(|c| c.is_ascii_digit()) {
        let serial: i64 = text.parse().ok()?;
        let epoch = time::macros::date!(1899 - 12 - 30);
        return EXCEL_SERIALS
            .contains(&serial)
            .then(|| epoch.checked_add(time::Duration::days(serial)))?
            .map(Deadline::On);
    }
    let numbers: Vec<i64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap_or(i64::MAX))
        .collect();
    // Only digits and the separators of a date may appear.
    if !text.chars().all(|c| c.is_ascii_digit() || "-/.年月日号".contains(c)) {
        return None;
    }
    let (y, m, d) = match numbers.as_slice() {
        [y, m, d] if *y >= 1000 => (*y, *m, Some(*d)),
        [y, m] if *y >= 1000 => (*y, *m, None),
        [m, d] if text.contains('月') && text.contains(['日', '号']) => (i64::from(year), *m, Some(*d)),
        [m] if text.ends_with('月') => (i64::from(year), *m, None),
        _ => return None,
    };
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    let day = match d {
        Some(d) => Some(u8::try_from(d).ok()?),
        None => None,
    };
    on(i32::try_from(y).ok()?, month, day)
}

/// The quarter a text names: "第三季度", "三季度", "第3季度", "Q3".
fn quarter(text: &str) -> Option<u8> {
    let body = text.strip_prefix('第').unwrap_or(text);
    let body = body.strip_suffix("季度").or_else(|| body.strip_prefix(['Q', 'q']))?;
    match body {
        "一" | "1" => Some(1),
        "二" | "2" => Some(2),
        "三" | "3" => Some(3),
        "四" | "4" => Some(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn deadlines_as_offices_write_them() {
        let parse = |text| match parse_deadline(text, 2023) {
            Some(Deadline::On(date)) => Some(date),
            _ => None,
        };
        assert_eq!(parse("2023-08-31"), Some(date!(2023 - 08 - 31)));
        assert_eq!(parse("2023/8/31"), Some(date!(2023 - 08 - 31)));
        assert_eq!(parse("2023.12.31"), Some(date!(2023 - 12 - 31)));
        assert_eq!(parse("2023年8月31日"), Some(date!(2023 - 08 - 31)));
        assert_eq!(parse("2023年10月底前"), Some(date!(2023 - 10 - 31)));
        assert_eq!(parse("2024年2月"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse("9月"), Some(date!(2023 - 09 - 30)));
        assert_eq!(parse("9月底前"), Some(date!(2023 - 09 - 30)));
        assert_eq!(parse("10月15日前"), Some(date!(2023 - 10 - 15)));
        assert_eq!(parse("年底前"), Some(date!(2023 - 12 - 31)));
        assert_eq!(parse("年内"), Some(date!(2023 - 12 - 31)));
        assert_eq!(parse("2024年底"), Some(date!(2024 - 12 - 31)));
        assert_eq!(parse("2023年第三季度"), Some(date!(2023 - 09 - 30)));
        assert_eq!(parse("第一季度"), Some(date!(2023 - 03 - 31)));
        assert_eq!(parse("2023年上半年"), Some(date!(2023 - 06 - 30)));
        assert_eq!(parse("下半年"), Some(date!(2023 - 12 - 31)));
        assert_eq!(parse("45291"), Some(date!(2023 - 12 - 31)), "an Excel serial");
        assert_eq!(parse_deadline("长期坚持", 2023), Some(Deadline::Open));
        assert_eq!(parse_deadline("持续推进", 2023), Some(Deadline::Open));
        for bad in
            ["2023-02-30", "明年", "2023-13-01", "视情况", "8", "2023年8月31日12时", "12345", "第五季度", "99999"]
        {
            assert_eq!(parse_deadline(bad, 2023), None, "{bad}");
        }
    }
}
