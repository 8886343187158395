//! Abuse: what an attacker would try, each door shown shut over real TCP.
//! - a practice or a dial string holding FreeSWITCH's syntax (`${system(…)}`
//!   runs a shell command on the switch's host) is refused where it is
//!   written (command line, import), and stripped where it is used (rows
//!   written before the rule): the scripted switch shows the exact argument;
//! - only FreeSWITCH may hand a call over: a connection the switch does not
//!   know (forged caller ID, ringing the secretaries) gets `resume` and a
//!   close, nothing else.

use crate::common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::*;

const HOSTILE: &str = "Cabinet ${system(touch pwned)}";

fn raw_sql(svc: &TestService, sql: &str) {
    let conn = rusqlite::Connection::open(&svc.config.database.path).unwrap();
    conn.execute_batch(sql).unwrap();
}

async fn play(sw: SwitchCall, patient: Patient) -> Transcript {
    tokio::time::timeout(Duration::from_secs(60), sw.run(patient)).await.expect("call finishes in time").expect("switch side works")
}

fn every_argument(t: &Transcript) -> Vec<String> {
    t.commands.iter().map(|c| format!("{} {}", c.line, c.arg())).collect()
}

#[tokio::test]
async fn a_connection_the_switch_does_not_know_gets_resume_and_a_close() {
    let (svc, _board) = linked(|_| {}).await;
    // Not registered on the switchboard: no such channel on the switch.
    let sw = SwitchCall::dial(svc.running.addr, "0611223344", "1000").await.unwrap();
    let t = play(sw, Patient::keys(&["0"])).await;
    let lines: Vec<&str> = t.commands.iter().map(|c| c.line.as_str()).collect();
    assert_eq!(lines, ["resume"], "nothing but resume: {lines:?}");
    assert!(t.closed_by_service);
    assert_eq!(svc.running.counters.refused.load(std::sync::atomic::Ordering::Relaxed), 1);
    let calls = svc.running.store.run_sync(|db| db.calls(10)).unwrap();
    assert!(calls.is_empty(), "a forged connection is no call: {calls:?}");
}

#[tokio::test]
async fn a_connection_with_another_caller_than_the_switch_holds_gets_resume_and_a_close() {
    let (svc, board) = linked(|_| {}).await;
    let sw = SwitchCall::dial(svc.running.addr, "0611223344", "1000").await.unwrap();
    // The switch has this channel, but for another caller: the caller ID was forged.
    board.register_call(&sw.uuid, "0699887766");
    let t = play(sw, Patient::keys(&["0"])).await;
    let lines: Vec<&str> = t.commands.iter().map(|c| c.line.as_str()).collect();
    assert_eq!(lines, ["resume"], "{lines:?}");
}

#[tokio::test]
async fn a_call_the_switch_knows_is_taken() {
    let (svc, board) = linked(|_| {}).await;
    let sw = SwitchCall::dial(svc.running.addr, "0611223344", "1000").await.unwrap().with_board(board);
    let t = play(sw, Patient::keys(&["4"])).await;
    assert!(t.apps().contains(&"answer".to_string()), "{:?}", t.apps());
    assert_eq!(svc.running.counters.refused.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_hostile_practice_name_reaches_the_switch_stripped() {
    let svc = start(|_| {}).await;
    // A row written before the rule, or by hand: the store no longer takes it.
    raw_sql(&svc, &format!("UPDATE practices SET name = '{HOSTILE}' WHERE id = 1; UPDATE practices SET secretaries = NULL WHERE id = 1;"));
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["0"])).await;
    assert_eq!(t.vars.get("standardiste_practice").map(String::as_str), Some("Cabinet system(touch pwned)"), "{:?}", t.vars);
    for arg in every_argument(&t) {
        assert!(!arg.contains("${") && !arg.contains("$${"), "no expansion reaches the switch: {arg}");
    }
    assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"));
}

