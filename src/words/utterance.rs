//! What the receptionist says, as data: the catalogue's keys with their
//! fills, and free words (a practice's own holiday message). The voice
//! renders it segment by segment (a fixed sentence a practice recorded is
//! played from its recording); the logs, the tests and the terminal read its
//! text. Nobody searches a finished text for the catalogue's sentences.

use super::catalogue::{Key, Lang, text};

/// A value put into a placeholder of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    /// Words (a name, a date as worded, a number).
    Words(String),
    /// A fixed sentence of the catalogue (the advice in the greeting, the
    /// goodbye after a booking): a practice's recording of it plays there.
    Sentence(Key),
    /// Words the voice renders in pieces, in order: the first goes on from
    /// the sentence's words before it, each next is a piece of its own (a
    /// slot's day, then its time). « 2 pour le lundi 7 décembre » is then
    /// rendered once for all that day's slots and « à 9 heures 20, » once
    /// for every day, where each slot's sentence was a rendering of its own.
    Apart(Vec<String>),
}

impl From<&str> for Fill {
    fn from(s: &str) -> Self {
        Fill::Words(s.to_string())
    }
}

impl From<String> for Fill {
    fn from(s: String) -> Self {
        Fill::Words(s)
    }
}

impl From<Key> for Fill {
    fn from(k: Key) -> Self {
        Fill::Sentence(k)
    }
}

/// The marks that end a clause: one right after words said apart ends
/// their last piece; the voice gives a joined piece without one a comma.
pub const CLAUSE_ENDS: [char; 6] = [',', '.', ';', ':', '?', '!'];

/// One part of an utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A fixed sentence of the catalogue.
    Sentence(Key),
    /// A sentence of the catalogue with its placeholders filled.
    Filled(Key, Vec<(&'static str, Fill)>),
    /// Free words.
    Words(String),
}

/// What the voice renders, in order: a fixed sentence (which a practice may
/// have recorded) or words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A fixed sentence, by key, with its text in the utterance's language.
    Sentence(Key, &'static str),
    /// Words to synthesize.
    Words(String),
    /// Words to synthesize whose last piece the next segment continues in
    /// the same clause (« Rendez-vous » before a day, a day before its
    /// time): the voice says it on with no pause after it.
    Joined(String),
}

impl Segment {
    /// The segment's text.
    pub fn text(&self) -> &str {
        match self {
            Segment::Sentence(_, t) => t,
            Segment::Words(w) | Segment::Joined(w) => w,
        }
    }
}

/// Something said, in one language: parts said one after the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// Its language.
    pub lang: Lang,
    /// Its parts.
    pub parts: Vec<Part>,
}

impl Utterance {
    /// Nothing yet.
    pub fn empty(lang: Lang) -> Self {
        Self { lang, parts: Vec::new() }
    }

    /// One fixed sentence.
    pub fn sentence(lang: Lang, key: Key) -> Self {
        Self { lang, parts: vec![Part::Sentence(key)] }
    }

    /// One sentence with its placeholders filled.
    pub fn filled(lang: Lang, key: Key, fills: Vec<(&'static str, Fill)>) -> Self {
        Self { lang, parts: vec![Part::Filled(key, fills)] }
    }

    /// Free words.
    pub fn words(lang: Lang, words: impl Into<String>) -> Self {
        Self { lang, parts: vec![Part::Words(words.into())] }
    }

    /// This, then `next`.
    pub fn then(mut self, next: Utterance) -> Self {
        self.parts.extend(next.parts);
        self
    }

    /// This, then a fixed sentence.
    pub fn then_sentence(mut self, key: Key) -> Self {
        self.parts.push(Part::Sentence(key));
        self
    }

    /// Whether nothing is said.
    pub fn is_empty(&self) -> bool {
        self.segments().is_empty()
    }

    /// What the voice renders: fixed sentences where they stand, and the
    /// words between them (a filled sentence's text up to and after a fill
    /// that is itself a fixed sentence).
    pub fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Sentence(key) => out.push(Segment::Sentence(*key, text(self.lang, *key))),
                Part::Words(w) => push_words(&mut out, w),
                Part::Filled(key, fills) => {
                    let mut words = String::new();
                    let mut rest = text(self.lang, *key);
                    while let Some(open) = rest.find('{') {
                        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
                        let name = &rest[open + 1..close];
                        words.push_str(&rest[..open]);
                        match fills.iter().find(|(n, _)| *n == name).map(|(_, f)| f) {
                            Some(Fill::Words(w)) => words.push_str(w),
                            Some(Fill::Sentence(k)) => {
                                push_words(&mut out, &std::mem::take(&mut words));
                                out.push(Segment::Sentence(*k, text(self.lang, *k)));
                            }
                            Some(Fill::Apart(pieces)) => {
                                let after = &rest[close + 1..];
                                // A comma or a full stop right after the fill
                                // ends its last piece, which then pauses as
                                // the text says.
                                let stop = after.chars().next().filter(|c| CLAUSE_ENDS.contains(c));
                                for (i, piece) in pieces.iter().enumerate() {
                                    if i > 0 {
                                        push_joined(&mut out, &std::mem::take(&mut words));
                                    }
                                    words.push_str(piece);
                                }
                                match stop {
                                    Some(c) => {
                                        words.push(c);
                                        push_words(&mut out, &std::mem::take(&mut words));
                                    }
                                    None => push_joined(&mut out, &std::mem::take(&mut words)),
                                }
                                rest = &after[stop.map_or(0, char::len_utf8)..];
                                continue;
                            }
                            None => words.push_str(&rest[open..=close]),
                        }
                        rest = &rest[close + 1..];
                    }
                    words.push_str(rest);
                    push_words(&mut out, &words);
                }
            }
        }
        out
    }

    /// The whole text, as said.
    pub fn text(&self) -> String {
        self.segments().iter().map(Segment::text).collect::<Vec<_>>().join(" ")
    }
}

