//! What the queue asks of a switch ([`Lines`]): ring secretaries' phones,
//! hang a leg up, call a patient back, and the events of those legs. The
//! Event Socket's side of it is `freeswitch::lines`.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

/// Why a ring (or a call back) reached nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RingFailure {
    /// Nobody answered in time.
    NoAnswer,
    /// The phone was busy.
    Busy,
    /// The link to the switch went away with the answer: nobody's fault,
    /// the offer is made again once it is back.
    LinkLost,
    /// The switch could not ring it (a dial string it refused, a phone not
    /// registered…): the switch's cause.
    Failed(String),
}

impl RingFailure {
    /// Why, in the words the secretaries' console shows (and a call back's
    /// recorded outcome).
    pub fn reason(&self) -> String {
        match self {
            RingFailure::NoAnswer => "pas de réponse".into(),
            RingFailure::Busy => "occupé".into(),
            RingFailure::LinkLost => "lien avec le standard perdu".into(),
            RingFailure::Failed(cause) => format!("téléphone en échec ({cause})"),
        }
    }
}

/// One phone to ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    /// The leg's unique id, chosen before it exists (FreeSWITCH's `origination_uuid`).
    pub id: String,
    /// Dial string.
    pub dial: String,
    /// Caller-id name shown on the phone.
    pub caller_id_name: String,
    /// Caller-id number shown on the phone.
    pub caller_id_number: Option<String>,
}

/// What the switch reports about legs, on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    /// The leg is parked: its announcement is over, it waits for the bridge.
    Parked(String),
    /// The leg hung up.
    Gone(String),
    /// The link to the switch (re)connected; these channels are live.
    Resynced(Vec<String>),
}

/// What the queue asks of the switch.
pub trait Lines: Send + Sync + 'static {
    /// Ring these phones at once; whoever answers hears `announcement` (its
    /// files in order, or nothing when empty) and is then parked. Resolves
    /// with the leg that answered, or why nobody did.
    fn ring(&self, legs: Vec<Leg>, announcement: Vec<PathBuf>, timeout: Duration) -> impl Future<Output = Result<String, RingFailure>> + Send;
    /// Hang a leg up (best effort: it may be gone already).
    fn hang_up(&self, leg: &str) -> impl Future<Output = ()> + Send;
    /// Dial the patient; once they answer, bridge them to the secretary.
    /// Resolves with the patient's leg, or why they were not reached.
    fn call_back(&self, patient: Leg, secretary: Leg, timeout: Duration) -> impl Future<Output = Result<String, RingFailure>> + Send;
    /// The switch's reports about legs.
    fn events(&self) -> Option<mpsc::UnboundedReceiver<LineEvent>>;
}