#[tokio::test]
async fn a_hostile_dial_string_is_never_dialled() {
    let svc = start(|_| {}).await;
    let allowed = svc.running.store.run_sync(|db| Ok(db.caller_rules(1)?.into_iter().find(|r| r.kind == standardiste::agenda::CallerKind::Allowed))).unwrap();
    let allowed = allowed.expect("the demo practice has an allowed correspondent");
    // With the demo's own dial strings, the doctor is dialled…
    let t = call(svc.running.addr, &allowed.phone, Patient::keys(&["1", "", "", ""])).await;
    assert!(t.apps().contains(&"bridge".to_string()), "the allowed caller is put through: {:?}", t.apps());
    // …with hostile ones (rows written before the rule), nothing is.
    raw_sql(
        &svc,
        "UPDATE practices SET practice_phone = 'user/1010,loopback/${system(touch pwned)}' WHERE id = 1;
         UPDATE doctors SET dial = '{origination_caller_id_name=x}user/1011' WHERE practice_id = 1;",
    );
    let t = call(svc.running.addr, &allowed.phone, Patient::keys(&["1", "", "", ""])).await;
    assert!(!t.apps().contains(&"bridge".to_string()), "nothing dialled: {:?}", every_argument(&t));
    for arg in every_argument(&t) {
        assert!(!arg.contains("${"), "{arg}");
    }
}

fn cli(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_standardiste")).arg("--config").arg(config).args(args).output().unwrap()
}

#[test]
fn the_command_line_and_the_import_refuse_the_switch_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("s.toml");
    std::fs::write(
        &cfg,
        format!(
            "[freeswitch]\npassword = \"s3cret-test\"\n[database]\npath = \"{}\"\ndemo = false\n[paths]\nprompts = \"{}\"\nrecordings = \"{}\"\n",
            dir.path().join("db.sqlite").display(),
            dir.path().join("p").display(),
            dir.path().join("r").display()
        ),
    )
    .unwrap();
    let out = cli(&cfg, &["practice", "create", "--name", HOSTILE]);
    assert_eq!(out.status.code(), Some(65), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = cli(&cfg, &["practice", "list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "nothing was created");
    // The same through an import.
    assert!(cli(&cfg, &["practice", "create", "--name", "Cabinet du Port"]).status.success());
    let export = dir.path().join("port.json");
    assert!(cli(&cfg, &["export", "--practice", "Cabinet du Port", "--out", export.to_str().unwrap()]).status.success());
    let text = std::fs::read_to_string(&export).unwrap().replace("Cabinet du Port", HOSTILE);
    std::fs::write(&export, text).unwrap();
    let out = cli(&cfg, &["import", export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65), "{}", String::from_utf8_lossy(&out.stderr));
    // A dial string with variables, an extension with spaces, a doctor's name with a brace.
    let out = cli(&cfg, &["practice", "set", "--practice", "Cabinet du Port", "--field", "practice_phone", "--value", "{x=1}user/1010"]);
    assert_eq!(out.status.code(), Some(65));
    let out = cli(&cfg, &["practice", "set", "--practice", "Cabinet du Port", "--field", "secretaries", "--value", "secretariat XML public"]);
    assert_eq!(out.status.code(), Some(65));
    let out = cli(&cfg, &["doctor", "add", "--practice", "Cabinet du Port", "--name", "Docteur ${x}"]);
    assert_eq!(out.status.code(), Some(65));
    let out = cli(&cfg, &["secretary", "add", "ana", "--name", "Ana", "--dial", "user/1101|user/${system(id)}", "--serves", "Cabinet du Port"]);
    assert_eq!(out.status.code(), Some(65));
}

/// A practice served by one remote secretary, who is not logged in: a
/// caller handed over is offered a message or, for a number the practice
/// calls back, a call-back.
async fn nobody_logged_in(edit: impl FnOnce(&mut standardiste::config::Config)) -> (TestService, Arc<Switchboard>) {
    let (svc, board) = linked(edit).await;
    let s = standardiste::store::Secretary {
        id: "ana".into(),
        name: "Ana".into(),
        dial: "user/1101".into(),
        practices: vec![(1, standardiste::queue::Level::Primary)],
    };
    svc.running.store.run_sync(move |db| db.put_secretary(&s)).unwrap();
    (svc, board)
}

async fn dial_linked(svc: &TestService, board: &Arc<Switchboard>, caller: &str, keys: &[&str]) -> Transcript {
    let sw = SwitchCall::dial(svc.running.addr, caller, "1000").await.unwrap().with_board(board.clone());
    play(sw, Patient::keys(keys)).await
}

#[tokio::test]
async fn premium_short_and_international_numbers_are_never_called_back() {
    let (svc, board) = nobody_logged_in(|_| {}).await;
    for caller in ["+88213123456", "0899123456", "15", "+41446681800"] {
        // 0: the secretaries (nobody there), 2: "call me back" is not on
        // offer for this number and counts as a wrong key, 1: a message.
        let t = dial_linked(&svc, &board, caller, &["0", "2", "1", "1"]).await;
        assert_eq!(t.recordings.len(), 1, "{caller} still leaves a message: {:?}", t.apps());
    }
    let callbacks = svc.running.store.run_sync(|db| db.callbacks(false)).unwrap();
    assert!(callbacks.is_empty(), "no call-back taken: {callbacks:?}");
    let messages = svc.running.store.run_sync(|db| db.messages(1)).unwrap();
    assert_eq!(messages.len(), 4);
    let log = board.log();
    assert!(!log.iter().any(|(_, e)| matches!(e, BoardEvent::CalledBack { .. } | BoardEvent::Rang { .. })), "nothing originated: {log:#?}");
    // A practice that opts in to Switzerland calls the Swiss caller back.
    svc.running.store.run_sync(|db| db.set_practice_field(1, standardiste::store::PracticeField::CallbackCountries, Some("41"))).unwrap();
    let t = dial_linked(&svc, &board, "+41446681800", &["0", "2"]).await;
    assert!(t.recordings.is_empty());
    let callbacks = svc.running.store.run_sync(|db| db.callbacks(false)).unwrap();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0].caller, "+41446681800");
}