fn push_words(out: &mut Vec<Segment>, words: &str) {
    push_segment(out, words, Segment::Words);
}

fn push_joined(out: &mut Vec<Segment>, words: &str) {
    push_segment(out, words, Segment::Joined);
}

/// `words`, trimmed, as a segment of that kind; nothing when there are none.
fn push_segment(out: &mut Vec<Segment>, words: &str, kind: fn(String) -> Segment) {
    let w = words.trim();
    if !w.is_empty() {
        out.push(kind(w.to_string()));
    }
}

impl std::fmt::Display for Utterance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_filled_with_a_fixed_sentence_keeps_it_as_a_segment() {
        let u = Utterance::filled(Lang::Fr, Key("greeting"), vec![("practice", "Cabinet X".into()), ("advice", Key("advice").into())]);
        assert_eq!(u.segments(), vec![Segment::Words("Cabinet X, bonjour.".into()), Segment::Sentence(Key("advice"), text(Lang::Fr, Key("advice")))]);
        assert_eq!(u.text(), format!("Cabinet X, bonjour. {}", text(Lang::Fr, Key("advice"))));
    }

    #[test]
    fn parts_are_said_one_after_the_other_and_empty_words_say_nothing() {
        let u = Utterance::words(Lang::En, "  ").then(Utterance::sentence(Lang::En, Key("goodbye"))).then(Utterance::words(Lang::En, "Bye."));
        assert_eq!(u.text(), "Goodbye. Bye.");
        assert_eq!(u.segments().len(), 2);
        assert!(Utterance::words(Lang::Fr, "").is_empty());
        assert!(Utterance::empty(Lang::Fr).is_empty());
    }

    #[test]
    fn words_apart_are_segments_of_their_own_joined_to_what_follows() {
        let when = || Fill::Apart(vec!["le lundi 7 décembre".into(), "à 9 heures 20".into()]);
        let u = Utterance::filled(Lang::Fr, Key("booking.confirm"), vec![("when", when()), ("doctor", "docteur martin".into())]);
        assert_eq!(
            u.segments(),
            vec![
                Segment::Joined("Rendez-vous le lundi 7 décembre".into()),
                Segment::Joined("à 9 heures 20".into()),
                Segment::Words("avec le docteur martin. Pour confirmer, tapez 1. Pour choisir un autre créneau, tapez 2.".into()),
            ]
        );
        assert_eq!(
            u.text(),
            "Rendez-vous le lundi 7 décembre à 9 heures 20 avec le docteur martin. Pour confirmer, tapez 1. Pour choisir un autre créneau, tapez 2."
        );
        // Punctuation right after the fill ends its last piece.
        let u = Utterance::filled(Lang::Fr, Key("slots.item"), vec![("n", "2".into()), ("when", when())]);
        assert_eq!(u.segments(), vec![Segment::Joined("2 pour le lundi 7 décembre".into()), Segment::Words("à 9 heures 20,".into())]);
        assert_eq!(u.text(), "2 pour le lundi 7 décembre à 9 heures 20,");
    }

    #[test]
    fn a_missing_fill_reads_as_its_placeholder() {
        let u = Utterance::filled(Lang::Fr, Key("slots.none"), vec![]);
        assert!(u.text().contains("{days}"), "{}", u.text());
    }
}
