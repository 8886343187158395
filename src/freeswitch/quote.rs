//! What the service writes into FreeSWITCH's commands, made harmless where it
//! is used. FreeSWITCH expands `${…}` in an application's argument (and
//! `${system(…)}` runs a shell command on the switch's host), splits dial
//! strings and variable blocks on `,`, `|`, `{ }`, `[ ]`, and quotes with
//! `'`. The store refuses these characters in names and dial strings when
//! they are written (`agenda::text`); here every text that goes into a
//! command is stripped of them again (rows written before that rule, texts
//! the service composes), every dial string is checked, every extension
//! matched against `^[A-Za-z0-9_+-]+$`.

use crate::agenda::text;

/// A text as a channel variable's value or a caller-ID name: one line, no
/// control character, none of `$ { } [ ] ' , |`, at most 200 characters.
pub fn variable_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if out.chars().count() >= 200 {
            break;
        }
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            '$' | '{' | '}' | '[' | ']' | '\'' | ',' | '|' => {}
            c => out.push(c),
        }
    }
    out
}

/// A header value in a `sendmsg` (a file path, a hang-up cause): no line
/// break, which would end the header and start another.
pub fn header_value(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// A dial string the service may dial (`technology/route`, nothing else:
/// see `agenda::text::is_dial`), or `None`.
pub fn dial(value: &str) -> Option<&str> {
    let value = value.trim();
    text::is_dial(value).then_some(value)
}

/// A dialplan extension or context (`^[A-Za-z0-9_+-]+$`), or `None`.
pub fn extension(value: &str) -> Option<&str> {
    text::is_extension(value).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_value_holds_no_switch_syntax() {
        assert_eq!(variable_value("Cabinet ${system(touch pwned)}"), "Cabinet system(touch pwned)");
        assert_eq!(variable_value("a$${b}c"), "abc");
        assert_eq!(variable_value("x\ny\rz"), "x y z");
        assert_eq!(variable_value("{origination_caller_id_name=x,y}[z]'q'|r"), "origination_caller_id_name=xyzqr");
        assert_eq!(variable_value("Cabinet médical des Tilleuls"), "Cabinet médical des Tilleuls");
        assert_eq!(variable_value(&"é".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn dial_strings_and_extensions_are_checked() {
        assert_eq!(dial(" user/1101 "), Some("user/1101"));
        assert_eq!(dial("{x=1}user/1101"), None);
        assert_eq!(dial("user/${system(id)}"), None);
        assert_eq!(extension("secretariat"), Some("secretariat"));
        assert_eq!(extension("secretariat XML public"), None);
        assert_eq!(header_value("a\nb"), "ab");
    }
}
