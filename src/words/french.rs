//! Numbers and phone numbers worded as a French secretary says them:
//! « soixante-dix-huit », « zéro six, douze, trente-quatre… ». Dates and
//! times are worded from the catalogue (see `wording`).

/// A phone number in its national form, read in pairs: « 06 12 34 56 78 »
/// becomes « zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit »
/// (`agenda::phone::national` gives that form).
pub fn phone(national: &str) -> String {
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
    const UNITS: [&str; 17] =
        ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize"];
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
            let head = if h == 1 {
                "cent".to_string()
            } else if r == 0 {
                format!("{} cents", UNITS[h as usize])
            } else {
                format!("{} cent", UNITS[h as usize])
            };
            if r == 0 { head } else { format!("{head} {}", number_words(r)) }
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_phone_numbers() {
        assert_eq!(number_words(78), "soixante-dix-huit");
        assert_eq!(number_words(71), "soixante et onze");
        assert_eq!(number_words(80), "quatre-vingts");
        assert_eq!(number_words(91), "quatre-vingt-onze");
        assert_eq!(number_words(21), "vingt et un");
        assert_eq!(number_words(17), "dix-sept");
        assert_eq!(phone("06 12 34 56 78"), "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit");
        assert_eq!(phone("01 02 03 04 05"), "zéro un, zéro deux, zéro trois, zéro quatre, zéro cinq");
    }
}
