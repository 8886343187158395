//! Dates and times as a secretary says them, from the catalogue's words:
//! « le mardi 24 novembre à 10 heures 30 », « demain à midi »;
//! "on Tuesday 24 November at 10:30", "tomorrow at noon".

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::catalogue::{Key, Lang, fill, fill_text, text};

/// The name of a weekday (0 = Monday).
pub fn weekday(lang: Lang, from_monday: u32) -> &'static str {
    const KEYS: [&str; 7] = ["day.0", "day.1", "day.2", "day.3", "day.4", "day.5", "day.6"];
    text(lang, Key(KEYS[from_monday as usize % 7]))
}

/// The name of a month (0 = January).
pub fn month(lang: Lang, month0: u32) -> &'static str {
    const KEYS: [&str; 12] =
        ["month.0", "month.1", "month.2", "month.3", "month.4", "month.5", "month.6", "month.7", "month.8", "month.9", "month.10", "month.11"];
    text(lang, Key(KEYS[month0 as usize % 12]))
}

/// « 10 heures 30 », « 9 heures », « midi », « midi 30 »; "10:30", "noon".
pub fn time(lang: Lang, t: NaiveTime) -> String {
    let (h, m) = (t.hour(), t.minute());
    let mm = format!("{m:02}");
    let hs = h.to_string();
    let (plain, with_minutes) = match h {
        0 => ("time.midnight", "time.midnight_m"),
        12 => ("time.noon", "time.noon_m"),
        1 => ("time.one", "time.one_m"),
        _ => ("time.h", "time.hm"),
    };
    if m == 0 { fill(lang, Key(plain), &[("h", &hs)]) } else { fill(lang, Key(with_minutes), &[("h", &hs), ("mm", &mm)]) }
}

/// « mardi 24 novembre », « lundi 1er décembre », with the year when it is not this one.
pub fn date(lang: Lang, d: NaiveDate, today: NaiveDate) -> String {
    let day = if d.day() == 1 { text(lang, Key("date.first")).to_string() } else { d.day().to_string() };
    let year = d.year().to_string();
    let key = if d.year() == today.year() { "date.this_year" } else { "date.other_year" };
    fill(lang, Key(key), &[("weekday", weekday(lang, d.weekday().num_days_from_monday())), ("day", &day), ("month", month(lang, d.month0())), ("year", &year)])
}

/// When an appointment is, relative to now.
pub fn when(lang: Lang, at: DateTime<Utc>, tz: Tz, now: DateTime<Utc>) -> String {
    when_apart(lang, at, tz, now).join(" ")
}

/// The same words in two parts, the day and the time (« le lundi 7
/// décembre », « à 9 heures 20 »), which the voice renders apart: each is
/// then rendered once for every slot it names, not once per slot and
/// sentence. The cut is the catalogue's own: before the word ahead of
/// `{time}`.
pub fn when_apart(lang: Lang, at: DateTime<Utc>, tz: Tz, now: DateTime<Utc>) -> Vec<String> {
    let local = at.with_timezone(&tz);
    let today = now.with_timezone(&tz).date_naive();
    let t = time(lang, local.time());
    let d = local.date_naive();
    let (key, date) = if d == today {
        ("when.today", String::new())
    } else if Some(d) == today.succ_opt() {
        ("when.tomorrow", String::new())
    } else {
        ("when.date", date(lang, d, today))
    };
    let template = text(lang, Key(key));
    let args = [("time", t.as_str()), ("date", date.as_str())];
    let cut = template.find("{time}").and_then(|at| template[..at].trim_end().rfind(' '));
    match cut {
        Some(cut) => vec![fill_text(&template[..cut], &args), fill_text(&template[cut + 1..], &args)],
        None => vec![fill_text(template, &args)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Paris.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn times_are_said_the_french_way() {
        let t = |h, m| time(Lang::Fr, NaiveTime::from_hms_opt(h, m, 0).unwrap());
        assert_eq!(t(10, 30), "10 heures 30");
        assert_eq!(t(9, 0), "9 heures");
        assert_eq!(t(12, 0), "midi");
        assert_eq!(t(12, 30), "midi 30");
        assert_eq!(t(9, 5), "9 heures 05");
        assert_eq!(t(1, 0), "1 heure");
        assert_eq!(t(1, 15), "1 heure 15");
        assert_eq!(t(0, 0), "minuit");
    }

    #[test]
    fn dates_relative_to_today() {
        let now = at(23, 8, 0); // Monday 23 November 2026
        assert_eq!(when(Lang::Fr, at(24, 10, 30), Paris, now), "demain à 10 heures 30");
        assert_eq!(when(Lang::Fr, at(23, 17, 0), Paris, now), "aujourd'hui à 17 heures");
        assert_eq!(when(Lang::Fr, at(26, 12, 0), Paris, now), "le jeudi 26 novembre à midi");
        let dec1 = Paris.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(when(Lang::Fr, dec1, Paris, now), "le mardi 1er décembre à 9 heures");
        let jan = Paris.with_ymd_and_hms(2027, 1, 4, 9, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(when(Lang::Fr, jan, Paris, now), "le lundi 4 janvier 2027 à 9 heures");
    }

    #[test]
    fn english_is_the_same_code_with_other_words() {
        let now = at(23, 8, 0);
        assert_eq!(when(Lang::En, at(24, 10, 30), Paris, now), "tomorrow at 10:30");
        assert_eq!(when(Lang::En, at(26, 12, 0), Paris, now), "on Thursday 26 November at noon");
        assert_eq!(when(Lang::En, at(23, 9, 0), Paris, now), "today at 9 o'clock");
    }

    #[test]
    fn the_day_and_the_time_come_apart_where_the_catalogue_puts_the_time() {
        let now = at(23, 8, 0);
        assert_eq!(when_apart(Lang::Fr, at(26, 12, 0), Paris, now), ["le jeudi 26 novembre", "à midi"]);
        assert_eq!(when_apart(Lang::Fr, at(24, 10, 30), Paris, now), ["demain", "à 10 heures 30"]);
        assert_eq!(when_apart(Lang::Fr, at(23, 17, 0), Paris, now), ["aujourd'hui", "à 17 heures"]);
        assert_eq!(when_apart(Lang::En, at(26, 9, 20), Paris, now), ["on Thursday 26 November", "at 9:20"]);
    }
}
