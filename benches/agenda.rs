//! Slot search and booking on an agenda holding a year of appointments for
//! two doctors. Run with `make bench` (or `cargo bench --bench agenda`).
//! Prints medians and tails; docs/BENCHMARKS.md records the figures.

use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Paris;
use standardiste::agenda::{Source, WeeklyRange};
use standardiste::store::PracticeField;
use standardiste::store::{BookingRequest, Store};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<44} n={:<6} p50={:>9.1?} p99={:>9.1?} max={:>9.1?}",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then
    // this runs as a smoke test of the benchmark itself.
    let benching = std::env::args().any(|a| a == "--bench");
    let quick = std::env::args().any(|a| a == "--quick") || std::env::var("BENCH_QUICK").is_ok();
    let iterations = if !benching {
        10
    } else if quick {
        200
    } else {
        2000
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.sqlite")).unwrap();
    let now = Paris.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap().with_timezone(&Utc);
    let (doctors, types) = store
        .run_sync(|db| {
            let p = db.create_practice("Cabinet de mesure", "", Paris)?;
            let mut doctors = Vec::new();
            let mut types = Vec::new();
            for name in ["Docteur A", "Docteur B"] {
                let d = db.add_doctor(p, name)?;
                let hours: Vec<WeeklyRange> = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]
                    .iter()
                    .flat_map(|day| [WeeklyRange::parse(&format!("{day} 08:00-12:00")).unwrap(), WeeklyRange::parse(&format!("{day} 14:00-19:00")).unwrap()])
                    .collect();
                db.set_working_hours(d, &hours)?;
                db.set_booking_rules(d, Some(0), Some(60), None)?;
                db.set_practice_field(p, PracticeField::MaxFuturePerPhone, Some("1000000"))?;
                types.push(db.add_type(d, "consultation", 15, true, true)?);
                doctors.push(d);
            }
            Ok((doctors, types))
        })
        .unwrap();

    // A year of appointments: six months back, six months ahead, 85 % of the
    // 15-minute slots taken, the rest scattered.
    let fill = Instant::now();
    let mut count = 0usize;
    store
        .run_sync(|db| {
            let mut day = (now - Days::days(182)).with_timezone(&Paris).date_naive();
            let last = (now + Days::days(182)).with_timezone(&Paris).date_naive();
            let mut seed = 7u64;
            while day <= last {
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    for (i, d) in doctors.iter().enumerate() {
                        for (h0, h1) in [(8, 12), (14, 19)] {
                            for q in 0..((h1 - h0) * 4) {
                                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                                if (seed >> 33) % 100 >= 85 {
                                    continue;
                                }
                                let start = Paris
                                    .with_ymd_and_hms(day.year(), day.month(), day.day(), h0 + q / 4, (q % 4) * 15, 0)
                                    .single()
                                    .unwrap()
                                    .with_timezone(&Utc);
                                let req = BookingRequest {
                                    doctor_id: *d,
                                    type_id: types[i],
                                    start,
                                    patient_name: format!("Patient {count}"),
                                    phone: Some(format!("+3361{:07}", count % 10_000_000)),
                                    name_recording: None,
                                    source: Source::Staff,
                                    now,
                                };
                                if db.book(&req)?.is_ok() {
                                    count += 1;
                                }
                            }
                        }
                    }
                }
                day = day.succ_opt().unwrap();
            }
            Ok(())
        })
        .unwrap();
    println!("agenda filled: {count} appointments for 2 doctors in {:.1?}", fill.elapsed());

    let mut next3 = Vec::new();
    let mut paged = Vec::new();
    store
        .run_sync(|db| {
            for i in 0..iterations {
                let d = doctors[i % 2];
                let t = types[i % 2];
                let at = now + Days::minutes((i as i64 * 37) % (60 * 24 * 20));
                let s = Instant::now();
                let slots = db.free_slots(d, t, at, None, 3)?;
                next3.push(s.elapsed());
                assert!(!slots.is_empty());
                let s = Instant::now();
                let later = db.free_slots(d, t, at, Some(at + Days::days(14)), 3)?;
                paged.push(s.elapsed());
                assert!(!later.is_empty());
            }
            Ok(())
        })
        .unwrap();
    report("free_slots: next 3", next3);
    report("free_slots: 3 after two weeks ('4: autres')", paged);

    let mut book = Vec::new();
    let mut cancel = Vec::new();
    store
        .run_sync(|db| {
            for i in 0..iterations {
                let d = doctors[i % 2];
                let t = types[i % 2];
                let at = now + Days::minutes((i as i64 * 53) % (60 * 24 * 20));
                let slot = db.free_slots(d, t, at, None, 1)?[0];
                let req = BookingRequest {
                    doctor_id: d,
                    type_id: t,
                    start: slot.start,
                    patient_name: String::new(),
                    phone: Some("+33699000000".into()),
                    name_recording: None,
                    source: Source::Phone,
                    now: at,
                };
                let s = Instant::now();
                let a = db.book(&req)?.expect("free slot books");
                book.push(s.elapsed());
                let s = Instant::now();
                assert!(db.cancel(a.id, Some("+33699000000"))?);
                cancel.push(s.elapsed());
            }
            Ok(())
        })
        .unwrap();
    report("book (phone rules, one transaction)", book);
    report("cancel", cancel);
}
