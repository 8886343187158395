//! The doctor's pages in a real browser: Debian's headless Chromium driven
//! by Playwright (tests/browser/doctor.mjs, one step at a time), against the
//! running service; between the steps, calls over the scripted switch hear
//! what the pages changed. Screenshots of each page go to
//! `target/screenshots/`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use standardiste::store::Role;

const PASSWORD: &str = "a-long-test-password";

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run one step of the browser script; its failure fails the test with what it printed.
fn step(svc: &common::TestService, name: &str, vars: &[(&str, String)]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/doctor.mjs");
    let mut cmd = Command::new("node");
    cmd.arg(&script)
        .env("BASE", format!("http://{}", svc.running.web_addr))
        .env("LOGIN", "docteur-web")
        .env("PASSWORD", PASSWORD)
        .env("SHOTS", shots())
        .env("STEP", name);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("node runs (Debian's nodejs; scripts/test-tools installs Playwright)");
    assert!(out.status.success(), "browser step {name} failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Every file a call played (a `file_string://a!b` is its files).
fn played_files(t: &common::Transcript) -> Vec<String> {
    t.played.iter().flat_map(|p| p.trim_start_matches("file_string://").split('!').map(str::to_string).collect::<Vec<_>>()).collect()
}

/// A second of a 440 Hz tone, 16 kHz mono WAV: "the practice's own recording".
fn tone_wav(path: &Path) {
    let rate = 16000u32;
    let samples: Vec<i16> = (0..rate).map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / rate as f64).sin() * 12000.0) as i16).collect();
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + samples.len() as u32 * 2).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&(rate * 2).to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&(samples.len() as u32 * 2).to_le_bytes());
    for s in samples {
        v.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, v).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_books_moves_cancels_changes_the_hours_hears_a_message_and_records_a_sentence() {
    let svc = common::start(|_| {}).await;
    let store = svc.running.store.clone();
    common::token_for(&store, "docteur-web", Role::Staff, &[1], None);
    let snapshot = store.run_sync(|db| db.snapshot(1)).unwrap();
    let tz = snapshot.practice.timezone;
    let now = Utc::now();
    let demo = store.run_sync(move |db| db.appointments(1, now, now + chrono::Duration::days(21))).unwrap();
    let demo_day = demo.iter().find(|a| a.doctor_id == 1).expect("the demo has appointments").start.with_timezone(&tz);
    let slots = store.run_sync(move |db| db.free_slots(1, 1, now, None, 2)).unwrap();
    let (slot, other) = (slots[0].start.with_timezone(&tz), slots[1].start.with_timezone(&tz));
    let new_hours = "lundi 07:15-11:45\nmardi 13:05-17:55";
    step(
        &svc,
        "agenda",
        &[
            ("DEMO_WEEK", demo_day.format("%Y-%m-%d").to_string()),
            ("TYPE", "1".into()),
            ("SLOT_DATE", slot.format("%Y-%m-%d").to_string()),
            ("SLOT_TIME", slot.format("%H:%M").to_string()),
            ("MOVE_DATE", other.format("%Y-%m-%d").to_string()),
            ("MOVE_TIME", other.format("%H:%M").to_string()),
            ("NEW_HOURS", new_hours.into()),
        ],
    );
    // What the pages did is in the store: booked by the practice, moved, then cancelled.
    let mine: Vec<_> = store
        .run_sync(move |db| db.appointments(1, now, now + chrono::Duration::days(60)))
        .unwrap()
        .into_iter()
        .filter(|a| a.patient_name == "Jeanne Web")
        .collect();
    assert_eq!(mine.len(), 1, "one booking; the second was refused");
    assert_eq!(mine[0].start, slots[1].start, "moved to the other slot");
    assert_eq!(mine[0].status, "cancelled");
    assert_eq!(mine[0].source, standardiste::agenda::Source::Staff);
    // The next call tells the new hours (menu 4).
    let t = common::call(svc.running.addr, "0611223344", common::Patient::keys(&["4"])).await;
    let p = store.run_sync(|db| db.snapshot(1)).unwrap().practice;
    assert_eq!(p.opening_hours.len(), 2);
    use standardiste::agenda::day_hours;
    let said = standardiste::words::prompts::hours(svc.config.speech.language, &day_hours(&p.opening_hours), &day_hours(&p.walk_in_hours), &p.address).text();
    assert!(said.contains("7") && said.contains("45"), "{said}");
    let voice = standardiste::speech::Voice::new(&svc.config.speech.espeak, &svc.config.speech.voice, svc.config.speech.rate, svc.config.paths.prompts.clone());
    let played = played_files(&t);
    for piece in standardiste::speech::pieces(&said) {
        let file = voice.path_for(piece).to_string_lossy().into_owned();
        assert!(played.contains(&file), "the new hours were told: « {piece} » not in {played:?}");
    }

    // A message left on the phone, heard in the browser and marked handled.
    let t = common::call(svc.running.addr, "0611223344", common::Patient::keys(&["3", "1"])).await;
    assert_eq!(t.recordings.len(), 1);
    step(&svc, "messages", &[]);
    assert!(store.run_sync(|db| db.messages(1)).unwrap()[0].read);

    // A sentence recorded by the practice, played by the next call.
    let wav = svc.dir.path().join("menu.wav");
    tone_wav(&wav);
    step(&svc, "voice", &[("KEY", "menu.main".into()), ("KEY2", "goodbye".into()), ("RECORDING", wav.to_string_lossy().into_owned())]);
    let recorded = std::fs::read(svc.config.paths.prompts.join("practices/1/goodbye.wav")).expect("the sentence recorded in the browser is in place");
    assert_eq!(&recorded[8..12], b"WAVE");
    assert!(recorded.len() > 8000, "about a second and a half at 8 kHz: {} bytes", recorded.len());
    let own = svc.config.paths.prompts.join("practices/1/menu.main.wav");
    let bytes = std::fs::read(&own).expect("the recording is in the practice's folder");
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(u32::from_le_bytes(bytes[24..28].try_into().unwrap()), 8000, "converted to the telephone's rate");
    let t = common::call(svc.running.addr, "0611223344", common::Patient::keys(&["4"])).await;
    assert!(played_files(&t).contains(&own.to_string_lossy().into_owned()), "the call played the practice's recording: {:?}", t.played);
    for page in ["agenda", "settings", "today", "messages", "voice"] {
        assert!(shots().join(format!("{page}.png")).exists(), "{page}.png");
    }
}
