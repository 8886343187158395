//! What a caller's words mean, for the receptionist: the menu choice a short
//! spoken answer names ("je voudrais annuler mon rendez-vous" → cancel), and
//! the words in a message that suggest an emergency (flag it for the doctor
//! and the secretaries). Plain text in, no engine: the transcripts come from
//! speech recognition, the decisions stay here and are tested on text.

/// A choice of the main menu, as a key would make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuChoice {
    /// 1
    Book,
    /// 2
    CancelOrMove,
    /// 3
    Message,
    /// 4
    Hours,
    /// 9
    Urgent,
    /// 0
    Secretaries,
}

impl MenuChoice {
    /// The key that makes this choice.
    pub fn key(self) -> char {
        match self {
            MenuChoice::Book => '1',
            MenuChoice::CancelOrMove => '2',
            MenuChoice::Message => '3',
            MenuChoice::Hours => '4',
            MenuChoice::Urgent => '9',
            MenuChoice::Secretaries => '0',
        }
    }
}

/// Lowercase, accents off, punctuation to spaces, single spaces.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'œ' => 'o',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `words` (normalized) holds `phrase` as whole words.
fn has(words: &str, phrase: &str) -> bool {
    let padded = format!(" {words} ");
    padded.contains(&format!(" {phrase} "))
}

/// Whether `words` holds a word starting with `stem` ("paralys" → "paralysé").
fn has_stem(words: &str, stem: &str) -> bool {
    words.split(' ').any(|w| w.starts_with(stem))
}

/// The menu choice a short answer names, or `None` when nothing clear is
/// said (the caller then gets the key menu). When several are named, the one
/// that matters most wins: an emergency, then a cancellation (which names the
/// appointment too), then the others.
pub fn menu_choice(text: &str) -> Option<MenuChoice> {
    let w = normalize(text);
    if w.is_empty() {
        return None;
    }
    const ORDER: [(MenuChoice, &[&str]); 6] = [
        (MenuChoice::Urgent, &["urgence", "urgent", "urgente", "emergency"]),
        (MenuChoice::CancelOrMove, &["annuler", "annulation", "deplacer", "decaler", "reporter", "changer mon rendez vous", "modifier", "cancel"]),
        (MenuChoice::Message, &["message", "laisser un message", "messagerie"]),
        (MenuChoice::Hours, &["horaire", "horaires", "heures d ouverture", "ouvert", "ouverture", "adresse", "hours"]),
        (MenuChoice::Secretaries, &["secretariat", "secretaire", "quelqu un", "une personne", "un humain", "operateur"]),
        (MenuChoice::Book, &["rendez vous", "rdv", "prendre rendez vous", "consultation", "appointment"]),
    ];
    ORDER.iter().find(|(_, words)| words.iter().any(|p| has(&w, p))).map(|(c, _)| *c)
}

/// Phrases of a message that suggest an emergency (normalized), if any.
pub fn urgency_signs(text: &str) -> Vec<&'static str> {
    let w = normalize(text);
    const PHRASES: [&str; 21] = [
        "urgence",
        "emergency",
        "urgent",
        "douleur dans la poitrine",
        "douleur a la poitrine",
        "mal a la poitrine",
        "douleur thoracique",
        "ne respire plus",
        "respire mal",
        "n arrive pas a respirer",
        "etouffe",
        "saigne",
        "saignement",
        "hemorragie",
        "inconscient",
        "inconsciente",
        "evanoui",
        "ne repond plus",
        "convulsion",
        "crise cardiaque",
        "avc",
    ];
    const STEMS: [&str; 3] = ["paralys", "suicid", "convuls"];
    let mut out: Vec<&'static str> = PHRASES.iter().copied().filter(|p| has(&w, p)).collect();
    out.extend(STEMS.iter().copied().filter(|s| has_stem(&w, s)));
    out
}

/// Whether a message should be flagged urgent.
pub fn is_urgent(text: &str) -> bool {
    !urgency_signs(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoken_answers_name_menu_choices() {
        assert_eq!(menu_choice("Je voudrais prendre un rendez-vous"), Some(MenuChoice::Book));
        assert_eq!(menu_choice("annuler mon rendez-vous s'il vous plaît"), Some(MenuChoice::CancelOrMove));
        assert_eq!(menu_choice("Déplacer le RDV de jeudi"), Some(MenuChoice::CancelOrMove));
        assert_eq!(menu_choice("laisser un message au docteur"), Some(MenuChoice::Message));
        assert_eq!(menu_choice("Quels sont vos horaires ?"), Some(MenuChoice::Hours));
        assert_eq!(menu_choice("C'est urgent, pour un rendez-vous"), Some(MenuChoice::Urgent));
        assert_eq!(menu_choice("je veux parler au secrétariat"), Some(MenuChoice::Secretaries));
        assert_eq!(menu_choice("bonjour"), None);
        assert_eq!(menu_choice(""), None);
        assert_eq!(menu_choice("Non."), None, "a yes or no is no menu choice");
        assert_eq!(MenuChoice::CancelOrMove.key(), '2');
    }

    #[test]
    fn words_of_an_emergency_flag_a_message() {
        assert!(is_urgent("Mon mari a une douleur dans la poitrine depuis ce matin"));
        assert!(is_urgent("ma mère ne respire plus bien, rappelez-moi"));
        assert!(is_urgent("il SAIGNE beaucoup"));
        assert!(is_urgent("elle est inconsciente"));
        assert!(is_urgent("il a le bras paralysé"));
        assert_eq!(urgency_signs("Urgence: douleur thoracique"), vec!["urgence", "douleur thoracique"]);
        assert!(!is_urgent("Bonjour, je voudrais renouveler mon ordonnance"));
        assert!(!is_urgent("je respire mieux, merci"), "whole words only");
        assert!(!is_urgent("Paris"), "no false stem");
    }
}
