//! The service killed with SIGKILL in the middle of calls and started again
//! on the same files (issue 19): after each kill the database passes
//! `PRAGMA integrity_check` and holds every booking, cancellation and
//! message a caller heard confirmed. `make soak` runs fifty kills.

use std::process::Command;

#[test]
fn what_callers_heard_confirmed_survives_sigkill() {
    let out = Command::new(env!("CARGO_BIN_EXE_standardiste-load"))
        .args(["--spawn", "--no-model", "soak", "--kills", "6", "--concurrent", "6", "--max-run-ms", "2000"])
        .env("SERVICE_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let line = stdout.lines().find(|l| l.starts_with("soak check: after each of the 6 kills")).unwrap_or_else(|| panic!("{stdout}"));
    // Something was confirmed, and so checked.
    let figures: Vec<u64> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    assert!(figures.len() >= 4 && figures[1] > 0 && figures[3] > 0, "bookings and messages confirmed: {line}");
}
