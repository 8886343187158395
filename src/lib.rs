//! # standardiste
//!
//! A virtual receptionist for medical practices, beside FreeSWITCH.
//!
//! # Layout
//!
//! The call path runs one way: switch → call → reception → agenda / store;
//! the people's side (web) reads and writes through the store and the queue
//! task's handle. A lower room never imports a higher one.
//!
//! - [`freeswitch`]: the only module that knows the Event Socket. `outbound`
//!   accepts one connection per call (capped by a semaphore, drained on
//!   shutdown, only from the switch: peers checked, calls verified on the
//!   inbound link); `channel` implements [`call::Channel`] over it; `inbound`
//!   keeps the one inbound connection (api/bgapi, events) alive; `lines`
//!   rings the secretaries' phones over it; `quote` makes every value
//!   harmless before it goes into a command.
//! - [`call`]: a call's whole life. `life::run` is the one entry point (the
//!   switch's connections and `standardiste try` both use it): the practice
//!   read while the channel is set up, the deadline, the call's row; the
//!   `driver` performs the receptionist's actions through the `Channel`
//!   trait and feeds results back; `wait` keeps a caller waiting for a
//!   secretary. Speaks utterances and music by name, never the switch's
//!   words (`file_string://`, cause names: `freeswitch/`).
//! - [`reception`]: the dialogue as a pure state machine,
//!   `step(state, input) -> (state, actions)`, one file per flow (menu,
//!   booking, appointments, message, hand-over). No IO, no tokio.
//! - [`agenda`]: pure domain: timetables, slots, duty modes, caller rules,
//!   who may book which type by phone, phone numbers (and which ones are
//!   called back), what a name or a dial string may hold, the secretaries'
//!   levels. No SQL, no tokio.
//! - [`store`]: SQLite (rusqlite): schema, migrations, one file per aggregate
//!   (practices, doctors, booking, messages, calls, secretaries, accounts),
//!   the demo practice, export and import.
//! - [`speech`]: the voice and the ears: an utterance rendered to wav files
//!   (espeak-ng) with an on-disk cache and the practice's recordings, and
//!   recognition (whisper) of messages and short spoken answers.
//! - [`queue`]: the remote secretaries' queues: the rules as plain state (who
//!   takes which call: urgent first, longest-idle secretary, wrap-up,
//!   figures), the legs' bookkeeping as plain state returning effects
//!   (`legs`: rings, answered legs, orphans of a lost link, the resync), the
//!   handle calls and the API hold, and the thin task that performs the
//!   effects, ringing the secretaries through the `Lines` trait.
//! - [`web`]: the people's side (axum, askama): `auth` (accounts, sessions,
//!   tokens, the one guard every request goes through, the audit log), `api`
//!   (the JSON API of the console and the command line), `doctor` (the
//!   doctor's space: today, agenda, settings, messages, voice, the calendar
//!   feeds), `console` (the secretaries' live console over server-sent
//!   events), the log-in and account pages.
//! - [`mail`]: telling the practice by SMTP (lettre): each message with its
//!   recording, each urgent call, the daily summary, from the notices the
//!   store keeps until they are sent.
//! - [`calendar`]: the iCalendar feed of a doctor's appointments and the
//!   busy times of the calendars a doctor subscribes to.
//! - [`words`]: the ground floor, words as data: the receptionist's
//!   sentences (catalogue) and the utterances built from them (`prompts`,
//!   `utterance`), dates, times and numbers worded in French and English,
//!   what a caller's words mean (menu choices, signs of an emergency), the
//!   calls' outcomes. No IO, imports no other room.
//! - [`service`]: `standardiste serve`: wires the store, the voice, the
//!   recognizer, the outbound listener, the inbound link, the queue task and
//!   the web side, and stops them on SIGTERM.
//! - [`folders`]: the folders shared with FreeSWITCH (prompts, recordings),
//!   made for the service alone or for a group the two share.
//! - [`logs`]: the log, with every phone number masked in every line.
//! - [`metrics`]: `/metrics` (Prometheus) and `/health` on their own listener.
//! - [`config`]: the TOML configuration, its defaults, and its checks
//!   (`check-config`).
//! - [`cli`]: the command line: its declarations (`args`) apart from its
//!   handlers (administration, accounts, the API client).
//!
//! Beside the service, never compiled into it: `crates/scripted-switch` (the
//! scripted FreeSWITCH of the tests and the load generator, and the /proc
//! measures) and `crates/load` (`standardiste-load`).

// No unsafe code but whisper.cpp's abort callback (speech::recognition), where
// whisper-rs's safe wrapper is unsound; each use is allowed where it stands.
#![deny(unsafe_code)]

pub mod agenda;
pub mod calendar;
pub mod call;
pub mod cli;
pub mod config;
pub mod folders;
pub mod freeswitch;
pub mod logs;
pub mod mail;
pub mod metrics;
pub mod queue;
pub mod reception;
pub mod service;
pub mod speech;
pub mod store;
pub mod web;
pub mod words;