#[tokio::test]
async fn call_backs_are_limited_per_number_per_day_and_the_caller_leaves_a_message() {
    let (svc, board) = nobody_logged_in(|c| c.queue.callbacks_per_number_per_day = 1).await;
    let first = dial_linked(&svc, &board, "0611223344", &["0", "2"]).await;
    assert!(first.recordings.is_empty());
    let second = dial_linked(&svc, &board, "0611223344", &["0", "2", "1"]).await;
    assert_eq!(second.recordings.len(), 1, "refused, the caller leaves a message: {:?}", second.apps());
    assert_eq!(svc.running.store.run_sync(|db| db.callbacks(false)).unwrap().len(), 1);
    assert_eq!(svc.running.store.run_sync(|db| db.messages(1)).unwrap().len(), 1);
}

/// Every flow played into a real `standardiste serve` logging at debug
/// level, the Event Socket crate's frames included: the log holds no full
/// phone number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_debug_log_of_every_flow_holds_no_full_phone_number() {
    let dir = tempfile::tempdir().unwrap();
    let (listen, web, esl) = (dead_port(), dead_port(), dead_port());
    let cfg = dir.path().join("s.toml");
    std::fs::write(
        &cfg,
        format!(
            "[server]\nlisten = \"127.0.0.1:{listen}\"\ndigit_timeout_ms = 1000\n[web]\nlisten = \"127.0.0.1:{web}\"\n[metrics]\nlisten = \"127.0.0.1:0\"\n[freeswitch]\nport = {esl}\npassword = \"s3cret-test\"\n[database]\npath = \"{}\"\n[paths]\nprompts = \"{}\"\nrecordings = \"{}\"\n[speech]\nmodel = \"{}\"\n",
            dir.path().join("db.sqlite").display(),
            dir.path().join("p").display(),
            dir.path().join("r").display(),
            dir.path().join("no-model.bin").display()
        ),
    )
    .unwrap();
    let log = dir.path().join("log.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_standardiste"))
        .arg("--config")
        .arg(&cfg)
        .arg("serve")
        .env("RUST_LOG", "debug,freeswitch_esl_tokio=trace")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{listen}").parse().unwrap();
    let started = std::time::Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the service listens");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let callers = ["0611223344", "0622334455", "0633445566", "0644556677", "0655667788", "0666778899"];
    let flows: [&[&str]; 6] = [&["1", "1", "1", "1", "1", "1", "1"], &["4"], &["3", "1"], &["0"], &["9"], &["7", "7"]];
    for (caller, keys) in callers.iter().zip(flows) {
        let sw = SwitchCall::dial(addr, caller, "1000").await.unwrap();
        play(sw, Patient::keys(keys)).await;
    }
    // The first caller booked: now they cancel.
    let sw = SwitchCall::dial(addr, callers[0], "1000").await.unwrap();
    play(sw, Patient::keys(&["2", "1", "1"])).await;
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.len() > 10_000 && text.contains("DEBUG"), "a debug log was written ({} bytes)", text.len());
    assert!(text.contains("*****44"), "the numbers were there, masked");
    for c in callers {
        let e164 = format!("33{}", &c[1..]);
        assert!(
            !text.contains(c) && !text.contains(&e164),
            "{c} in the log:\n{}",
            text.lines().filter(|l| l.contains(&c[2..])).take(5).collect::<Vec<_>>().join("\n")
        );
    }
}

