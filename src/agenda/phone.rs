//! Phone numbers as the practice knows them: normalised to E.164 so that
//! "06 12 34 56 78", "+33 6 12 34 56 78" and "0033612345678" are one number,
//! and masked before they reach a log line (they are personal data).

use thiserror::Error;

/// A number that could not be read as a phone number.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("« {input} » n'est pas un numéro de téléphone valide: {why}")]
pub struct PhoneError {
    /// What was given.
    pub input: String,
    /// Why it was refused.
    pub why: &'static str,
}

/// Caller-id values that mean "no number" (withheld or unknown).
const WITHHELD: &[&str] = &["", "anonymous", "private", "unknown", "restricted", "0000000000", "_undef_"];

/// Normalise a phone number to E.164 (`+33612345678`).
///
/// French national numbers (10 digits starting with 0) become `+33…`; `00`
/// international prefixes become `+`. Short numbers (2 to 6 digits: internal
/// extensions, emergency numbers, dialled numbers such as `1000`) are kept as
/// they are, since a PBX routes them that way.
pub fn normalize(input: &str) -> Result<String, PhoneError> {
    let err = |why| PhoneError { input: input.to_string(), why };
    let trimmed = input.trim();
    let mut digits = String::with_capacity(trimmed.len());
    let mut plus = false;
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '.' | '-' | '(' | ')' | '/' => {}
            _ => return Err(err("caractère inattendu")),
        }
    }
    if digits.is_empty() {
        return Err(err("aucun chiffre"));
    }
    if plus {
        if !(8..=15).contains(&digits.len()) {
            return Err(err("un numéro international a de 8 à 15 chiffres"));
        }
        return Ok(format!("+{digits}"));
    }
    if let Some(rest) = digits.strip_prefix("00") {
        if !(8..=15).contains(&rest.len()) {
            return Err(err("un numéro international a de 8 à 15 chiffres"));
        }
        return Ok(format!("+{rest}"));
    }
    if digits.len() == 10 && digits.starts_with('0') {
        return Ok(format!("+33{}", &digits[1..]));
    }
    if (2..=6).contains(&digits.len()) && !digits.starts_with('0') {
        return Ok(digits);
    }
    Err(err("un numéro français a 10 chiffres et commence par 0"))
}

/// The caller's number from a caller-id, or `None` when it is withheld or
/// cannot be read (the receptionist then treats the caller as anonymous).
pub fn caller_number(caller_id: &str) -> Option<String> {
    let lowered = caller_id.trim().to_ascii_lowercase();
    if WITHHELD.contains(&lowered.as_str()) {
        return None;
    }
    normalize(caller_id).ok()
}

/// A number as it may appear in a log: the country/area prefix and the last
/// two digits, the rest hidden (`+336******78`).
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
}

/// The national form a French secretary reads out: `06 12 34 56 78`.
pub fn national(number: &str) -> String {
    if let Some(rest) = number.strip_prefix("+33") {
        let digits = format!("0{rest}");
        let pairs: Vec<String> = digits.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        return pairs.join(" ");
    }
    number.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_writings_of_one_number_are_one_number() {
        for n in ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78"] {
            assert_eq!(normalize(n).unwrap(), "+33612345678", "{n}");
        }
    }

    #[test]
    fn extensions_are_kept_and_garbage_refused() {
        assert_eq!(normalize("1000").unwrap(), "1000");
        assert_eq!(normalize("15").unwrap(), "15");
        assert!(normalize("06 12 34").is_err());
        assert!(normalize("abc").is_err());
        assert!(normalize("+33 6 12 34 56 78 99 99 99 9").is_err());
        assert!(normalize("").is_err());
    }

    #[test]
    fn withheld_numbers_are_none() {
        assert_eq!(caller_number("anonymous"), None);
        assert_eq!(caller_number(""), None);
        assert_eq!(caller_number("0611223344").as_deref(), Some("+33611223344"));
    }

    #[test]
    fn masking_hides_the_middle() {
        assert_eq!(mask("+33612345678"), "+336******78");
        assert_eq!(mask("1000"), "****");
        assert_eq!(national("+33612345678"), "06 12 34 56 78");
    }
}
