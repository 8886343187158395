//! The store: migrations, bookings under contention, cancel and move, the
//! demo practice, export/import round trips.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use standardiste::agenda::{Source, WeeklyRange};
use standardiste::store::BookError;
use standardiste::store::PracticeField;
use standardiste::store::{BookingRequest, Store, demo};

fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Paris.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
}

/// A practice with one doctor working every weekday 08:00-12:00, 20-minute consultations.
fn practice(store: &Store) -> (i64, i64, i64) {
    store
        .run_sync(|db| {
            let p = db.create_practice("Cabinet du Test", "1 place du Marché", Paris)?;
            db.add_did(p, "2000")?;
            let d = db.add_doctor(p, "Docteur Test")?;
            let ranges: Vec<WeeklyRange> =
                ["lundi", "mardi", "mercredi", "jeudi", "vendredi"].iter().map(|day| WeeklyRange::parse(&format!("{day} 08:00-12:00")).unwrap()).collect();
            db.set_working_hours(d, &ranges)?;
            db.set_booking_rules(d, Some(0), Some(60), None)?;
            let t = db.add_type(d, "consultation", 20, true, true)?;
            Ok((p, d, t))
        })
        .unwrap()
}

fn request(d: i64, t: i64, start: DateTime<Utc>, phone: &str, now: DateTime<Utc>) -> BookingRequest {
    BookingRequest { doctor_id: d, type_id: t, start, patient_name: String::new(), phone: Some(phone.into()), name_recording: None, source: Source::Phone, now }
}

#[test]
fn migrates_an_empty_file_and_reopens_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.run_sync(|db| db.schema_version()).unwrap(), standardiste::store::schema::CURRENT_VERSION);
        practice(&store);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.run_sync(|db| db.schema_version()).unwrap(), standardiste::store::schema::CURRENT_VERSION);
    assert_eq!(store.run_sync(|db| db.practice_names()).unwrap(), vec!["Cabinet du Test".to_string()]);
    let snap = store.run_sync(|db| db.snapshot_by_did("2000")).unwrap().expect("found by its number");
    assert_eq!(snap.doctors.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_callers_racing_for_one_slot_get_one_booking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.sqlite");
    let first = Store::open(&path).unwrap();
    let (_, d, t) = practice(&first);
    let now = paris(2026, 11, 20, 12, 0);
    let slot = paris(2026, 11, 23, 9, 0);
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let mut tasks = Vec::new();
    for i in 0..100 {
        // Each task its own connection: the guarantee must come from SQLite, not from a mutex of ours.
        let store = Store::open(&path).unwrap();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let req = request(d, t, slot, &format!("+336{:08}", i), now);
            barrier.wait().await;
            store.run(move |db| db.book(&req)).await.unwrap()
        }));
    }
    let mut booked = 0;
    let mut taken = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => booked += 1,
            Err(BookError::SlotTaken) => taken += 1,
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!((booked, taken), (1, 99));
    let slots = first.run_sync(|db| db.free_slots(d, t, now, None, 1)).unwrap();
    assert_eq!(slots[0].start, paris(2026, 11, 23, 8, 0));
    let after = first.run_sync(|db| db.free_slots(d, t, now, Some(paris(2026, 11, 23, 8, 41)), 1)).unwrap();
    assert_eq!(after[0].start, paris(2026, 11, 23, 9, 20), "the booked slot is no longer offered");
}

