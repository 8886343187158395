//! What the receptionist says: keys of the catalogue and the utterances
//! built from the practice's facts, in the call's language. Nothing medical
//! is ever said.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::catalogue::{Key, Lang, fill, text};
use super::utterance::{Fill, Utterance};
use super::wording;

/// One range of a weekly timetable as the words need it: the day, its start
/// and its end, local times (the agenda's timetables are read into these).
pub type DayHours = (Weekday, NaiveTime, NaiveTime);

/// The advice said at the start of every call, which no key can skip.
pub const EMERGENCY_ADVICE: Key = Key("advice");
/// The main menu.
pub const MAIN_MENU: Key = Key("menu.main");
/// The menu again, shorter, after a silence: one key, or a human.
pub const MENU_SILENT: Key = Key("menu.silent");
/// Once a task is done: another, or silence and goodbye.
pub const ANYTHING_ELSE: Key = Key("anything_else");
/// Said before the menu to callers the doctor allows.
pub const ALLOWED_PRE_MENU: Key = Key("menu.allowed");
/// An invalid key.
pub const INVALID_KEY: Key = Key("key.invalid");
/// No key at all.
pub const NO_KEY: Key = Key("key.none");
/// Handing over to the secretaries.
pub const TO_SECRETARIES: Key = Key("to_secretaries");
/// The queue gave the call back: nobody logged in.
pub const QUEUE_NOBODY: Key = Key("queue.nobody");
/// The queue gave the call back: waited too long.
pub const QUEUE_TOO_LONG: Key = Key("queue.too_long");
/// Message (1) or call back (2).
pub const QUEUE_OFFER: Key = Key("queue.offer");
/// Message (1) only: the number is withheld.
pub const QUEUE_OFFER_MESSAGE: Key = Key("queue.offer_message");
/// The call back is recorded.
pub const CALLBACK_SAVED: Key = Key("callback.saved");
/// The date of birth, before appointments are read out.
pub const BIRTH_ASK: Key = Key("birth.ask");
/// A date of birth that does not match.
pub const BIRTH_WRONG: Key = Key("birth.wrong");
/// A call-back the practice does not make (premium, foreign, too many).
pub const CALLBACK_REFUSED: Key = Key("callback.refused");
/// Key 9.
pub const URGENT: Key = Key("urgent");
/// A blocked number.
pub const BLOCKED: Key = Key("blocked");
/// Withheld number, key 2.
pub const WITHHELD_NO_CANCEL: Key = Key("withheld_no_cancel");
/// Record a name.
pub const RECORD_NAME: Key = Key("record.name");
/// Record a message.
pub const RECORD_MESSAGE: Key = Key("record.message");
/// Keep or redo a message.
pub const KEEP_MESSAGE: Key = Key("message.keep");
/// Message stored.
pub const MESSAGE_SAVED: Key = Key("message.saved");
/// Nothing recorded.
pub const NOTHING_HEARD: Key = Key("nothing_heard");
/// Slot taken while the caller chose.
pub const SLOT_TAKEN: Key = Key("slot.taken");
/// No more appointment to review.
pub const NO_MORE_APPOINTMENTS: Key = Key("appointments.no_more");
/// No future appointment.
pub const NO_APPOINTMENT: Key = Key("appointments.none");
/// Cancelled.
pub const CANCELLED: Key = Key("cancelled");
/// The doctor cannot be reached.
pub const DOCTOR_UNAVAILABLE: Key = Key("doctor.unavailable");
/// Putting an allowed caller through.
pub const DOCTOR_PUT_THROUGH: Key = Key("doctor.put_through");
/// The practice's own phone did not answer.
pub const PRACTICE_UNAVAILABLE: Key = Key("practice.unavailable");
/// Offer a message when nothing else can be done.
pub const OFFER_MESSAGE: Key = Key("offer_message");
/// Goodbye.
pub const GOODBYE: Key = Key("goodbye");
/// Error in the service.
pub const SERVICE_ERROR: Key = Key("service_error");

/// Invitation to say what the caller wants, after a silent menu.
pub const SPEECH_INVITE: Key = Key("speech.invite");
/// The spoken answer was not understood.
pub const NOT_UNDERSTOOD: Key = Key("speech.not_understood");

/// The choice understood, read back for a confirmation key.
pub fn spoken_readback(lang: Lang, choice: super::intent::MenuChoice) -> Utterance {
    use super::intent::MenuChoice::*;
    let name = match choice {
        Book => "choice.book",
        CancelOrMove => "choice.cancel",
        Message => "choice.message",
        Hours => "choice.hours",
        Urgent => "choice.urgent",
        Secretaries => "choice.secretaries",
    };
    Utterance::filled(lang, Key("speech.readback"), vec![("choice", t(lang, Key(name)).into())])
}