fn cli_config(dir: &std::path::Path) -> std::path::PathBuf {
    let cfg = dir.join("s.toml");
    std::fs::write(
        &cfg,
        format!(
            "[freeswitch]\npassword = \"s3cret-test\"\n[database]\npath = \"{}\"\n[paths]\nprompts = \"{}\"\nrecordings = \"{}\"\n",
            dir.join("db.sqlite").display(),
            dir.join("p").display(),
            dir.join("r").display()
        ),
    )
    .unwrap();
    cfg
}

/// A message of `caller`, `days` old, with its recording on disk.
fn old_message(store: &standardiste::store::Store, dir: &std::path::Path, caller: &str, days: i64) -> std::path::PathBuf {
    let file = dir.join(format!("message-{caller}-{days}.wav"));
    std::fs::write(&file, wav_8k(8000)).unwrap();
    let (f, c) = (file.to_string_lossy().into_owned(), caller.to_string());
    store
        .run_sync(move |db| {
            let at = chrono::Utc::now() - chrono::Duration::days(days);
            db.save_message(1, Some(&c), at, &f, 1.0, false)?;
            db.record_call(&standardiste::store::CallRecord {
                practice_id: Some(1),
                uuid: format!("call-{days}"),
                caller: Some(c.clone()),
                started_at: at,
                ended_at: at,
                outcome: "message".into(),
                detail: "touche 3".into(),
                queue_wait_secs: None,
                handover: None,
            })?;
            db.request_callback(1, &c, "rappel", false, at, standardiste::store::CallbackLimits { per_number: 100, per_practice: 100 })?.expect("taken");
            Ok(())
        })
        .unwrap();
    file
}

#[test]
fn purge_removes_what_is_older_than_the_period_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_config(dir.path());
    assert!(cli(&cfg, &["practice", "list"]).status.success(), "the demo database is made");
    let store = standardiste::store::Store::open(&dir.path().join("db.sqlite")).unwrap();
    let old = old_message(&store, dir.path(), "+33611223344", 100);
    let recent = old_message(&store, dir.path(), "+33622334455", 10);
    let dry = cli(&cfg, &["purge", "--dry-run"]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains("à purger: 1 message(s), 1 rappel(s), 1 appel(s)"), "{}", String::from_utf8_lossy(&dry.stdout));
    assert!(old.exists(), "a dry run deletes nothing");
    let out = cli(&cfg, &["purge"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!old.exists() && recent.exists(), "the old recording is deleted, the recent one kept");
    let messages = store.run_sync(|db| db.messages(1)).unwrap();
    assert_eq!(messages.iter().map(|m| m.caller.clone().unwrap()).collect::<Vec<_>>(), ["+33622334455"]);
    let callbacks = store.run_sync(|db| db.callbacks(false)).unwrap();
    assert_eq!(callbacks.iter().map(|c| c.caller.as_str()).collect::<Vec<_>>(), ["+33622334455"]);
    let calls = store.run_sync(|db| db.calls(10)).unwrap();
    let old_call = calls.iter().find(|c| c.uuid == "call-100").unwrap();
    assert_eq!((old_call.caller.as_deref(), old_call.detail.as_str()), (None, ""), "the old call stays for the figures, without who called");
    assert_eq!(calls.iter().find(|c| c.uuid == "call-10").unwrap().caller.as_deref(), Some("+33622334455"));
    // A shorter period reaches the recent one too.
    assert!(
        cli(&cfg, &["practice", "set", "--practice", standardiste::store::demo::DEMO_PRACTICE, "--field", "retention_days", "--value", "5"]).status.success()
    );
    assert!(cli(&cfg, &["purge"]).status.success());
    assert!(!recent.exists());
    let log = store.run_sync(|db| db.audit_log(Some(1), chrono::Utc::now() - chrono::Duration::hours(1), 100)).unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "purge").count(), 2, "{log:?}");
}