#[test]
fn overlapping_bookings_of_different_lengths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("o.sqlite")).unwrap();
    let (_, d, t) = practice(&store);
    let now = paris(2026, 11, 20, 12, 0);
    let long = store.run_sync(|db| db.add_type(d, "long", 40, false, true)).unwrap();
    // Staff books 09:00-09:40; a phone booking at 09:20 overlaps it.
    let staff = BookingRequest { source: Source::Staff, ..request(d, long, paris(2026, 11, 23, 9, 0), "+33611111111", now) };
    assert!(store.run_sync(|db| db.book(&staff)).unwrap().is_ok());
    let phone = request(d, t, paris(2026, 11, 23, 9, 20), "+33622222222", now);
    assert_eq!(store.run_sync(|db| db.book(&phone)).unwrap().unwrap_err(), BookError::SlotTaken);
    // A type that is not bookable by phone is refused on the phone.
    let by_phone = request(d, long, paris(2026, 11, 24, 9, 0), "+33622222222", now);
    assert!(matches!(store.run_sync(|db| db.book(&by_phone)).unwrap(), Err(BookError::NotBookable(_))));
    // Outside working hours: refused on the phone.
    let evening = request(d, t, paris(2026, 11, 24, 19, 0), "+33622222222", now);
    assert!(matches!(store.run_sync(|db| db.book(&evening)).unwrap(), Err(BookError::NotBookable(_))));
}

#[test]
fn cancel_frees_the_slot_and_move_is_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("m.sqlite")).unwrap();
    let (p, d, t) = practice(&store);
    let now = paris(2026, 11, 20, 12, 0);
    let me = "+33633333333";
    let a = store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 23, 8, 0), me, now))).unwrap().unwrap();
    let other = store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 23, 8, 20), "+33644444444", now))).unwrap().unwrap();
    // Moving onto a taken slot changes nothing.
    let refused = store.run_sync(|db| db.move_appointment(a.id, Some(me), other.start, now)).unwrap();
    assert_eq!(refused.unwrap_err(), BookError::SlotTaken);
    assert_eq!(store.run_sync(|db| db.appointment(a.id)).unwrap().start, a.start, "the old slot is kept");
    // Moving to a free slot frees the old one.
    let moved = store.run_sync(|db| db.move_appointment(a.id, Some(me), paris(2026, 11, 23, 10, 0), now)).unwrap().unwrap();
    assert_eq!(moved.start, paris(2026, 11, 23, 10, 0));
    let first = store.run_sync(|db| db.free_slots(d, t, now, None, 1)).unwrap();
    assert_eq!(first[0].start, paris(2026, 11, 23, 8, 0));
    // Someone else cannot cancel my appointment; I can.
    assert!(!store.run_sync(|db| db.cancel(a.id, Some("+33699999999"))).unwrap());
    assert!(store.run_sync(|db| db.cancel(a.id, Some(me))).unwrap());
    assert!(store.run_sync(|db| db.future_appointments(p, me, now)).unwrap().is_empty());
    let again = store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 23, 10, 0), "+33655555555", now))).unwrap();
    assert!(again.is_ok(), "the cancelled slot can be booked again");
}

#[test]
fn a_phone_number_holds_at_most_the_practice_cap() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let (p, d, t) = practice(&store);
    store.run_sync(|db| db.set_practice_field(p, PracticeField::MaxFuturePerPhone, Some("2"))).unwrap();
    let now = paris(2026, 11, 20, 12, 0);
    let me = "+33666666666";
    for h in [8, 9] {
        assert!(store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 23, h, 0), me, now))).unwrap().is_ok());
    }
    let third = store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 23, 10, 0), me, now))).unwrap();
    assert_eq!(third.unwrap_err(), BookError::TooManyFuture { max: 2 });
}

#[test]
fn bad_input_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.sqlite")).unwrap();
    let (p, d, _) = practice(&store);
    let overlapping = vec![WeeklyRange::parse("lundi 08:00-12:00").unwrap(), WeeklyRange::parse("lundi 11:00-13:00").unwrap()];
    let e = store.run_sync(|db| db.set_working_hours(d, &overlapping)).unwrap_err();
    assert!(e.to_string().starts_with("working_hours:"), "{e}");
    let e = store.run_sync(|db| db.add_type(d, "bizarre", 7, true, true)).unwrap_err();
    assert!(e.to_string().starts_with("duration:"), "{e}");
    let e = store.run_sync(|db| db.add_did(p, "06 12")).unwrap_err();
    assert!(e.to_string().starts_with("did:"), "{e}");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let e = store.run_sync(|db| db.add_absence(d, start, start - Duration::hours(1), "x")).unwrap_err();
    assert!(e.to_string().starts_with("end:"), "{e}");
    let e = store.run_sync(|db| db.doctor_id(p, "Docteur Personne")).unwrap_err();
    assert!(e.to_string().contains("Docteur Personne"), "{e}");
}

