//! What a switch sends on a call's outbound connection, from the first byte:
//! the channel data, replies, events, in any order, cut anywhere, garbled.
//! The whole path runs: the vendored freeswitch-esl-tokio's parser, the
//! channel, the call driver, the receptionist, the store. Seeds: the frames
//! FreeSWITCH sent in ../shared/esl-captures (13–16 are this service's calls).
#![no_main]

use std::io::{Read, Write};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let svc = standardiste_fuzz::service();
    let Ok(mut s) = std::net::TcpStream::connect(svc.running.addr) else { return };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.write_all(data);
    // The switch's side ends: the service must finish the call by itself.
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
});
