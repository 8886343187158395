//! Dates, times and numbers worded as a French secretary says them:
//! « mardi 24 novembre à 10 heures 30 », « demain à midi », « zéro six, douze… ».

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const MONTHS: [&str; 12] = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/// « 10 heures 30 », « 9 heures », « midi », « midi 30 », « minuit ».
pub fn time(t: NaiveTime) -> String {
    let (h, m) = (t.hour(), t.minute());
    let hour = match h {
        0 => "minuit".to_string(),
        12 => "midi".to_string(),
        1 => "1 heure".to_string(),
        _ => format!("{h} heures"),
    };
    if m == 0 { hour } else { format!("{hour} {m:02}") }
}

/// « mardi 24 novembre », « lundi 1er décembre » (the year when it is not this one).
pub fn date(d: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    let day = DAYS[d.weekday().num_days_from_monday() as usize];
    let num = if d.day() == 1 { "1er".to_string() } else { d.day().to_string() };
    let month = MONTHS[d.month0() as usize];
    if d.year() != today.year() {
        format!("{day} {num} {month} {}", d.year())
    } else {
        format!("{day} {num} {month}")
    }
}

/// When an appointment is, relative to now: « aujourd'hui à 17 heures »,
/// « demain à 9 heures 20 », « le mardi 24 novembre à 10 heures 30 ».
pub fn when(at: DateTime<Utc>, tz: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&tz);
    let today = now.with_timezone(&tz).date_naive();
    let t = time(local.time());
    let d = local.date_naive();
    if d == today {
        format!("aujourd'hui à {t}")
    } else if Some(d) == today.succ_opt() {
        format!("demain à {t}")
    } else {
        format!("le {} à {t}", date(d, today))
    }
}

/// A phone number read in pairs: « 06 12 34 56 78 » becomes
/// « zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit ».
pub fn phone(number: &str) -> String {
    let national = crate::agenda::phone::national(number);
    national
        .split(' ')
        .map(|pair| match (pair.strip_prefix('0'), pair.parse::<u32>()) {
            (Some(rest), Ok(_)) if pair.len() == 2 => format!("zéro {}", number_words(rest.parse().unwrap_or(0))),
            (_, Ok(n)) => number_words(n),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A whole number from 0 to 999 in French words (« soixante-dix-huit »).
pub fn number_words(n: u32) -> String {
    const UNITS: [&str; 17] = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize"];
    const TENS: [&str; 7] = ["", "dix", "vingt", "trente", "quarante", "cinquante", "soixante"];
    match n {
        0..=16 => UNITS[n as usize].to_string(),
        17..=19 => format!("dix-{}", UNITS[(n - 10) as usize]),
        20..=69 => {
            let (t, u) = (n / 10, n % 10);
            match u {
                0 => TENS[t as usize].to_string(),
                1 => format!("{} et un", TENS[t as usize]),
                _ => format!("{}-{}", TENS[t as usize], UNITS[u as usize]),
            }
        }
        70..=79 => {
            if n == 71 {
                "soixante et onze".to_string()
            } else {
                format!("soixante-{}", number_words(n - 60))
            }
        }
        80 => "quatre-vingts".to_string(),
        81..=99 => format!("quatre-vingt-{}", number_words(n - 80)),
        100..=999 => {
            let (h, r) = (n / 100, n % 100);
            let head = if h == 1 { "cent".to_string() } else if r == 0 { format!("{} cents", UNITS[h as usize]) } else { format!("{} cent", UNITS[h as usize]) };
            if r == 0 { head } else { format!("{head} {}", number_words(r)) }
        }
        _ => n.to_string(),
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
        let t = |h, m| time(NaiveTime::from_hms_opt(h, m, 0).unwrap());
        assert_eq!(t(10, 30), "10 heures 30");
        assert_eq!(t(9, 0), "9 heures");
        assert_eq!(t(12, 0), "midi");
        assert_eq!(t(12, 30), "midi 30");
        assert_eq!(t(9, 5), "9 heures 05");
        assert_eq!(t(1, 0), "1 heure");
    }

    #[test]
    fn dates_relative_to_today() {
        let now = at(23, 8, 0); // Monday 23 November 2026
        assert_eq!(when(at(24, 10, 30), Paris, now), "demain à 10 heures 30");
        assert_eq!(when(at(23, 17, 0), Paris, now), "aujourd'hui à 17 heures");
        assert_eq!(when(at(26, 12, 0), Paris, now), "le jeudi 26 novembre à midi");
        let dec1 = Paris.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(when(dec1, Paris, now), "le mardi 1er décembre à 9 heures");
        let jan = Paris.with_ymd_and_hms(2027, 1, 4, 9, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(when(jan, Paris, now), "le lundi 4 janvier 2027 à 9 heures");
    }

    #[test]
    fn numbers_and_phone_numbers() {
        assert_eq!(number_words(78), "soixante-dix-huit");
        assert_eq!(number_words(71), "soixante et onze");
        assert_eq!(number_words(80), "quatre-vingts");
        assert_eq!(number_words(91), "quatre-vingt-onze");
        assert_eq!(number_words(21), "vingt et un");
        assert_eq!(number_words(17), "dix-sept");
        assert_eq!(phone("+33612345678"), "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit");
        assert_eq!(phone("+33102030405"), "zéro un, zéro deux, zéro trois, zéro quatre, zéro cinq");
    }
}