#[test]
fn patient_forget_erases_one_persons_data_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_config(dir.path());
    assert!(cli(&cfg, &["practice", "list"]).status.success());
    let store = standardiste::store::Store::open(&dir.path().join("db.sqlite")).unwrap();
    let theirs = old_message(&store, dir.path(), "+33611223344", 2);
    let others = old_message(&store, dir.path(), "+33622334455", 2);
    // A future appointment of theirs holds a slot.
    let booked = store.run_sync(book_jeanne).unwrap();
    let out = cli(&cfg, &["patient", "forget", "06 11 22 33 44", "--practice", standardiste::store::demo::DEMO_PRACTICE]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("611223344"), "the answer masks the number");
    assert!(!theirs.exists() && others.exists());
    let messages = store.run_sync(|db| db.messages(1)).unwrap();
    assert!(messages.iter().all(|m| m.caller.as_deref() == Some("+33622334455")));
    assert!(store.run_sync(|db| db.callbacks(false)).unwrap().iter().all(|c| c.caller != "+33611223344"));
    let a = store.run_sync(move |db| db.appointment(booked.id)).unwrap();
    assert_eq!((a.status.as_str(), a.patient_name.as_str(), a.phone.as_deref()), ("cancelled", "", None));
    assert!(store.run_sync(|db| db.future_appointments(1, "+33611223344", chrono::Utc::now())).unwrap().is_empty());
    let log = store.run_sync(|db| db.audit_log(Some(1), chrono::Utc::now() - chrono::Duration::hours(1), 100)).unwrap();
    let line = log.iter().find(|e| e.action == "patient.forget").expect("audited");
    assert!(!line.object.contains("611223344"), "{line:?}");
}

#[tokio::test]
async fn a_caller_who_fails_the_date_of_birth_three_times_hears_no_date_and_is_handed_over() {
    let svc = start(|_| {}).await;
    let store = svc.running.store.clone();
    let appointment = store
        .run_sync(|db| {
            db.add_patient(1, "0611223344", "Jeanne Martin")?;
            db.set_birth_date(1, "0611223344", "Jeanne Martin", chrono::NaiveDate::from_ymd_opt(1980, 5, 17).unwrap())?;
            book_jeanne(db)
        })
        .unwrap();
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["2", "010101", "020202", "030303"])).await;
    assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"), "{:?}", t.apps());
    assert!(t.vars.get("standardiste_reason").is_some_and(|r| r.contains("date de naissance")), "{:?}", t.vars);
    // Three questions (the menu, then the date three times), no review of an appointment.
    assert_eq!(t.questions, 4, "{:?}", t.apps());
    assert_eq!(store.run_sync(move |db| db.appointment(appointment.id)).unwrap().status, "booked", "nothing changed");
    // The right date opens the appointments (and the cancel works as before).
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["2", "170580", "1", "1"])).await;
    assert_eq!(store.run_sync(move |db| db.appointment(appointment.id)).unwrap().status, "cancelled", "{:?}", t.apps());
}

#[cfg(unix)]
#[test]
fn the_database_and_exports_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_config(dir.path());
    let export = dir.path().join("export.json");
    assert!(cli(&cfg, &["export", "--practice", standardiste::store::demo::DEMO_PRACTICE, "--out", export.to_str().unwrap()]).status.success());
    for f in [dir.path().join("db.sqlite"), export, dir.path().join("demo-accounts.txt")] {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
}

/// Jeanne Martin (+33611223344) books the first free slot of the demo's first doctor.
fn book_jeanne(db: &mut standardiste::store::Db) -> Result<standardiste::agenda::Appointment, standardiste::store::StoreError> {
    let doctor = db.doctors(1)?[0].id;
    let ty = db.types(doctor)?[0].id;
    let now = chrono::Utc::now();
    let start = db.free_slots(doctor, ty, now, None, 1)?[0].start;
    let req = standardiste::store::BookingRequest {
        doctor_id: doctor,
        type_id: ty,
        start,
        patient_name: "Jeanne Martin".into(),
        phone: Some("+33611223344".into()),
        name_recording: None,
        source: standardiste::agenda::Source::Phone,
        now,
    };
    Ok(db.book(&req)?.expect("booked"))
}

