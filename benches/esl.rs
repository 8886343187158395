//! What it costs the service to read the switch's events: captured
//! `CHANNEL_EXECUTE_COMPLETE` (some 6 KB, 150 headers) and `DTMF` frames
//! streamed over loopback TCP into freeswitch-esl-tokio's outbound client, as
//! in a call, on one thread. Reports the CPU time per event (the process's
//! user + system time, read from /proc) and the wall time. Run with
//! `cargo bench --bench esl`.

use std::time::Instant;

// The service's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use freeswitch_esl_tokio::EslClient;
use scripted_switch::{Captures, SwitchCall};

/// This process's CPU seconds (user + system).
fn cpu_secs() -> f64 {
    scripted_switch::measure::cpu_seconds(std::process::id()).expect("/proc/self/stat")
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let (rounds, per_round) = if benching { (5, 20_000) } else { (1, 500) };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let caps = Captures::get();
        for (name, build) in [("CHANNEL_EXECUTE_COMPLETE", true), ("DTMF", false)] {
            let mut cpu_per_event = Vec::new();
            let mut wall_per_event = Vec::new();
            for _ in 0..rounds {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let caps = caps.clone();
                // The client's event queue is bounded (a full queue is an
                // error): at most two batches in flight.
                let (ack, mut acked) = tokio::sync::mpsc::unbounded_channel::<()>();
                let switch = tokio::spawn(async move {
                    let mut call = SwitchCall::dial_with(addr, "+33612345678", "1000", caps).await.unwrap();
                    call.connect().await.unwrap();
                    let mut ev = call.event(name);
                    if build {
                        ev.set("Application", "playback").set("Application-Response", "FILE PLAYED").set("Application-UUID", "bench");
                    } else {
                        ev.set("DTMF-Digit", "1");
                    }
                    let frame = ev.frame();
                    // Batches of 100 frames per write, as a busy switch's socket delivers them.
                    let batch = frame.repeat(100);
                    for i in 0..per_round / 100 {
                        if i >= 2 {
                            acked.recv().await.unwrap();
                        }
                        call.send_frames(&batch).await.unwrap();
                    }
                    call
                });
                let (stream, _) = listener.accept().await.unwrap();
                let (client, mut events) = EslClient::accept_outbound_stream(stream);
                let data = client.connect_session().await.unwrap();
                assert!(data.header("Unique-ID").is_some(), "the captured channel data");
                let (t, c) = (Instant::now(), cpu_secs());
                let mut got = 0;
                while got < per_round {
                    match events.recv().await {
                        Some(Ok(ev)) => {
                            assert_eq!(ev.header_str("Event-Name"), Some(name));
                            got += 1;
                            if got % 100 == 0 {
                                let _ = ack.send(());
                            }
                        }
                        other => panic!("event {got}: {other:?}"),
                    }
                }
                wall_per_event.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
                cpu_per_event.push((cpu_secs() - c) * 1e6 / per_round as f64);
                drop(switch.await.unwrap());
            }
            cpu_per_event.sort_by(f64::total_cmp);
            wall_per_event.sort_by(f64::total_cmp);
            let median = |v: &[f64]| v[v.len() / 2];
            println!(
                "{name:26} {per_round} events x {rounds}: CPU {:.1} us/event (median; min {:.1}), wall {:.1} us/event (both ends of the socket on this thread)",
                median(&cpu_per_event),
                cpu_per_event[0],
                median(&wall_per_event)
            );
        }
    });
}
