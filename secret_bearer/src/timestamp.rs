//! RFC 3339 timestamps, as a key set's `expires` gives them, read into the instant they name.
//!
//! Why no date crate: a key set needs one thing of a date, the instant it names, in one fixed
//! grammar (RFC 3339 §5.6, `2027-01-15T00:00:00Z`, an offset required), which the lines below
//! read; `time` or `jiff` would add four or five crates to every build, a key set or not. The
//! parser is checked against `time`'s RFC 3339 parser, by a property test here and by the
//! `timestamp` fuzz target.

use std::time::{Duration, SystemTime};

/// What an `expires` must be, for the error to say.
pub(crate) const EXPECTED: &str = "an RFC 3339 date and time with an offset, such as \
                                   `2027-01-15T00:00:00Z` or `2027-01-15T09:00:00+09:00`";

/// The instant an RFC 3339 `date-time` names: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of a
/// second, then `Z` or `±HH:MM` (`T` and `Z` in either case, as RFC 3339 allows). A leap second
/// (`:60`), valid only as the last second of a month in UTC, is read as the last nanosecond
/// before it, as `time` reads it. Anything else is `None`.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let digits = |at: usize, count: usize| -> Option<i64> {
        let field = bytes.get(at..at + count)?;
        field.iter().try_fold(0, |value, &byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + i64::from(byte - b'0'))
        })
    };
    let byte_is = |at: usize, expected: &[u8]| bytes.get(at).is_some_and(|b| expected.contains(b));
    let separators: [(usize, &[u8]); 5] =
        [(4, b"-"), (7, b"-"), (10, b"Tt"), (13, b":"), (16, b":")];
    if !separators
        .iter()
        .all(|(at, expected)| byte_is(*at, expected))
    {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // The fraction: at least one digit after the dot; nanoseconds from the first nine.
    let mut at = 19;
    let mut nanos = 0;
    if byte_is(at, b".") {
        let count = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if count == 0 {
            return None;
        }
        let kept = count.min(9);
        nanos = digits(at + 1, kept)? * 10_i64.pow(9 - kept as u32);
        at += 1 + count;
    }
    // A leap second stands for the nanosecond before the next minute.
    let leap = second == 60;
    let (second, nanos) = if leap {
        (59, 999_999_999)
    } else {
        (second, nanos)
    };
    let offset = match bytes.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    if leap
        && !(seconds.rem_euclid(86_400) == 86_399
            && first_of_month((seconds + 1).div_euclid(86_400)))
    {
        return None;
    }
    let since_epoch = Duration::new(seconds.unsigned_abs(), 0);
    let whole = if seconds < 0 {
        SystemTime::UNIX_EPOCH.checked_sub(since_epoch)?
    } else {
        SystemTime::UNIX_EPOCH.checked_add(since_epoch)?
    };
    whole.checked_add(Duration::from_nanos(nanos as u64))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether the day so many days after 1970-01-01 is the first of its month.
fn first_of_month(days: i64) -> bool {
    civil_from_days(days).2 == 1
}

/// The date so many days after 1970-01-01, as (year, month, day) of the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`, the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `instant` in UTC, to the second, as RFC 3339 writes it (`2027-01-15T09:30:00Z`): how the
/// reports of keys in use say when a key was last accepted. Years outside 0000-9999 have no
/// RFC 3339 form; they are written with as many digits as they need.
pub(crate) fn format(instant: SystemTime) -> String {
    let seconds = match instant.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        // Whole seconds, rounded down: the second it falls in.
        Err(before) => -(before.duration().as_secs_f64().ceil() as i64),
    };
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    );
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`: the year starts in March, so that February's length comes last).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn seconds(text: &str) -> Option<f64> {
        let instant = parse(text)?;
        Some(match instant.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => after.as_secs_f64(),
            Err(before) => -before.duration().as_secs_f64(),
        })
    }

    #[test]
    fn known_instants() {
        assert_eq!(seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(seconds("2027-01-15T00:00:00Z"), Some(1_799_971_200.0));
        assert_eq!(seconds("2027-01-15t09:00:00+09:00"), Some(1_799_971_200.0));
        assert_eq!(seconds("2027-01-14T19:30:00-04:30z"), None);
        assert_eq!(seconds("2027-01-14T19:30:00-04:30"), Some(1_799_971_200.0));
        assert_eq!(seconds("1969-12-31T23:59:59.5Z"), Some(-0.5));
        assert_eq!(seconds("2000-02-29T00:00:00Z"), Some(951_782_400.0));
        // A leap second is the nanosecond before the next minute, and only the month's last.
        assert_eq!(
            nanos("2016-12-31T23:59:60Z"),
            Some(1_483_228_800_000_000_000 - 1)
        );
        assert_eq!(
            nanos("2016-06-30T20:59:60.25-03:00"),
            Some(1_467_331_200_000_000_000 - 1)
        );
        assert_eq!(nanos("2016-12-30T23:59:60Z"), None);
        assert_eq!(nanos("2016-12-31T23:58:60Z"), None);
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for text in [
            "",
            "2027-01-15",
            "2027-01-15T00:00:00",
            "2027-01-15 00:00:00Z",
            "2027-01-15T00:00Z",
            "2027-13-01T00:00:00Z",
            "2027-00-01T00:00:00Z",
            "2027-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2027-04-31T00:00:00Z",
            "2027-01-15T24:00:00Z",
            "2027-01-15T00:60:00Z",
            "2027-01-15T00:00:61Z",
            "2027-01-15T00:00:00.Z",
            "2027-01-15T00:00:00+0900",
            "2027-01-15T00:00:00+24:00",
            "2027-01-15T00:00:00+09:60",
            "2027-01-15T00:00:00Z ",
            "+2027-01-15T00:00:00Z",
            "２027-01-15T00:00:00Z",
            "2027-01-15T00:00:00UTC",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    /// `time`'s RFC 3339 parser, as the oracle: the same instant, or both refuse. (`time`
    /// takes any byte between the date and the time; RFC 3339's grammar, and we, only `T`.)
    fn oracle(text: &str) -> Option<i128> {
        if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
            return None;
        }
        use time::format_description::well_known::Rfc3339;
        let parsed = time::OffsetDateTime::parse(text, &Rfc3339).ok()?;
        Some(parsed.unix_timestamp_nanos())
    }

    fn nanos(text: &str) -> Option<i128> {
        let instant = parse(text)?;
        Some(match instant.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        })
    }

    #[test]
    fn formats_known_instants() {
        let at = |seconds: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        assert_eq!(format(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(format(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(
            format(at(1_798_761_599) + Duration::from_millis(999)),
            "2026-12-31T23:59:59Z"
        );
        let before = SystemTime::UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(format(before), "1969-12-31T23:59:59Z");
    }

    proptest! {
        /// What `format` writes, `time` writes too (to the second), and `parse` reads back.
        #[test]
        fn format_agrees_with_time_and_parse(seconds in -62_135_596_800i64..253_402_300_800) {
            let instant = if seconds < 0 {
                SystemTime::UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
            } else {
                SystemTime::UNIX_EPOCH + Duration::from_secs(seconds as u64)
            };
            let written = format(instant);
            let expected = time::OffsetDateTime::from_unix_timestamp(seconds)
                .unwrap()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap();
            prop_assert_eq!(&written, &expected);
            prop_assert_eq!(parse(&written), Some(instant));
        }

        #[test]
        fn agrees_with_time_on_valid_timestamps(
            year in 0i64..=9999, month in 1i64..=12, day in 1i64..=31,
            hour in 0i64..=23, minute in 0i64..=59, second in 0i64..=59,
            fraction in proptest::option::of("[0-9]{1,12}"),
            offset in proptest::option::of((any::<bool>(), 0i64..=23, 0i64..=59)),
        ) {
            let fraction = fraction.map(|digits| format!(".{digits}")).unwrap_or_default();
            let offset = match offset {
                None => "Z".to_owned(),
                Some((east, hours, minutes)) => {
                    format!("{}{hours:02}:{minutes:02}", if east { '+' } else { '-' })
                }
            };
            let text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}"
            );
            prop_assert_eq!(nanos(&text), oracle(&text), "{}", text);
        }

        /// A valid timestamp with one byte changed (so mostly not one), or cut short.
        #[test]
        fn agrees_with_time_on_near_misses(
            seconds in -62_167_219_200i64..253_402_300_799,
            at in 0usize..30,
            byte in proptest::sample::select(b"0123456789T:Z.+-tz 6".to_vec()),
            cut in any::<bool>(),
        ) {
            let valid = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let valid = valid.format(&time::format_description::well_known::Rfc3339).unwrap();
            let mut text = valid.into_bytes();
            if cut {
                text.truncate(at);
            } else if let Some(place) = text.get_mut(at) {
                *place = byte;
            }
            let text = String::from_utf8(text).unwrap();
            prop_assert_eq!(nanos(&text), oracle(&text), "{}", text);
        }
    }
}
