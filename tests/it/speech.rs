//! Speech recognition with the model `make model` makes: a known English clip
//! (espeak-ng's English is transcribed exactly by Whisper base) proves the
//! plumbing; messages are transcribed in the background and flagged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use standardiste::speech::recognition::{Decoding, RecognitionError, Recognizer, read_wav_16k};
use standardiste::speech::transcription::{Job, Target, TranscriptionPool};
use standardiste::store::Store;

use crate::common;

/// One recognition at a time, as in the service (one transcription worker):
/// three at once on two cores would blow the short answer's time limit.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.blocking_lock()
}

fn model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-base.bin")
}

fn english_clip(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let status = std::process::Command::new("espeak-ng").args(["-v", "en", "-w"]).arg(&path).arg(text).status().unwrap();
    assert!(status.success());
    path
}

fn words(text: &str) -> String {
    standardiste::words::intent::normalize(text)
}

/// A store with one practice and one message of `said` (an English clip),
/// left without a transcript: (store, practice, message, clip).
fn store_with_message(dir: &Path, said: &str) -> (Store, i64, i64, PathBuf) {
    let store = Store::open(&dir.join("m.sqlite")).unwrap();
    let p = store.run_sync(|db| db.create_practice("Cabinet du Test", "", chrono_tz::Europe::Paris)).unwrap();
    let clip = english_clip(dir, "msg.wav", said);
    let id = store.run_sync(|db| db.save_message(p, Some("+33611111111"), chrono::Utc::now(), clip.to_str().unwrap(), 3.0, false)).unwrap();
    (store, p, id, clip)
}

