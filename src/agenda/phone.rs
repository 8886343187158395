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

/// A phone number as every log line shows it: [`mask`]ed. The one masking
/// type: a log field that holds a number is `Masked(&number)`.
#[derive(Debug, Clone, Copy)]
pub struct Masked<'a>(pub &'a str);

impl std::fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&mask(self.0))
    }
}

/// Digits that make a phone number: nine or more, maybe grouped by spaces
/// or dots (`06 12 34 56 78`), maybe after `+` or its URL-encoded `%2B`.
const NUMBER_DIGITS: usize = 9;

/// Length of a UUID's text (8-4-4-4-12 hexadecimal digits).
const UUID_LEN: usize = 36;

/// Whether `b` starts with a UUID's text, not followed by a letter or digit.
fn is_uuid(b: &[u8]) -> bool {
    b.len() >= UUID_LEN
        && b[..UUID_LEN].iter().enumerate().all(|(k, c)| if matches!(k, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
        && !b.get(UUID_LEN).is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Every phone number inside a text masked (a log line, an error, a dial
/// string, an Event Socket frame): each run of nine or more digits keeps
/// its first three and last two digits. Dates and times (their groups are
/// shorter, or joined by `-` and `:`) and short codes are left as they are.
pub fn mask_digits(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        // A call's UUID names it in every line: its last group may hold
        // nine digits in a row, and is no phone number.
        if (i == 0 || !b[i - 1].is_ascii_alphanumeric()) && is_uuid(&b[i..]) {
            i += UUID_LEN;
            continue;
        }
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A run: digits, with single spaces or dots between groups of at
        // most three digits (`06 12 34 56 78`, `+33 6 12 34 56 78`); a
        // longer group is a run of its own (`1000 15 3646` is three).
        let start = i;
        let mut end = i;
        let mut digits = Vec::new();
        let mut group = 0;
        let mut j = i;
        while j < b.len() {
            if b[j].is_ascii_digit() {
                digits.push(j);
                group += 1;
                end = j + 1;
                j += 1;
            } else if (b[j] == b' ' || b[j] == b'.') && j + 1 < b.len() && b[j + 1].is_ascii_digit() && group <= 3 {
                let next = b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if next > 3 {
                    break;
                }
                group = 0;
                j += 1;
            } else {
                break;
            }
        }
        if digits.len() >= NUMBER_DIGITS {
            let o = out.get_or_insert_with(|| b.to_vec());
            for &d in &digits[3..digits.len() - 2] {
                o[d] = b'*';
            }
        }
        i = end.max(start + 1);
    }
    match out {
        Some(o) => std::borrow::Cow::Owned(String::from_utf8(o).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
        None => std::borrow::Cow::Borrowed(text),
    }
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

/// Why a number is not called back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CallbackBlock {
    /// Not a number any numbering plan knows (or withheld).
    #[error("numéro invalide")]
    Invalid,
    /// A short code: emergency (15, 17, 18, 112, 114, 115), 116 xxx, 3xxx…
    #[error("numéro court ou spécial")]
    ShortCode,
    /// A French number that is not geographic, mobile or VoIP (01–07, 09):
    /// premium rate, shared cost, toll-free, special services (08…).
    #[error("numéro surtaxé ou spécial ({0})")]
    Special(&'static str),
    /// A number of another country the practice has not opted in to.
    #[error("numéro étranger (+{0}) non autorisé par le cabinet")]
    Foreign(u16),
}

/// Whether the practice may call this number back: by default only French
/// geographic, mobile and VoIP numbers (01–07, 09); another country only when
/// the practice lists its calling code in `countries`. A call-back's number is
/// the caller ID, which anyone can set: this is what keeps the practice's
/// lines from being billed for premium or international calls. The
/// numbering plans are libphonenumber's (the `phonenumber` crate), not
/// hand-written prefixes.
pub fn callback_check(e164: &str, countries: &[u16]) -> Result<(), CallbackBlock> {
    use phonenumber::Type;
    let Some(digits) = e164.strip_prefix('+') else {
        // Not international: an extension or a short code (2 to 6 digits).
        return Err(if e164.chars().all(|c| c.is_ascii_digit()) && !e164.is_empty() { CallbackBlock::ShortCode } else { CallbackBlock::Invalid });
    };
    if digits.len() < 8 {
        return Err(CallbackBlock::ShortCode);
    }
    let number = phonenumber::parse(None, e164).map_err(|_| CallbackBlock::Invalid)?;
    let code = number.code().value();
    if code != 33 && !countries.contains(&code) {
        return Err(CallbackBlock::Foreign(code));
    }
    if !phonenumber::is_valid(&number) {
        return Err(CallbackBlock::Invalid);
    }
    match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::FixedLine | Type::Mobile | Type::FixedLineOrMobile | Type::Voip => Ok(()),
        // Another country the practice opted in to: any ordinary line.
        Type::PersonalNumber if code != 33 => Ok(()),
        Type::PremiumRate => Err(CallbackBlock::Special("surtaxé")),
        Type::SharedCost => Err(CallbackBlock::Special("coût partagé")),
        Type::TollFree => Err(CallbackBlock::Special("numéro vert")),
        Type::Emergency | Type::ShortCode => Err(CallbackBlock::ShortCode),
        _ => Err(CallbackBlock::Special("service")),
    }
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
    fn only_ordinary_french_lines_are_called_back_by_default() {
        for ok in ["+33612345678", "+33756123456", "+33144556677", "+33472112233", "+33512345678", "+33970112233"] {
            assert_eq!(callback_check(ok, &[]), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("+33899123456", CallbackBlock::Special("surtaxé")),
            ("15", CallbackBlock::ShortCode),
            ("17", CallbackBlock::ShortCode),
            ("112", CallbackBlock::ShortCode),
            ("116117", CallbackBlock::ShortCode),
            ("3646", CallbackBlock::ShortCode),
            ("+88213123456", CallbackBlock::Foreign(882)),
            ("+41446681800", CallbackBlock::Foreign(41)),
        ] {
            assert_eq!(callback_check(bad, &[]), Err(why), "{bad}");
        }
        assert!(matches!(callback_check("+33800123456", &[]), Err(CallbackBlock::Special(_))), "toll-free 08 is not called back");
        assert!(matches!(callback_check("+33820123456", &[]), Err(CallbackBlock::Special(_))));
        assert_eq!(callback_check("+33012345678", &[]), Err(CallbackBlock::Invalid));
        // A practice near the border opts in to Switzerland.
        assert_eq!(callback_check("+41446681800", &[41]), Ok(()));
    }

    #[test]
    fn numbers_inside_any_text_are_masked() {
        assert_eq!(mask_digits("caller=+33611223344 to=1000"), "caller=+336******44 to=1000");
        assert_eq!(mask_digits("Caller-Caller-ID-Number: %2B33611223344\n"), "Caller-Caller-ID-Number: %2B336******44\n");
        assert_eq!(mask_digits("sofia/gateway/operator/0611223344"), "sofia/gateway/operator/061*****44");
        assert_eq!(mask_digits("« 06 11 22 33 44 » n'est pas"), "« 06 1* ** ** 44 » n'est pas");
        let kept = "2026-12-01T21:32:50.631416Z uuid=576e060a-338a-4b12-9459-77d41de52446 did=1000 15 3646";
        assert_eq!(mask_digits(kept), kept);
        // A UUID whose last group is nine or twelve digits in a row is kept
        // whole (the call's lines are found by it); a number beside it is not.
        let call = r#""uuid":"02d45922-692b-46b9-8c32-644123456ed4","caller":"0611223344""#;
        assert_eq!(mask_digits(call), r#""uuid":"02d45922-692b-46b9-8c32-644123456ed4","caller":"061*****44""#);
        let digits = "channel 6a0f1f11-47b5-478b-bb92-123456789012 0611223344";
        assert_eq!(mask_digits(digits), "channel 6a0f1f11-47b5-478b-bb92-123456789012 061*****44");
        // Not a UUID (a digit too many in the last group): the run is masked.
        assert_eq!(mask_digits("x-6a0f1f11-47b5-478b-bb92-1234567890123"), "x-6a0f1f11-47b5-478b-bb92-123********23");
        assert_eq!(Masked("+33612345678").to_string(), "+336******78");
    }

    #[test]
    fn masking_hides_the_middle() {
        assert_eq!(mask("+33612345678"), "+336******78");
        assert_eq!(mask("1000"), "****");
        assert_eq!(national("+33612345678"), "06 12 34 56 78");
    }
}
