//! What the receptionist is given (the call's context, the last input) and
//! what it returns (actions to perform, the call's outcome).

use chrono::{DateTime, Utc};

use crate::agenda::{Appointment, CallerRule, Duty, Practice, Slot};
use crate::words::Utterance;
use crate::words::catalogue::Lang;

/// A doctor the caller may book with, and the types bookable by phone.
#[derive(Debug, Clone, PartialEq)]
pub struct DoctorChoice {
    /// Doctor id.
    pub id: i64,
    /// Name as said ("Docteur Claire Martin").
    pub name: String,
    /// Phone-bookable types: (id, name).
    pub types: Vec<(i64, String)>,
    /// Horizon in days, said when no slot is left.
    pub horizon_days: i64,
    /// The doctor's own phone (for allowed callers).
    pub dial: Option<String>,
}

/// What the receptionist knows when the call starts.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The practice.
    pub practice: Practice,
    /// Bookable doctors in menu order.
    pub doctors: Vec<DoctorChoice>,
    /// The caller's number (E.164), `None` when withheld.
    pub caller: Option<String>,
    /// The practice's rule for this caller, if any.
    pub caller_rule: Option<CallerRule>,
    /// On duty, off duty or holiday.
    pub duty: Duty,
    /// When the call started.
    pub now: DateTime<Utc>,
    /// The language the receptionist speaks.
    pub lang: Lang,
    /// Whether spoken answers can be understood (a speech model is loaded).
    pub speech: bool,
    /// Whether the caller's number is one the practice calls back
    /// (`agenda::phone::callback_check`): only then is a call-back offered.
    pub callable: bool,
    /// The dates of birth the practice knows for the caller's number
    /// (`JJMMAA`): one of them is asked before an appointment is read out
    /// or changed, when the practice verifies them.
    pub birth_dates: Vec<String>,
    /// The name, when the practice has one name for the caller's number
    /// already (a number a family shares has several): it is then not asked
    /// again, nor transcribed again, and the booking takes it.
    pub name_on_file: Option<String>,
    /// The doctor and the type of the caller's last appointment (doctor id,
    /// type id): offered first when booking.
    pub last_booked: Option<(i64, i64)>,
}

/// What kind of recording is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingKind {
    /// The caller's name, at booking.
    Name,
    /// A message for the doctor.
    Message,
    /// A short spoken answer at the menu.
    Answer,
}

/// Something for the driver to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Answer the call.
    Answer,
    /// Say something; no key interrupts it.
    Say(Utterance),
    /// Say a text that a key interrupts, and collect up to `max_digits` keys.
    /// Result: `Digits` or `NoInput`.
    Ask {
        /// The question.
        prompt: Utterance,
        /// How many keys at most.
        max_digits: u8,
    },
    /// Say `prompt`, beep, record. Result: `Recorded` or `NothingRecorded`.
    Record {
        /// The instruction.
        prompt: Utterance,
        /// What is recorded.
        kind: RecordingKind,
        /// Longest recording, seconds.
        max_secs: u32,
    },
    /// Result: `Slots`.
    FindSlots {
        /// Doctor.
        doctor_id: i64,
        /// Type.
        type_id: i64,
        /// Only slots after this instant.
        after: Option<DateTime<Utc>>,
        /// How many.
        count: usize,
    },
    /// Result: `Booked` or `Refused`.
    Book {
        /// Doctor.
        doctor_id: i64,
        /// Type.
        type_id: i64,
        /// Start.
        start: DateTime<Utc>,
        /// The recorded name.
        name_recording: Option<String>,
    },
    /// A take the caller replaced (a message re-recorded): deleted at once,
    /// health data kept no longer than needed. Result: `Done`.
    Discard {
        /// The recording.
        recording: String,
    },
    /// What a short recorded answer asks for (the clip is deleted once
    /// decoded). Result: `Understood`.
    Understand {
        /// The recording.
        recording: String,
    },
    /// The caller's future appointments. Result: `Appointments`.
    ListAppointments,
    /// Result: `Cancelled`.
    Cancel {
        /// Appointment.
        appointment_id: i64,
    },
    /// Result: `Booked` (the moved appointment) or `Refused`.
    Move {
        /// Appointment.
        appointment_id: i64,
        /// New start.
        start: DateTime<Utc>,
    },
    /// Store a message. Result: `Done`.
    SaveMessage {
        /// The recording.
        recording: String,
        /// Its length.
        secs: f64,
        /// Flagged urgent.
        urgent: bool,
    },
    /// Put the caller through. Result: `BridgeEnded`.
    Bridge {
        /// Dial string.
        dial: String,
    },
    /// Hand the call to the secretaries' queue (ends the receptionist's part).
    ToSecretaries {
        /// Why, and what the caller already did.
        reason: String,
        /// Urgent calls go first.
        urgent: bool,
    },
    /// Put the call through to the practice's own phone (off duty), before
    /// answering. Result: `BridgeEnded`.
    ToPracticePhone {
        /// Dial string.
        dial: String,
    },
    /// Store the caller's request to be called back. Result: `Done`.
    RequestCallback {
        /// Why they called.
        reason: String,
        /// Urgent.
        urgent: bool,
    },
    /// Hang up.
    Hangup,
}