/// A form body with every value percent-encoded.
fn form(fields: &[(&str, &str)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    fields.iter().map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC))).collect::<Vec<_>>().join("&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_pages_refuse_the_switch_syntax_and_a_renamed_practice_reaches_the_switch_as_typed() {
    use standardiste::store::Role;
    let svc = start(|_| {}).await;
    let (web, store) = (svc.running.web_addr, svc.running.store.clone());
    token_for(&store, "dr", Role::Staff, &[1], None);
    let (session, csrf) = http::browser_login(web, "dr", "a-long-test-password").expect("logs in");
    let cookie = format!("standardiste_session={session}");
    let post = |path: &str, fields: &[(&str, &str)]| {
        let mut all = vec![("csrf", csrf.as_str()), ("p", "1")];
        all.extend_from_slice(fields);
        http::request(web, "POST", path, &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")], &form(&all))
    };
    let snapshot = || {
        store
            .run_sync(|db| {
                let p = db.snapshot(1)?;
                Ok(format!(
                    "{:?}",
                    (
                        p.practice.name,
                        p.types.len(),
                        db.caller_rules(1)?.len(),
                        db.appointments(1, chrono::DateTime::UNIX_EPOCH, chrono::Utc::now() + chrono::Duration::days(9000))?.len()
                    )
                ))
            })
            .unwrap()
    };
    let before = snapshot();
    let hours = [("opening", "lundi 08:00-12:00"), ("walk_in", ""), ("address", "12 rue des Tilleuls")];
    // Each page where a name that may reach the switch is typed: the
    // practice's name, a consultation type, a patient's name on a booking.
    let tries: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/settings/hours", [&[("practice_name", HOSTILE)][..], &hours[..]].concat()),
        ("/settings/hours", [&[("practice_name", "Cabinet $${hostname}")][..], &hours[..]].concat()),
        ("/settings/type", vec![("doctor", "1"), ("name", HOSTILE), ("duration", "20"), ("phone_bookable", "on")]),
        ("/settings/caller_add", vec![("phone", "0611223344"), ("kind", "allowed"), ("label", "Mme X\u{7}")]),
        ("/agenda/book", vec![("doctor", "1"), ("type", "1"), ("date", "2030-01-07"), ("time", "10:00"), ("name", HOSTILE), ("phone", "")]),
    ];
    for (path, fields) in &tries {
        let a = post(path, fields);
        assert_eq!(a.status, 400, "{path} {fields:?}: {}", a.body);
        assert!(a.body.contains("id=\"refusal\""), "{path}: the reason is shown on the page");
        assert!(a.body.contains("refusé"), "{path}: {}", a.body);
    }
    assert_eq!(snapshot(), before, "nothing written");
    // A caller's label is for the staff only: any text is kept, shown
    // escaped, and never reaches the switch.
    let labelled = post("/settings/caller_add", &[("phone", "0611223344"), ("kind", "blocked"), ("label", "Mme <b>X</b> ${system(id)}")]);
    assert_eq!(labelled.status, 303, "{}", labelled.body);
    let page = http::request(web, "GET", "/settings?p=1", &[("Cookie", &cookie)], "");
    assert!(
        page.body.contains("Mme &#60;b&#62;X&#60;/b&#62; ${system(id)}"),
        "shown escaped: {}",
        page.body.lines().filter(|l| l.contains("Mme")).collect::<Vec<_>>().join("\n")
    );
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["0"])).await;
    for arg in every_argument(&t) {
        assert!(!arg.contains("${") && !arg.contains("system"), "the label never reaches the switch: {arg}");
    }
    assert!(post("/settings/caller_remove", &[("phone", "0611223344")]).status == 303);
    // A name without the switch's syntax is taken, and reaches the switch as typed.
    let renamed = post("/settings/hours", &[&[("practice_name", "Cabinet des Lilas – Dr Müller")][..], &hours[..]].concat());
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    store.run_sync(|db| db.set_practice_field(1, standardiste::store::PracticeField::Secretaries, None)).unwrap();
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["0"])).await;
    assert_eq!(t.vars.get("standardiste_practice").map(String::as_str), Some("Cabinet des Lilas – Dr Müller"), "{:?}", t.vars);
    // Another practice's name is refused with its reason.
    store.run_sync(|db| db.create_practice("Cabinet du Parc", "", chrono_tz::Europe::Paris)).unwrap();
    let taken = post("/settings/hours", &[&[("practice_name", "Cabinet du Parc")][..], &hours[..]].concat());
    assert_eq!(taken.status, 400);
    assert!(taken.body.contains("s&#39;appelle déjà « Cabinet du Parc »"), "{}", taken.body);
}
