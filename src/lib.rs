//! # standardiste
//!
//! A virtual receptionist for medical practices, beside FreeSWITCH.
//!
//! # Layout
//!
//! - [`freeswitch`]: the only module that knows the Event Socket. `outbound`
//!   accepts one connection per call (capped by a semaphore, drained on
//!   shutdown); `channel` implements [`call::Channel`] over it; `inbound` keeps
//!   the one inbound connection (api/bgapi, events) alive; `lines` rings the
//!   secretaries' phones over it; `emulator` is the scripted switch of the
//!   tests and the load generator.
//! - [`call`]: the call driver. Owns one call: performs the receptionist's
//!   actions through the `Channel` trait, feeds results back, enforces the
//!   per-call deadline, records the outcome.
//! - [`reception`]: the dialogue as a pure state machine,
//!   `step(state, input) -> (state, actions)`. No IO, no tokio.
//! - [`agenda`]: pure domain: timetables, slots, duty modes, caller rules,
//!   phone numbers. No SQL, no tokio.
//! - [`store`]: SQLite (rusqlite): schema, migrations, every read and write of
//!   the facts above, the demo practice.
//! - [`speech`]: text to speech (espeak-ng) with an on-disk cache, and the
//!   French wording of dates, times and numbers.
//! - [`queue`]: the remote secretaries' queues: the rules as plain state (who
//!   takes which call: urgent first, longest-idle secretary, wrap-up,
//!   figures) and the one task that owns them, rings the secretaries through
//!   the `Lines` trait and tells waiting callers when to bridge.
//! - [`web`]: the agents' HTTP JSON API (axum), thin over the queue task and
//!   the store.
//! - [`config`]: the TOML configuration, its defaults and `check-config`.
//! - [`cli`]: the administrators' command line (practices, doctors, hours,
//!   rules, exports).
//! - [`measure`]: a process's CPU time and resident memory from /proc, for
//!   the load generator and the benchmarks.

// No unsafe code but whisper.cpp's abort callback (speech::recognition), where
// whisper-rs's safe wrapper is unsound; each use is allowed where it stands.
#![deny(unsafe_code)]

pub mod agenda;
pub mod call;
pub mod cli;
pub mod config;
pub mod freeswitch;
pub mod queue;
pub mod reception;
pub mod service;
pub mod speech;
pub mod store;
pub mod web;
