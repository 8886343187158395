//! FreeSWITCH: the only module that knows the Event Socket.
//!
//! - `outbound`: the listener FreeSWITCH's `socket` application connects to;
//!   one task per call, a semaphore for the cap, a drain on shutdown.
//! - `channel`: [`crate::call::Channel`] over one outbound connection.
//! - `quote`: every text, dial string and extension made harmless before it
//!   goes into a command (FreeSWITCH expands `${…}`).
//! - `check`: `standardiste check-freeswitch`, the switch's modules, dialplan,
//!   music and shared folders checked over the Event Socket, with fixes.
//! - `inbound`: the one inbound connection (api/bgapi, events), kept alive
//!   with jittered backoff, re-subscribed and resynchronised after a reconnect.
//!
//! The scripted switch of the tests and the load generator lives apart, in
//! the dev-only crate `crates/scripted-switch`.

pub mod channel;
pub mod check;
pub mod inbound;
pub mod lines;
pub mod outbound;
pub mod quote;
