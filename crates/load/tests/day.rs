//! A day of mixed calls through the load generator against a real
//! `standardiste serve`: the practice's figures (`standardiste stats
//! --json`) match the generator's own count of how each call ended (issue 20).

use std::process::Command;

#[test]
fn the_figures_of_a_day_of_calls_match_the_generators_counts() {
    let out = Command::new(env!("CARGO_BIN_EXE_standardiste-load"))
        .args(["--spawn", "--no-model", "day", "--calls", "60", "--concurrent", "4"])
        .env("SERVICE_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let line = stdout.lines().find(|l| l.starts_with("day check: the practice's figures match the generator's 64 calls")).unwrap_or_else(|| panic!("{stdout}"));
    for outcome in ["\"booked\"", "\"cancelled\"", "\"message\"", "\"info\"", "\"secretaries\"", "\"urgent\""] {
        assert!(line.contains(outcome), "every kind of call was made: {line}");
    }
}
