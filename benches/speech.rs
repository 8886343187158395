//! Time to render a dynamic prompt (a slot offer) with espeak-ng, cold and
//! from the cache. Run with `cargo bench --bench speech`.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use standardiste::speech::{Voice, pieces};
use standardiste::words::catalogue::Lang;
use standardiste::words::prompts;

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let rounds = if benching { 20 } else { 2 };
    let dir = tempfile::tempdir().unwrap();
    let voice = Voice::new("espeak-ng", "fr", 150, dir.path());
    let now = Paris.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap().with_timezone(&Utc);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut whole = Vec::new();
    for i in 0..rounds {
        // Three slots no earlier round offered: every clause is new.
        let base = now + Days::days(1 + i as i64) + Days::minutes(20 * i as i64);
        let starts = [base, base + Days::minutes(20), base + Days::minutes(40)];
        let text = prompts::offer_slots(Lang::Fr, &starts, Paris, now);
        let t = Instant::now();
        rt.block_on(voice.render_utterance(&text)).unwrap();
        cold.push(t.elapsed());
        let t = Instant::now();
        rt.block_on(voice.render_utterance(&text)).unwrap();
        warm.push(t.elapsed());
        // The same sentence in one piece, for comparison.
        let t = Instant::now();
        rt.block_on(voice.render(&format!("{text} "))).unwrap();
        whole.push(t.elapsed());
        assert_eq!(pieces(&text.text()).len(), 4);
    }
    let med = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!("dynamic prompt (slot offer, 4 clauses), {rounds} rounds:");
    println!("  cold, clause by clause in parallel: median {:.1?}", med(&mut cold));
    println!("  cold, one piece:                    median {:.1?}", med(&mut whole));
    println!("  from the cache:                     median {:.1?}", med(&mut warm));
}