#[test]
fn export_import_export_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(&dir.path().join("a.sqlite")).unwrap();
    a.run_sync(|db| demo::seed(db, paris(2026, 11, 22, 10, 0))).unwrap();
    a.run_sync(|db| {
        let p = db.practice_id(demo::DEMO_PRACTICE)?;
        db.add_holiday(
            p,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2027, 1, 2).unwrap(),
            "Le cabinet est fermé jusqu'au 2 janvier.",
        )?;
        let d = db.doctor_id(p, "Docteur Paul Bernard")?;
        let s = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        db.add_absence(d, s, s + Duration::days(2), "formation")?;
        Ok(())
    })
    .unwrap();
    let first = a.run_sync(|db| db.export_practice(demo::DEMO_PRACTICE)).unwrap();
    assert!(first.doctors.iter().map(|d| d.appointments.len()).sum::<usize>() >= 4);
    let b = Store::open(&dir.path().join("b.sqlite")).unwrap();
    b.run_sync(|db| db.import_practice(&first)).unwrap();
    let second = b.run_sync(|db| db.export_practice(demo::DEMO_PRACTICE)).unwrap();
    assert_eq!(serde_json::to_string_pretty(&first).unwrap(), serde_json::to_string_pretty(&second).unwrap());
    // Importing twice is refused, and nothing half-done stays behind.
    let e = b.run_sync(|db| db.import_practice(&first)).unwrap_err();
    assert!(e.to_string().starts_with("name:"), "{e}");
    assert_eq!(b.run_sync(|db| db.practice_names()).unwrap().len(), 1);
}

#[test]
fn the_demo_practice_answers_at_1000() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("d.sqlite")).unwrap();
    let now = paris(2026, 11, 22, 10, 0);
    store.run_sync(|db| demo::seed(db, now)).unwrap();
    let snap = store.run_sync(|db| db.snapshot_by_did("1000")).unwrap().unwrap();
    assert_eq!(snap.practice.name, "Cabinet médical des Tilleuls");
    assert_eq!(snap.doctors.len(), 2);
    assert!(snap.types.iter().filter(|t| t.phone_bookable).count() >= 3);
    let rules = store.run_sync(|db| db.caller_rules(snap.practice.id)).unwrap();
    assert!(rules.iter().any(|r| r.kind == standardiste::agenda::CallerKind::Allowed));
    let appts = store.run_sync(|db| db.appointments(snap.practice.id, now, now + Duration::days(14))).unwrap();
    assert!(appts.len() >= 4);
    // Seeding again changes nothing.
    store.run_sync(|db| demo::seed(db, now)).unwrap();
    assert_eq!(store.run_sync(|db| db.practice_names()).unwrap().len(), 1);
}

#[test]
fn a_transcript_with_signs_of_emergency_flags_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite")).unwrap();
    let (p, _, _) = practice(&store);
    let now = paris(2026, 11, 23, 9, 0);
    let calm = store.run_sync(|db| db.save_message(p, Some("+33611111111"), now, "/r/a.wav", 5.0, false)).unwrap();
    let alarming = store.run_sync(|db| db.save_message(p, None, now, "/r/b.wav", 7.0, false)).unwrap();
    assert!(
        !store
            .run_sync(|db| db.set_transcript(
                calm,
                "Je voudrais renouveler mon ordonnance.",
                standardiste::words::intent::is_urgent("Je voudrais renouveler mon ordonnance.")
            ))
            .unwrap()
    );
    assert!(
        store
            .run_sync(|db| db.set_transcript(
                alarming,
                "Mon père a une douleur dans la poitrine, rappelez vite.",
                standardiste::words::intent::is_urgent("Mon père a une douleur dans la poitrine, rappelez vite.")
            ))
            .unwrap()
    );
    let messages = store.run_sync(|db| db.messages(p)).unwrap();
    let get = |id: i64| messages.iter().find(|m| m.id == id).unwrap().clone();
    assert!(!get(calm).urgent);
    assert!(get(alarming).urgent);
    assert_eq!(get(calm).transcript.as_deref(), Some("Je voudrais renouveler mon ordonnance."));
    assert!(store.run_sync(|db| db.set_transcript(9999, "x", standardiste::words::intent::is_urgent("x"))).is_err());
}