/// The message once it has its transcript (two minutes at most).
fn transcribed(store: &Store, practice: i64, id: i64) -> standardiste::store::MessageRow {
    let started = std::time::Instant::now();
    loop {
        if let Some(m) = store.run_sync(|db| db.messages(practice)).unwrap().into_iter().find(|m| m.id == id && m.transcript.is_some()) {
            return m;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no transcript");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_known_english_clip_is_transcribed_exactly() {
    let _one = serial();
    let dir = tempfile::tempdir().unwrap();
    let said = "Hello, I would like to book an appointment with the doctor tomorrow morning.";
    let clip = english_clip(dir.path(), "hello.wav", said);
    let r = Recognizer::load(&model(), 2).expect("the model made by `make model`");
    let samples = read_wav_16k(&clip).unwrap();
    assert!((samples.len() as f64 / 16000.0) > 2.0);
    let heard = r.transcribe(&samples, &Decoding::message("en")).unwrap();
    assert_eq!(words(&heard), words(said), "heard: {heard}");
    // A short answer, decoded as the menu would.
    let clip = english_clip(dir.path(), "short.wav", "Cancel my appointment.");
    let heard = r.transcribe(&read_wav_16k(&clip).unwrap(), &Decoding::short_answer("en", "appointment, cancel, message, hours")).unwrap();
    assert_eq!(words(&heard), "cancel my appointment", "heard: {heard}");
}

#[test]
fn messages_are_transcribed_in_the_background_and_flagged_urgent() {
    let _one = serial();
    let dir = tempfile::tempdir().unwrap();
    let (store, p, id, clip) = store_with_message(dir.path(), "This is an emergency, please call me back.");
    let pool = TranscriptionPool::start(Recognizer::load(&model(), 2).unwrap(), store.clone(), "en".into(), std::sync::Arc::new(|| false));
    assert!(pool.submit(Job { target: Target::Message(id), audio: clip }));
    let m = transcribed(&store, p, id);
    let t = m.transcript.unwrap();
    assert_eq!(words(&t), "this is an emergency please call me back", "{t}");
    assert!(m.urgent, "emergency words flag the message");
}

#[test]
fn a_decode_stops_when_told_or_past_its_time_limit() {
    let _one = serial();
    let dir = tempfile::tempdir().unwrap();
    let clip = english_clip(dir.path(), "stop.wav", "Please call me back this afternoon.");
    let samples = read_wav_16k(&clip).unwrap();
    let r = Recognizer::load(&model(), 2).unwrap();
    let e = r.transcribe_unless(&samples, &Decoding::message("en"), &|| true).unwrap_err();
    assert!(matches!(e, RecognitionError::Interrupted), "{e}");
    let e = r.transcribe(&samples, &Decoding { time_limit: Duration::ZERO, ..Decoding::message("en") }).unwrap_err();
    assert!(e.to_string().contains("time limit"), "{e}");
    // Nothing stops it: the words.
    let heard = r.transcribe_unless(&samples, &Decoding::message("en"), &|| false).unwrap();
    assert_eq!(words(&heard), "please call me back this afternoon", "{heard}");
}

#[test]
fn a_transcription_interrupted_by_calls_is_done_once_they_are_gone() {
    let _one = serial();
    let dir = tempfile::tempdir().unwrap();
    let (store, p, id, clip) = store_with_message(dir.path(), "Please call me back this afternoon.");
    // Quiet when the job starts (first look), busy from the decoder's first
    // look at it until the worker has waited twice, quiet again after.
    let looks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let busy = {
        let looks = looks.clone();
        std::sync::Arc::new(move || (2..=4).contains(&(looks.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1)))
    };
    let pool = TranscriptionPool::start(Recognizer::load(&model(), 2).unwrap(), store.clone(), "en".into(), busy);
    assert!(pool.submit(Job { target: Target::Message(id), audio: clip }));
    let transcript = transcribed(&store, p, id).transcript.unwrap();
    assert_eq!(words(&transcript), "please call me back this afternoon", "{transcript}");
    assert!(looks.load(std::sync::atomic::Ordering::SeqCst) > 4, "the worker looked again after the busy spell");
}

#[test]
fn recordings_left_without_text_are_found_in_the_store_and_transcribed() {
    let _one = serial();
    let dir = tempfile::tempdir().unwrap();
    // Left while the queue was full, or before a restart: never submitted.
    let (store, p, id, clip) = store_with_message(dir.path(), "Please call me back this afternoon.");
    let missing = store.run_sync(|db| db.save_message(p, None, chrono::Utc::now(), "/nonexistent/gone.wav", 3.0, false)).unwrap();
    assert_eq!(
        store.run_sync(|db| db.untranscribed((0, 0), 10)).unwrap().0,
        vec![(id, clip.to_string_lossy().into_owned()), (missing, "/nonexistent/gone.wav".into())]
    );
    let _pool = TranscriptionPool::start(Recognizer::load(&model(), 2).unwrap(), store.clone(), "en".into(), std::sync::Arc::new(|| false));
    let transcript = transcribed(&store, p, id).transcript.unwrap();
    assert_eq!(words(&transcript), "please call me back this afternoon", "{transcript}");
    // The one whose audio is gone keeps no text, and is still listed.
    assert_eq!(store.run_sync(|db| db.untranscribed((0, 0), 10)).unwrap().0, vec![(missing, "/nonexistent/gone.wav".into())]);
}

#[test]
fn a_file_that_is_not_a_wav_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.wav");
    std::fs::write(&f, b"hello").unwrap();
    let e = read_wav_16k(&f).unwrap_err();
    assert!(e.to_string().contains("RIFF"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_left_on_the_phone_gets_its_transcript() {
    let _one = SERIAL.lock().await;
    let svc = common::start(|c| c.speech.model = model()).await;
    let said = english_clip(svc.dir.path(), "said.wav", "Please call me back about my prescription.");
    let patient = common::Patient { voice: Some(said), ..common::Patient::keys(&["3", "1"]) };
    let t = common::call(svc.running.addr, "0611223344", patient).await;
    assert_eq!(t.recordings.len(), 1);
    let started = std::time::Instant::now();
    loop {
        let m = svc.running.store.run_sync(|db| db.messages(1)).unwrap();
        if let Some(text) = m.first().and_then(|m| m.transcript.clone()) {
            assert_eq!(words(&text), "please call me back about my prescription", "{text}");
            assert!(!m[0].urgent);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no transcript");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_says_what_they_want_is_read_back_and_confirms_by_key() {
    let _one = SERIAL.lock().await;
    let svc = common::start(|c| {
        c.speech.model = model();
        c.speech.language = standardiste::words::catalogue::Lang::En;
        c.speech.voice = "en".into();
    })
    .await;
    let said = english_clip(svc.dir.path(), "answer.wav", "Cancel my appointment.");
    // Silent at the menu, then says it, then confirms with 1.
    let patient = common::Patient { voice: Some(said), ..common::Patient::keys(&["", "1"]) };
    let t = common::call(svc.running.addr, "0611223344", patient).await;
    assert_eq!(t.recordings.len(), 1, "the spoken answer was recorded");
    let voice = standardiste::speech::Voice::new("espeak-ng", "en", 150, svc.config.paths.prompts.clone());
    let readback = voice.path_for("cancelling or moving an appointment.").to_string_lossy().into_owned();
    assert!(t.played.contains(&readback), "the choice was read back: {:?}", t.played);
    let none = voice.path_for("I find no upcoming appointment for your number.").to_string_lossy().into_owned();
    assert!(t.played.contains(&none), "key 1 confirmed it: the appointments were looked up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_name_said_at_booking_becomes_the_patient_name() {
    let _one = SERIAL.lock().await;
    let svc = common::start(|c| c.speech.model = model()).await;
    let said = english_clip(svc.dir.path(), "name.wav", "Mary Brown.");
    // menu 1, doctor 1, slot 1, (name), confirm 1
    let patient = common::Patient { voice: Some(said), ..common::Patient::keys(&["1", "1", "1", "1"]) };
    common::call(svc.running.addr, "0611223344", patient).await;
    let started = std::time::Instant::now();
    loop {
        let mine = svc.running.store.run_sync(|db| db.future_appointments(1, "+33611223344", chrono::Utc::now())).unwrap();
        assert_eq!(mine.len(), 1);
        if !mine[0].patient_name.is_empty() {
            assert_eq!(words(&mine[0].patient_name), "mary brown");
            let names = svc.running.store.run_sync(|db| db.patient_names(1, "+33611223344")).unwrap();
            assert_eq!(names.len(), 1, "the number is now a known patient");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no name");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A name said at booking waits while any call is live (a name is never
/// urgent), and is transcribed once none is; a message left at the same
/// moment does not wait for the quiet (its words may make it urgent).
#[test]
fn names_said_at_booking_wait_for_the_quiet_while_messages_do_not() {
    use chrono::{Datelike, TimeZone};
    use standardiste::agenda::{Source, WeeklyRange};
    let _one = serial();
    let dir = tempfile::tempdir().unwrap();
    let (store, p, message, clip) = store_with_message(dir.path(), "Please call me back this afternoon.");
    let name_clip = english_clip(dir.path(), "name.wav", "My name is John Smith.");
    // Next Monday at 09:00, Paris time.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive();
    let monday = today + chrono::Duration::days(7 - today.weekday().num_days_from_monday() as i64);
    let start = chrono_tz::Europe::Paris.from_local_datetime(&monday.and_hms_opt(9, 0, 0).unwrap()).single().unwrap().with_timezone(&chrono::Utc);
    let appointment = store
        .run_sync(|db| {
            let d = db.add_doctor(p, "Docteur Test")?;
            db.set_working_hours(d, &[WeeklyRange::parse("lundi 08:00-12:00").unwrap()])?;
            db.set_booking_rules(d, Some(0), Some(60), None)?;
            let t = db.add_type(d, "consultation", 20, true, true)?;
            let request = standardiste::store::BookingRequest {
                doctor_id: d,
                type_id: t,
                start,
                patient_name: String::new(),
                phone: Some("+33622222222".into()),
                name_recording: Some(name_clip.to_string_lossy().into_owned()),
                source: Source::Phone,
                now: chrono::Utc::now(),
            };
            Ok(db.book(&request)?.expect("the slot is free"))
        })
        .unwrap();
    let live = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let calls_live = {
        let live = live.clone();
        std::sync::Arc::new(move || live.load(std::sync::atomic::Ordering::SeqCst))
    };
    let pool = TranscriptionPool::start_with(Recognizer::load(&model(), 2).unwrap(), store.clone(), "en".into(), std::sync::Arc::new(|| false), calls_live);
    assert!(pool.submit(Job { target: Target::AppointmentName(appointment.id), audio: name_clip }));
    assert!(pool.submit(Job { target: Target::Message(message), audio: clip }));
    // The message, submitted after the name, is transcribed while the call is live…
    let transcript = transcribed(&store, p, message).transcript.unwrap();
    assert_eq!(words(&transcript), "please call me back this afternoon", "{transcript}");
    // …and the name has waited (the worker looks every half second).
    std::thread::sleep(Duration::from_secs(2));
    let name = |store: &Store| store.run_sync(|db| db.appointment(appointment.id)).unwrap().patient_name;
    assert_eq!(name(&store), "", "a name is not transcribed while a call is live");
    live.store(false, std::sync::atomic::Ordering::SeqCst);
    let started = std::time::Instant::now();
    while name(&store).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(120), "the name was not transcribed once the calls were gone");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(words(&name(&store)).contains("smith"), "{}", name(&store));
}

/// With `[speech] render_ahead_days`, the service renders on its own, after
/// it starts, the words of the first free slots' offer: the first caller
/// offered them waits for no rendering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_slots_offer_is_rendered_before_anyone_calls() {
    let svc = common::start(|c| c.speech.render_ahead_days = 7).await;
    let store = svc.running.store.clone();
    let now = chrono::Utc::now();
    let (starts, tz) = store
        .run_sync(|db| {
            let snap = db.snapshot(db.practice_ids()?[0])?;
            let ty = snap.types.iter().find(|t| t.phone_bookable).expect("a type bookable by phone").clone();
            Ok((db.free_slots(ty.doctor_id, ty.id, now, None, 3)?.into_iter().map(|s| s.start).collect::<Vec<_>>(), snap.practice.timezone))
        })
        .unwrap();
    let voice = standardiste::speech::Voice::new("espeak-ng", "fr", 150, svc.config.paths.prompts.clone());
    let offer = standardiste::words::prompts::offer_slots(standardiste::words::catalogue::Lang::Fr, &starts, tz, now);
    let files = voice.files_for(&offer);
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while !files.iter().all(|f| f.exists()) {
        assert!(std::time::Instant::now() < deadline, "not rendered ahead: {:?}", files.iter().filter(|f| !f.exists()).collect::<Vec<_>>());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