/// The text of a key.
pub fn t(lang: Lang, key: Key) -> &'static str {
    text(lang, key)
}

/// One fixed sentence.
pub fn say(lang: Lang, key: Key) -> Utterance {
    Utterance::sentence(lang, key)
}

/// Two sentences said one after the other.
pub fn join(lang: Lang, first: Key, then: Key) -> Utterance {
    Utterance::sentence(lang, first).then_sentence(then)
}

/// Greeting with the practice's name, then the advice.
pub fn greeting(lang: Lang, practice: &str) -> Utterance {
    Utterance::filled(lang, Key("greeting"), vec![("practice", practice.into()), ("advice", Fill::Sentence(EMERGENCY_ADVICE))])
}

/// A doctor to choose: "Pour le docteur Martin, tapez 1. …"
pub const CHOOSE_DOCTOR: Key = Key("choose.doctor");
/// A consultation type to choose: "Pour consultation, tapez 1. …"
pub const CHOOSE_TYPE: Key = Key("choose.item");

/// One sentence per choice, numbered from 1 (`item` is CHOOSE_DOCTOR or CHOOSE_TYPE).
pub fn choose(lang: Lang, item: Key, names: &[String]) -> Utterance {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| Utterance::filled(lang, item, vec![("what", n.as_str().into()), ("n", (i + 1).to_string().into())]))
        .fold(Utterance::empty(lang), Utterance::then)
}

/// "Tapez 1 pour …, 2 pour …, 3 pour …, 4 pour d'autres créneaux.", each
/// slot's day and time apart from the words around them.
pub fn offer_slots(lang: Lang, starts: &[DateTime<Utc>], tz: Tz, now: DateTime<Utc>) -> Utterance {
    let said = starts.iter().enumerate().fold(Utterance::empty(lang), |said, (i, s)| {
        let key = if i == 0 { Key("slots.first") } else { Key("slots.item") };
        said.then(Utterance::filled(lang, key, vec![("n", (i + 1).to_string().into()), ("when", Fill::Apart(wording::when_apart(lang, *s, tz, now)))]))
    });
    let more = if starts.is_empty() { Key("slots.only_more") } else { Key("slots.more") };
    said.then(Utterance::filled(lang, more, vec![("n", (starts.len() + 1).to_string().into())]))
}

/// Every sentence that names the slot at `start` with `doctor`: offered at
/// each of the three places of an offer, read back, booked, reviewed,
/// cancelled, moved. What the voice renders ahead of the calls: with the
/// day and the time apart, one slot per day and one per time of day name
/// every piece the agenda's slots will need.
pub fn naming_slot(lang: Lang, start: DateTime<Utc>, tz: Tz, now: DateTime<Utc>, doctor: &str, address: &str) -> Vec<Utterance> {
    let when = || Fill::Apart(wording::when_apart(lang, start, tz, now));
    vec![
        offer_slots(lang, &[start; 3], tz, now),
        confirm_booking(lang, when(), doctor),
        booked(lang, when(), doctor, address),
        review_appointment(lang, when(), doctor),
        confirm_cancel(lang, when()),
        moved(lang, when(), doctor),
    ]
}

/// No slot within the horizon.
pub fn no_slot(lang: Lang, days: i64) -> Utterance {
    Utterance::filled(lang, Key("slots.none"), vec![("days", days.to_string().into())])
}

/// "Other slots" found nothing more.
pub fn no_other_slot(lang: Lang, days: i64) -> Utterance {
    Utterance::filled(lang, Key("slots.no_other"), vec![("days", days.to_string().into())])
}

/// The doctor and the type the caller booked last, offered first.
pub fn same_as_last(lang: Lang, doctor: &str, kind: &str) -> Utterance {
    Utterance::filled(lang, Key("booking.same_as_last"), vec![("doctor", doctor.into()), ("type", kind.into())])
}

/// Read-back before booking.
pub fn confirm_booking(lang: Lang, when: impl Into<Fill>, doctor: &str) -> Utterance {
    Utterance::filled(lang, Key("booking.confirm"), vec![("when", when.into()), ("doctor", doctor.into())])
}

/// Closing sentence after a booking.
pub fn booked(lang: Lang, when: impl Into<Fill>, doctor: &str, address: &str) -> Utterance {
    Utterance::filled(
        lang,
        Key("booking.done"),
        vec![("when", when.into()), ("doctor", doctor.into()), ("address", address.into()), ("goodbye", Fill::Sentence(GOODBYE))],
    )
}

/// One of the caller's appointments, and what can be done with it.
pub fn review_appointment(lang: Lang, when: impl Into<Fill>, doctor: &str) -> Utterance {
    Utterance::filled(lang, Key("appointment.review"), vec![("when", when.into()), ("doctor", doctor.into())])
}