#[test]
fn recordings_without_text_are_listed_until_they_have_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("u.sqlite")).unwrap();
    let (p, d, t) = practice(&store);
    let now = paris(2026, 11, 20, 12, 0);
    let m = store.run_sync(|db| db.save_message(p, None, now, "/r/m.wav", 4.0, false)).unwrap();
    let named = |start, phone: &str, audio: &str| BookingRequest { name_recording: Some(audio.into()), ..request(d, t, start, phone, now) };
    let a = store.run_sync(|db| db.book(&named(paris(2026, 11, 23, 8, 0), "+33611111111", "/r/a.wav"))).unwrap().unwrap();
    let b = store.run_sync(|db| db.book(&named(paris(2026, 11, 23, 8, 20), "+33622222222", "/r/b.wav"))).unwrap().unwrap();
    let c = store.run_sync(|db| db.book(&named(paris(2026, 11, 23, 8, 40), "+33633333333", "/r/c.wav"))).unwrap().unwrap();
    store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 23, 9, 0), "+33644444444", now))).unwrap().unwrap();
    let (messages, names) = store.run_sync(|db| db.untranscribed((0, 0), 10)).unwrap();
    assert_eq!(messages, vec![(m, "/r/m.wav".to_string())]);
    assert_eq!(names, vec![(a.id, "/r/a.wav".to_string()), (b.id, "/r/b.wav".to_string()), (c.id, "/r/c.wav".to_string())]);
    // Paged: after the last ids seen, and `limit` of each kind.
    assert_eq!(store.run_sync(|db| db.untranscribed((m, a.id), 1)).unwrap(), (vec![], vec![(b.id, "/r/b.wav".to_string())]));
    // A transcript, a name, a cancellation: no longer listed.
    store.run_sync(|db| db.set_transcript(m, "", standardiste::words::intent::is_urgent(""))).unwrap();
    store.run_sync(|db| db.set_patient_name(a.id, "Mme Durand")).unwrap();
    assert!(store.run_sync(|db| db.cancel(b.id, Some("+33622222222"))).unwrap());
    let (messages, names) = store.run_sync(|db| db.untranscribed((0, 0), 10)).unwrap();
    assert!(messages.is_empty());
    assert_eq!(names, vec![(c.id, "/r/c.wav".to_string())]);
    assert_eq!(store.run_sync(|db| db.untranscribed((0, 0), 0)).unwrap(), (vec![], vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_job_that_panics_fails_alone_and_the_bookings_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("panic.sqlite")).unwrap();
    let (_, d, t) = practice(&store);
    // More panics than the store has threads, one of them inside an open transaction.
    for i in 0..5 {
        let r = store
            .run(move |db| -> Result<(), standardiste::store::StoreError> {
                if i == 0 {
                    let now = paris(2026, 11, 20, 12, 0);
                    db.book(&request(d, t, paris(2026, 11, 23, 9, 0), "0611223344", now))?.expect("books");
                }
                panic!("a bug in job {i}");
            })
            .await;
        assert!(r.is_err(), "the caller is told");
    }
    // Every thread still serves; the first job's booking was its own transaction, kept.
    let now = paris(2026, 11, 20, 12, 0);
    for (h, phone) in [(10, "0622334455"), (11, "0633445566"), (9, "0644556677")] {
        let start = paris(2026, 11, 24, h, 0);
        let booked = store.run(move |db| db.book(&request(d, t, start, phone, now))).await.unwrap();
        assert!(booked.is_ok(), "{booked:?}");
    }
}

