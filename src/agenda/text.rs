//! What a name, a label, an extension or a dial string may hold before it is
//! stored. Some of these reach FreeSWITCH (a practice's name is a channel
//! variable and the caller-ID name of a secretary's phone; a dial string is
//! dialled; an extension is transferred to), and FreeSWITCH expands `${…}`
//! (`${system(…)}` runs a shell command on its host) and gives `{ } [ ] ' ,`
//! a meaning in application arguments and dial strings. So they are refused
//! here, where they are written (command line, import, web pages all write
//! through the store), and `freeswitch/` quotes or strips them again where
//! they are used, for rows written before this rule.

use super::RuleError;

/// Characters refused in a name or a label: FreeSWITCH's variable and
/// dial-string syntax. (`$` alone is harmless once `{` cannot follow it.)
pub const SWITCH_SYNTAX: [char; 6] = ['{', '}', '[', ']', '\'', ','];

/// Longest name or label, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// A name or a label that may reach the switch: not empty, not over
/// [`MAX_NAME_CHARS`], no control character, none of [`SWITCH_SYNTAX`].
pub fn check_name(field: &str, value: &str) -> Result<(), RuleError> {
    if value.trim().is_empty() {
        return Err(RuleError::new(field, "vide"));
    }
    check_label(field, value)
}

/// Like [`check_name`], but may be empty (a caller rule's label).
pub fn check_label(field: &str, value: &str) -> Result<(), RuleError> {
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(RuleError::new(field, format!("plus de {MAX_NAME_CHARS} caractères")));
    }
    if value.chars().any(char::is_control) {
        return Err(RuleError::new(field, "caractère de contrôle (saut de ligne, tabulation…) refusé"));
    }
    if let Some(c) = value.chars().find(|c| SWITCH_SYNTAX.contains(c)) {
        return Err(RuleError::new(field, format!("le caractère « {c} » est refusé (les caractères {{ }} [ ] ' , ont un sens pour le standard téléphonique)")));
    }
    Ok(())
}

/// A free text that is spoken or shown but never sent to the switch (the
/// instructions, a holiday message, an absence's reason): no control
/// character but line breaks, at most `max` characters.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), RuleError> {
    if value.chars().count() > max {
        return Err(RuleError::new(field, format!("plus de {max} caractères")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(RuleError::new(field, "caractère de contrôle refusé"));
    }
    Ok(())
}

/// `true` for a dialplan extension or context name: `^[A-Za-z0-9_+-]+$`.
pub fn is_extension(value: &str) -> bool {
    !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
}

/// A dialplan extension (the secretaries' extension, a context).
pub fn check_extension(field: &str, value: &str) -> Result<(), RuleError> {
    if is_extension(value) {
        Ok(())
    } else {
        Err(RuleError::new(field, format!("« {value} » n'est pas une extension (lettres, chiffres, _ + - seulement; ex. secretariat)")))
    }
}

/// Why a dial string is refused.
pub fn dial_problem(value: &str) -> Option<&'static str> {
    let Some((tech, route)) = value.split_once('/') else { return Some("il faut « technologie/destination », ex. user/1101") };
    if tech.is_empty() || !tech.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Some("technologie illisible (ex. user, sofia, loopback)");
    }
    if route.is_empty() || route.len() > 200 {
        return Some("destination vide ou trop longue");
    }
    // The route of an endpoint: gateways, users, hosts, ports, numbers.
    // Nothing of the switch's syntax: no variables, no lists, no quotes.
    if !route.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'@' | b'.' | b':' | b'_' | b'+' | b'-' | b'#' | b'*')) {
        return Some("caractère refusé dans la destination (lettres, chiffres et / @ . : _ + - # * seulement)");
    }
    None
}

/// `true` for a dial string the service may dial: `technology/route`, the
/// technology in lower case, the route of letters, digits and `/ @ . : _ +
/// - # *` — no `{…}` variables, no `${…}`, no `,` or `|` lists, no quotes.
pub fn is_dial(value: &str) -> bool {
    dial_problem(value).is_none()
}

/// A dial string (a doctor's phone, a secretary's phone, the practice's phone).
pub fn check_dial(field: &str, value: &str) -> Result<(), RuleError> {
    match dial_problem(value) {
        None => Ok(()),
        Some(why) => Err(RuleError::new(field, format!("« {value} »: {why}"))),
    }
}

/// A mail address: `local@domain.tld`, printable ASCII, no spaces, at
/// most 254 characters (the mailer parses it again with the SMTP crate).
pub fn check_email(field: &str, value: &str) -> Result<(), RuleError> {
    let bad = || RuleError::new(field, format!("« {value} » n'est pas une adresse électronique (ex. cabinet@exemple.fr)"));
    let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
    let printable =
        |s: &str| s.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'(' | b')' | b',' | b';' | b':' | b'"' | b'[' | b']' | b'\\'));
    if value.len() > 254
        || local.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || !printable(local)
        || !printable(domain)
        || domain.contains('@')
    {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_addresses_are_checked() {
        assert!(check_email("email", "cabinet@exemple.fr").is_ok());
        for bad in ["cabinet", "a@b", "@x.fr", "a b@x.fr", "a@x.fr\r\nBcc: z@y.fr", "<a@x.fr>", "a@.fr"] {
            assert!(check_email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_with_the_switch_syntax_are_refused() {
        for bad in ["Cabinet ${system(touch pwned)}", "Cabinet $${x}", "A{b", "A}b", "A[b]", "L'Étoile", "Dupont, Martin", "A\nB", "A\u{0}", "   "] {
            assert!(check_name("name", bad).is_err(), "{bad:?} refused");
        }
        for good in ["Cabinet médical des Tilleuls", "Docteur Le Goff", "Maison de santé du Port", "Dr Müller-Schmidt", "SOS Médecins 24h/24", "Cabinet $5"]
        {
            assert!(check_name("name", good).is_ok(), "{good:?} accepted");
        }
        assert!(check_label("label", "").is_ok());
        assert!(check_name("name", &"a".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn extensions_are_letters_digits_and_a_few_signs() {
        for good in ["secretariat", "1000", "sec_2", "+33144", "a-b"] {
            assert!(is_extension(good), "{good}");
        }
        for bad in ["", "secretariat XML public", "x;y", "${x}", "a/b", "é"] {
            assert!(!is_extension(bad), "{bad:?}");
        }
    }

    #[test]
    fn dial_strings_are_an_endpoint_and_a_route_only() {
        for good in ["user/1101", "user/1101@127.0.0.1", "sofia/gateway/partner/0144556677", "sofia/internal/secretary@127.0.0.1:5072", "loopback/2002/public"]
        {
            assert!(is_dial(good), "{good}");
        }
        for bad in [
            "user",
            "{origination_caller_id_name=x}user/1101",
            "user/1101,user/1102",
            "user/1101|user/1102",
            "sofia/gateway/x/${system(id)}",
            "user/'1101'",
            "user/1101 &park()",
            "USER/1101",
            "/1101",
            "user/",
        ] {
            assert!(!is_dial(bad), "{bad:?}");
        }
    }
}
