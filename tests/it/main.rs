//! Every integration test in one binary: the service, its helpers and the
//! crates they use are compiled and linked once instead of once per file
//! (the clean CI build spent about half a minute of release compilation
//! on each of fourteen binaries). `cargo test --test it browser::` runs one file's tests.

mod abuse;
mod access;
mod agenda_store;
mod browser;
mod cli;
mod common;
mod console;
mod controller;
mod doctor;
mod flows;
mod hangup_matrix;
mod kit;
mod metrics;
mod queue;
mod random_calls;
mod shorter;
mod speech;