#[test]
fn the_last_booking_of_a_number_names_its_doctor_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("l.sqlite")).unwrap();
    let (p, d, t) = practice(&store);
    let now = paris(2026, 11, 20, 12, 0);
    let long = store.run_sync(|db| db.add_type(d, "long", 40, true, true)).unwrap();
    assert_eq!(store.run_sync(|db| db.last_booked(p, "+33611111111")).unwrap(), None);
    store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 23, 9, 0), "+33611111111", now))).unwrap().unwrap();
    store.run_sync(|db| db.book(&request(d, long, paris(2026, 11, 24, 8, 0), "+33611111111", now + chrono::Duration::minutes(1)))).unwrap().unwrap();
    store.run_sync(|db| db.book(&request(d, t, paris(2026, 11, 25, 9, 0), "+33622222222", now + chrono::Duration::minutes(2)))).unwrap().unwrap();
    assert_eq!(store.run_sync(|db| db.last_booked(p, "+33611111111")).unwrap(), Some((d, long)));
}

#[test]
fn a_call_back_is_claimed_once_and_a_claim_lapses_after_five_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("cb.sqlite")).unwrap();
    let (p, _, _) = practice(&store);
    let now = Utc::now();
    let limits = standardiste::store::CallbackLimits { per_number: 10, per_practice: 10 };
    let id = store.run_sync(move |db| db.request_callback(p, "+33611111111", "rappel", false, now, limits)).unwrap().unwrap();
    assert!(store.run_sync(move |db| db.claim_callback(id, "ana", now)).unwrap());
    assert!(!store.run_sync(move |db| db.claim_callback(id, "bea", now + Duration::minutes(4))).unwrap(), "ana's call back is under way");
    // A claim that never reported (the service stopped while it rang) lapses.
    assert!(store.run_sync(move |db| db.claim_callback(id, "bea", now + Duration::minutes(6))).unwrap());
    // Nobody answered: still to do, counted, nobody's.
    store.run_sync(move |db| db.callback_attempt(id, "bea", now, false, "pas de réponse")).unwrap();
    let cb = store.run_sync(move |db| db.callback(id)).unwrap();
    assert_eq!((cb.placed_at, cb.attempts, cb.claimed_by.as_deref(), cb.outcome.as_deref()), (None, 1, None, Some("pas de réponse")));
    // Released by its claimant only; answered, it is done and no one claims it.
    assert!(store.run_sync(move |db| db.claim_callback(id, "ana", now)).unwrap());
    store.run_sync(move |db| db.release_callback(id, "bea")).unwrap();
    assert_eq!(store.run_sync(move |db| db.callback(id)).unwrap().claimed_by.as_deref(), Some("ana"));
    store.run_sync(move |db| db.release_callback(id, "ana")).unwrap();
    assert_eq!(store.run_sync(move |db| db.callback(id)).unwrap().claimed_by, None);
    assert!(store.run_sync(move |db| db.claim_callback(id, "ana", now)).unwrap());
    store.run_sync(move |db| db.callback_attempt(id, "ana", now, true, "answered")).unwrap();
    let cb = store.run_sync(move |db| db.callback(id)).unwrap();
    assert_eq!((cb.placed_at.is_some(), cb.attempts, cb.placed_by.as_deref()), (true, 2, Some("ana")));
    assert!(!store.run_sync(move |db| db.claim_callback(id, "bea", now + Duration::hours(1))).unwrap(), "done: nothing to claim");
}