impl Action {
    /// Whether this action ends the receptionist's part of the call.
    pub fn is_final(&self) -> bool {
        matches!(self, Action::ToSecretaries { .. } | Action::Hangup)
    }
}

/// Why the agenda refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Taken meanwhile.
    SlotTaken,
    /// Cap reached.
    TooMany(i64),
    /// Not bookable.
    NotBookable,
}

/// What happened last.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The call has just arrived.
    Start,
    /// The last action completed and returns nothing.
    Done,
    /// Keys.
    Digits(String),
    /// No key before the timeout.
    NoInput,
    /// A recording was made.
    Recorded {
        /// File.
        path: String,
        /// Length.
        secs: f64,
    },
    /// Nothing was recorded (silence, or too short).
    NothingRecorded,
    /// Free slots.
    Slots(Vec<Slot>),
    /// Booked (or moved).
    Booked(Appointment),
    /// Refused.
    Refused(Refusal),
    /// The caller's appointments.
    Appointments(Vec<Appointment>),
    /// Whether the cancellation happened.
    Cancelled(bool),
    /// The menu choice a spoken answer names, if any.
    Understood(Option<crate::words::intent::MenuChoice>),
    /// Bridge over; `answered` tells whether anyone picked up.
    BridgeEnded {
        /// Picked up.
        answered: bool,
    },
    /// The service failed (database, speech…): hand over.
    Failed(String),
    /// The call-back was not taken (a number the practice does not call,
    /// or too many requests today): the caller leaves a message instead.
    CallbackRefused,
    /// The caller hung up.
    /// The secretaries' queue gave the call back: nobody is logged in for
    /// the practice (`nobody`), or the wait was too long.
    SecretariesUnavailable {
        /// Nobody logged in (rather than a long wait).
        nobody: bool,
    },
    HungUp,
}

/// Why a call went to a human: the figures' and the metrics' reason (the
/// secretaries read the sentence of `detail`, which says more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Handover {
    /// The caller asked for the secretaries (key 0, or said so).
    Asked,
    /// An urgent call (key 9, or said so).
    Urgent,
    /// No key at a question, twice.
    NoAnswer,
    /// Wrong keys at a question, twice.
    WrongKeys,
    /// The date of birth did not match, three times.
    Unidentified,
    /// Nothing the caller asked for can be booked by phone.
    NotBookable,
    /// The agenda refused the change.
    AgendaRefused,
    /// The service failed (the store, the voice, an answer it did not expect).
    ServiceError,
    /// Outside the virtual receptionist's hours: the practice's secretaries or phone.
    OffDuty,
    /// A caller the doctor allows, put through to him.
    AllowedCaller,
}

impl Handover {
    /// Its name in the calls table and the metrics' `why` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Handover::Asked => "asked",
            Handover::Urgent => "urgent",
            Handover::NoAnswer => "no_answer",
            Handover::WrongKeys => "wrong_keys",
            Handover::Unidentified => "unidentified",
            Handover::NotBookable => "not_bookable",
            Handover::AgendaRefused => "agenda_refused",
            Handover::ServiceError => "service_error",
            Handover::OffDuty => "off_duty",
            Handover::AllowedCaller => "allowed_caller",
        }
    }
}

/// How the call ended, for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still going.
    InProgress,
    /// An appointment was booked.
    Booked,
    /// One was cancelled.
    Cancelled,
    /// One was moved.
    Moved,
    /// A message was left.
    Message,
    /// Hours / address given.
    Info,
    /// Put through to the doctor.
    Doctor,
    /// Handed to the secretaries.
    Secretaries,
    /// Handed to the secretaries as urgent.
    Urgent,
    /// No secretary could answer: the caller asked to be called back.
    Callback,
    /// Off duty: to the practice's own phone.
    PracticePhone,
    /// Refused (blocked number).
    Refused,
    /// The caller hung up before anything was done.
    Abandoned,
}

impl Outcome {
    /// Its name in the calls table.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::InProgress => "in_progress",
            Outcome::Booked => "booked",
            Outcome::Cancelled => "cancelled",
            Outcome::Moved => "moved",
            Outcome::Message => "message",
            Outcome::Info => "info",
            Outcome::Doctor => "doctor",
            Outcome::Secretaries => "secretaries",
            Outcome::Urgent => "urgent",
            Outcome::Callback => "callback",
            Outcome::PracticePhone => "practice_phone",
            Outcome::Refused => "refused",
            Outcome::Abandoned => "abandoned",
        }
    }
}