/// Confirm a cancellation.
pub fn confirm_cancel(lang: Lang, when: impl Into<Fill>) -> Utterance {
    Utterance::filled(lang, Key("appointment.confirm_cancel"), vec![("when", when.into())])
}

/// Moved.
pub fn moved(lang: Lang, when: impl Into<Fill>, doctor: &str) -> Utterance {
    Utterance::filled(lang, Key("appointment.moved"), vec![("when", when.into()), ("doctor", doctor.into()), ("goodbye", Fill::Sentence(GOODBYE))])
}

/// Too many future appointments.
pub fn too_many(lang: Lang, max: i64) -> Utterance {
    Utterance::filled(lang, Key("booking.too_many"), vec![("max", max.to_string().into())])
}

/// Opening hours, walk-in hours and address, from the structured timetables.
pub fn hours(lang: Lang, opening: &[DayHours], walk_in: &[DayHours], address: &str) -> Utterance {
    let mut said = if opening.is_empty() {
        Utterance::sentence(lang, Key("hours.none"))
    } else {
        Utterance::filled(lang, Key("hours.open"), vec![("timetable", timetable(lang, opening).into())])
    };
    if !walk_in.is_empty() {
        said = said.then(Utterance::filled(lang, Key("hours.walk_in"), vec![("timetable", timetable(lang, walk_in).into())]));
    }
    if !address.trim().is_empty() {
        said = said.then(Utterance::filled(lang, Key("hours.address"), vec![("address", address.into())]));
    }
    said
}

/// "du lundi au vendredi de 8 heures à midi 30 et de 14 heures à 19 heures, le samedi de 9 heures à midi"
pub fn timetable(lang: Lang, ranges: &[DayHours]) -> String {
    let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    let per_day: Vec<(Weekday, Vec<(NaiveTime, NaiveTime)>)> = days
        .iter()
        .map(|d| {
            let mut r: Vec<_> = ranges.iter().filter(|x| x.0 == *d).map(|x| (x.1, x.2)).collect();
            r.sort();
            (*d, r)
        })
        .collect();
    // Group consecutive days with the same hours.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for i in 0..per_day.len() {
        if per_day[i].1.is_empty() {
            continue;
        }
        match groups.last_mut() {
            Some((_, end)) if *end + 1 == i && per_day[*end].1 == per_day[i].1 => *end = i,
            _ => groups.push((i, i)),
        }
    }
    let name = |i: usize| wording::weekday(lang, per_day[i].0.num_days_from_monday());
    groups
        .iter()
        .map(|(a, b)| {
            let hours = per_day[*a]
                .1
                .iter()
                .map(|(s, e)| fill(lang, Key("timetable.hours"), &[("start", &wording::time(lang, *s)), ("end", &wording::time(lang, *e))]))
                .collect::<Vec<_>>()
                .join(t(lang, Key("timetable.and")));
            match b - a {
                0 => fill(lang, Key("timetable.one"), &[("day", name(*a)), ("hours", &hours)]),
                1 => fill(lang, Key("timetable.two"), &[("first", name(*a)), ("last", name(*b)), ("hours", &hours)]),
                _ => fill(lang, Key("timetable.range"), &[("first", name(*a)), ("last", name(*b)), ("hours", &hours)]),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week() -> Vec<DayHours> {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let mut r = Vec::new();
        for d in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri] {
            r.push((d, at(8, 0), at(12, 30)));
            r.push((d, at(14, 0), at(19, 0)));
        }
        r.push((Weekday::Sat, at(9, 0), at(12, 0)));
        r
    }

    #[test]
    fn timetables_group_days_with_the_same_hours() {
        assert_eq!(timetable(Lang::Fr, &week()), "du lundi au vendredi de 8 heures à midi 30 et de 14 heures à 19 heures, le samedi de 9 heures à midi");
        assert_eq!(
            timetable(Lang::En, &week()),
            "from Monday to Friday from 8 o'clock to 12:30 and from 14 o'clock to 19 o'clock, on Saturday from 9 o'clock to noon"
        );
    }

    #[test]
    fn choices_are_numbered_in_order() {
        assert_eq!(
            choose(Lang::Fr, CHOOSE_DOCTOR, &["docteur Martin".into(), "docteur Bernard".into()]).text(),
            "Pour le docteur Martin, tapez 1. Pour le docteur Bernard, tapez 2."
        );
        assert_eq!(choose(Lang::En, CHOOSE_TYPE, &["consultation".into()]).text(), "For consultation, press 1.");
    }

    #[test]
    fn the_greeting_holds_the_advice_in_both_languages() {
        assert_eq!(greeting(Lang::Fr, "Cabinet X").text(), "Cabinet X, bonjour. Si la vie d'une personne est en danger, raccrochez et composez le 15.");
        assert!(greeting(Lang::En, "Cabinet X").text().contains("dial 15"));
    }
}