/// A cancellation racing a move of the same appointment (the caller on the
/// phone, a secretary in the console): whichever wins, no appointment block
/// is left to an appointment that is not booked (the move checks, inside its
/// transaction, that the appointment is still booked).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_racing_a_move_leaves_no_orphan_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.sqlite");
    let store = Store::open(&path).unwrap();
    let (_, d, t) = practice(&store);
    let now = paris(2026, 11, 20, 12, 0);
    let slots = store.run_sync(move |db| db.free_slots(d, t, now, None, 40)).unwrap();
    let (mut cancelled_first, mut moved_first) = (0, 0);
    for round in 0..150 {
        let phone = format!("+336{round:08}");
        let a = store.run_sync({
            let phone = phone.clone();
            let start = slots[round % 20].start;
            move |db| db.book(&request(d, t, start, &phone, now))
        });
        let Ok(Ok(a)) = a else { continue };
        let to = slots[20 + round % 20].start;
        let (id, p1, p2) = (a.id, phone.clone(), phone.clone());
        let (s1, s2) = (store.clone(), store.clone());
        let cancel = tokio::spawn(async move { s1.run(move |db| db.cancel(id, Some(&p1))).await });
        let mv = tokio::spawn(async move { s2.run(move |db| db.move_appointment(id, Some(&p2), to, now)).await });
        let cancelled = cancel.await.unwrap().unwrap();
        let moved = matches!(mv.await.unwrap(), Ok(Ok(_)));
        if cancelled && !moved {
            cancelled_first += 1;
        } else if moved {
            moved_first += 1;
        }
        let orphans: i64 = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM appointment_blocks b LEFT JOIN appointments a ON a.id = b.appointment_id WHERE a.id IS NULL OR a.status <> 'booked'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0, "round {round}: cancelled {cancelled}, moved {moved}");
        // Free the slot for the next rounds.
        let (p3, s3) = (phone.clone(), store.clone());
        s3.run(move |db| db.cancel(id, Some(&p3))).await.unwrap();
    }
    assert!(cancelled_first + moved_first > 100, "the races ran: {cancelled_first} cancelled first, {moved_first} moved");
}

#[test]
fn a_search_past_a_full_fortnight_finds_what_the_whole_horizon_holds() {
    // The search reads the agenda a week at a time: every slot of the next
    // sixteen days is taken, and a subscribed calendar's event runs across
    // the end of the first week read into the first free morning.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    let (_, d, t) = practice(&store);
    let now = paris(2026, 11, 23, 7, 0);
    let full_until = paris(2026, 12, 9, 0, 0);
    let taken = store.run_sync(move |db| db.free_slots(d, t, now, None, 500)).unwrap();
    let taken: Vec<_> = taken.into_iter().filter(|s| s.start < full_until).collect();
    assert_eq!(taken.len(), 12 * 12, "twelve working days of twelve slots");
    store
        .run_sync(move |db| {
            for s in &taken {
                let req = BookingRequest { phone: None, source: Source::Staff, ..request(d, t, s.start, "", now) };
                db.book(&req)?.unwrap();
            }
            let sub = db.add_subscription(d, "https://calendrier.example/dr.ics")?;
            db.replace_busy(sub, &[(paris(2026, 11, 28, 9, 0), paris(2026, 12, 9, 8, 40))], now)
        })
        .unwrap();
    let got: Vec<_> = store.run_sync(move |db| db.free_slots(d, t, now, None, 3)).unwrap().into_iter().map(|s| s.start).collect();
    assert_eq!(got, [paris(2026, 12, 9, 8, 40), paris(2026, 12, 9, 9, 0), paris(2026, 12, 9, 9, 20)]);
    // From the middle of the full days, and near the horizon's end.
    let later = store.run_sync(move |db| db.free_slots(d, t, now, Some(paris(2026, 12, 2, 10, 0)), 1)).unwrap();
    assert_eq!(later[0].start, paris(2026, 12, 9, 8, 40));
    let last = store.run_sync(move |db| db.free_slots(d, t, now, Some(paris(2027, 1, 20, 8, 0)), 40)).unwrap();
    assert!(!last.is_empty() && last.iter().all(|s| s.start <= now + Duration::days(60)), "{last:?}");
}
