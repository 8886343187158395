//! Words as data, for every audience, in the ground-floor room: no IO, no
//! tokio, no import from any other room of the crate.
//!
//! - `catalogue`: every sentence the receptionist says, per language, by key;
//! - `utterance`: what the receptionist says, as data (catalogue keys with
//!   their fills, or free words), which `speech` renders and the logs print;
//! - `prompts`: the sentences built from a practice's facts (greeting, slots,
//!   hours, read-backs);
//! - `wording` and `french`: dates, times and numbers as a secretary says them;
//! - `intent`: what a caller's words mean (menu choices, signs of emergency);
//! - `outcomes`: the names of what a call came to, which pages and mails show.
//!
//! Must not touch: files, the network, the clock (times come in as values).

pub mod catalogue;
pub mod french;
pub mod intent;
pub mod outcomes;
pub mod prompts;
pub mod utterance;
pub mod wording;

pub use outcomes::{HANDOVERS_EN, HANDOVERS_FR, OUTCOMES_EN, OUTCOMES_FR, outcome};
pub use utterance::{Fill, Part, Segment, Utterance};
