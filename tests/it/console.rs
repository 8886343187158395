//! The secretaries' console: its event stream over real HTTP (a secretary
//! never receives a practice she does not serve; a page that reconnects
//! gets the whole state), and two secretaries working in Debian's headless
//! Chromium (tests/browser/console.mjs, driven by Playwright) while calls
//! come through the scripted switch and ring their phones.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use standardiste::queue::Level;
use standardiste::store::{PracticeField, Role, Secretary};

const PASSWORD: &str = "a-long-test-password";

fn secretary(svc: &TestService, id: &str, dial: &str, practice: i64) {
    let s = Secretary { id: id.into(), name: id.to_uppercase(), dial: dial.into(), practices: vec![(practice, Level::Primary)] };
    svc.running.store.run_sync(move |db| db.put_secretary(&s)).unwrap();
}

/// What a console's event stream sends within `for_how_long`.
fn read_events(web: SocketAddr, cookie: &str, for_how_long: Duration) -> String {
    let mut s = TcpStream::connect(web).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    write!(s, "GET /console/events HTTP/1.1\r\nHost: {web}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
    let mut out = Vec::new();
    let until = Instant::now() + for_how_long;
    let mut buf = [0u8; 8192];
    while Instant::now() < until {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn dial(svc: &TestService, board: &Arc<Switchboard>, caller: &str, keys: &[&str]) -> tokio::task::JoinHandle<()> {
    let (addr, board, caller) = (svc.running.addr, board.clone(), caller.to_string());
    let patient = Patient::keys(keys);
    tokio::spawn(async move {
        let sw = SwitchCall::dial(addr, &caller, "1000").await.unwrap().with_board(board);
        let _ = tokio::time::timeout(Duration::from_secs(240), sw.run(patient)).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_only_ever_receives_the_practices_its_secretary_serves() {
    let (svc, board) = linked(|c| c.queue.max_wait_secs = 120).await;
    let store = svc.running.store.clone();
    let other = store.run_sync(|db| db.create_practice("Cabinet du Port", "", chrono_tz::Europe::Paris)).unwrap();
    store.run_sync(move |db| db.add_did(other, "2000")).unwrap();
    secretary(&svc, "ana", "user/1101", 1);
    secretary(&svc, "zoe", "user/1109", other);
    board.phone("user/1101", Phone::never_answers());
    board.phone("user/1109", Phone::never_answers());
    token_for(&store, "ana-web", Role::Secretary, &[], Some("ana"));
    token_for(&store, "zoe-web", Role::Secretary, &[], Some("zoe"));
    let (ana, _) = http::browser_login(svc.running.web_addr, "ana-web", PASSWORD).unwrap();
    let (zoe, zoe_csrf) = http::browser_login(svc.running.web_addr, "zoe-web", PASSWORD).unwrap();
    // Zoe is logged in but paused: the port's call waits in her queue.
    let zoe_cookie = format!("standardiste_session={zoe}");
    for action in ["login", "pause"] {
        let a = http::request(
            svc.running.web_addr,
            "POST",
            &format!("/api/agents/zoe/{action}"),
            &[("Cookie", &zoe_cookie), ("Content-Type", "application/json"), ("X-CSRF-Token", &zoe_csrf)],
            if action == "pause" { "{}" } else { "" },
        );
        assert_eq!(a.status, 200, "{action}: {}", a.body);
    }
    let port = svc.running.addr;
    let b = board.clone();
    let call = tokio::spawn(async move {
        let sw = SwitchCall::dial(port, "0633333333", "2000").await.unwrap().with_board(b);
        let _ = tokio::time::timeout(Duration::from_secs(60), sw.run(Patient::keys(&["0"]))).await;
    });
    let web = svc.running.web_addr;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let q = svc.running.queues.snapshot().await.unwrap();
        if q.waiting.iter().any(|w| w.call.practice_id == other) {
            break;
        }
        assert!(Instant::now() < deadline, "the port's call is queued");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (ana_seen, zoe_seen) = tokio::task::spawn_blocking(move || {
        let a = read_events(web, &format!("standardiste_session={ana}"), Duration::from_secs(3));
        let z = read_events(web, &zoe_cookie, Duration::from_secs(3));
        (a, z)
    })
    .await
    .unwrap();
    assert!(ana_seen.contains("event: state"), "{ana_seen}");
    assert!(!ana_seen.contains("+336******33") && !ana_seen.contains(&format!("\"practice_id\":{other}")), "ana saw the port's call: {ana_seen}");
    // The other console gets the whole state at once on (re)connecting, the
    // number masked in the list (whole only on the card of her own call).
    assert!(zoe_seen.contains("+336******33") && !zoe_seen.contains("+33633333333"), "{zoe_seen}");
    assert_eq!(http::request(web, "GET", "/console", &[("Cookie", "standardiste_session=nope")], "").status, 303);
    call.abort();
}

/// Lines from the browser script, read on a thread of their own.
struct Script {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Script {
    fn start(vars: &[(&str, String)]) -> Script {
        let mut cmd = Command::new("node");
        cmd.arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/console.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("node runs");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Script { child, lines, seen: Vec::new() }
    }

    /// The next line starting with `prefix` (the rest of it).
    async fn expect(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            match self.lines.try_recv() {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_string();
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    assert!(Instant::now() < deadline, "no « {prefix} » from the browser script; it said {:?}", self.seen);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    panic!("the browser script stopped before « {prefix} »: {:?} (its errors are above)", self.seen)
                }
            }
        }
    }

    fn go(&mut self, what: &str) {
        writeln!(self.child.stdin.as_mut().unwrap(), "GO {what}").unwrap();
    }
}

fn rang(board: &Switchboard, dial: &str) -> usize {
    // A dial string may carry its channel variables first: `{…}user/1101`.
    board.log().iter().filter(|(_, e)| matches!(e, BoardEvent::Rang { dials, .. } if dials.iter().any(|d| d.ends_with(dial)))).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_secretaries_work_the_queue_from_their_consoles() {
    let (svc, board) = linked(|c| {
        c.queue.announce_every_secs = 2;
        c.queue.wrap_up_secs = 60;
        c.queue.ring_secs = 10;
        c.queue.max_wait_secs = 300;
    })
    .await;
    let store = svc.running.store.clone();
    secretary(&svc, "ana", "user/1101", 1);
    secretary(&svc, "ben", "user/1102", 1);
    board.phone("user/1101", Phone::answers(Duration::from_millis(500), Duration::from_secs(3)));
    board.phone("user/1102", Phone::answers(Duration::from_millis(500), Duration::from_secs(60)));
    token_for(&store, "ana-web", Role::Secretary, &[], Some("ana"));
    token_for(&store, "ben-web", Role::Secretary, &[], Some("ben"));
    let instructions = "Jamais de conseil médical; les résultats d'analyse au Dr Martin.";
    store.run_sync(move |db| db.set_practice_field(1, PracticeField::Instructions, Some(instructions))).unwrap();
    let now = Utc::now();
    let later = store.run_sync(move |db| db.free_slots(1, 1, now, None, 10)).unwrap()[9].start;
    store
        .run_sync(move |db| {
            db.book(&standardiste::store::BookingRequest {
                doctor_id: 1,
                type_id: 1,
                start: later,
                patient_name: "Paul Urgent".into(),
                phone: Some("+33611223344".into()),
                name_recording: None,
                source: standardiste::agenda::Source::Staff,
                now,
            })
        })
        .unwrap()
        .unwrap();
    let limits = standardiste::store::CallbackLimits { per_number: 3, per_practice: 100 };
    store.run_sync(move |db| db.request_callback(1, "+33612121212", "rappel demandé", false, now, limits)).unwrap().unwrap();

    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut script = Script::start(&[
        ("BASE", format!("http://{}", svc.running.web_addr)),
        ("ANA_LOGIN", "ana-web".into()),
        ("BEN_LOGIN", "ben-web".into()),
        ("PASSWORD", PASSWORD.into()),
        ("SHOTS", shots.to_string_lossy().into_owned()),
        ("INSTRUCTIONS", instructions.into()),
    ]);
    script.expect("READY calls").await;
    // Three calls handed over, the second urgent.
    let calls = vec![
        dial(&svc, &board, "0622222222", &["0"]),
        {
            tokio::time::sleep(Duration::from_millis(300)).await;
            dial(&svc, &board, "0611223344", &["9"])
        },
        {
            tokio::time::sleep(Duration::from_millis(300)).await;
            dial(&svc, &board, "0633333333", &["0"])
        },
    ];
    // Once the queue holds the three, the consoles must show them at once.
    let deadline = Instant::now() + Duration::from_secs(60);
    while svc.running.queues.snapshot().await.unwrap().waiting.len() < 3 {
        assert!(Instant::now() < deadline, "three calls queued");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    script.go("calls");
    let seen_ms: u64 = script.expect("SEEN").await.parse().unwrap();
    eprintln!("the three calls were on both consoles {seen_ms} ms after the queue held them");
    // Within a second on a quiet machine; the margin is for a loaded one.
    assert!(seen_ms < 3000, "{seen_ms} ms");
    let start: chrono::DateTime<Utc> = script.expect("BOOKED").await.parse().unwrap();
    script.expect("READY closed").await;
    // The slot booked from the card is taken in the agenda, refused to a phone caller.
    let taken = store.run_sync(move |db| db.appointments(1, start, start + chrono::Duration::minutes(1))).unwrap();
    assert!(taken.iter().any(|a| a.start == start && a.patient_name == "Patient Urgent" && a.phone.as_deref() == Some("+33611223344")), "{taken:?}");
    let offered = store.run_sync(move |db| db.free_slots(1, 1, Utc::now(), None, 50)).unwrap();
    assert!(!offered.iter().any(|s| s.start == start));
    let phone = store
        .run_sync(move |db| {
            db.book(&standardiste::store::BookingRequest {
                doctor_id: 1,
                type_id: 1,
                start,
                patient_name: String::new(),
                phone: Some("+33644444444".into()),
                name_recording: None,
                source: standardiste::agenda::Source::Phone,
                now: Utc::now(),
            })
        })
        .unwrap();
    assert!(phone.is_err(), "the phone cannot take the slot the secretary booked: {phone:?}");
    // Closed with its outcome: in the practice's figures, handled by a human.
    let figures = store.run_sync(|db| db.figures(1, Utc::now() - chrono::Duration::hours(1), Utc::now() + chrono::Duration::minutes(1))).unwrap();
    assert_eq!(figures.by_secretaries, vec![("booked".to_string(), 1)]);
    assert_eq!(rang(&board, "user/1101"), 1, "the urgent call rang Ana's phone");
    script.go("closed");
    script.expect("READY ben").await;
    // Ana paused: the next call went to Ben (his console shows it as offered
    // while the switch is still dialling his phone).
    let deadline = Instant::now() + Duration::from_secs(30);
    while rang(&board, "user/1102") < 1 {
        assert!(Instant::now() < deadline, "the next call rang Ben: {:#?}", board.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rang(&board, "user/1101"), 1);
    script.go("ben");
    script.expect("READY callback").await;
    // The call-back rings Ana's phone first.
    let deadline = Instant::now() + Duration::from_secs(30);
    while rang(&board, "user/1101") < 2 {
        assert!(Instant::now() < deadline, "the call-back rang Ana: {:#?}", board.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    script.go("callback");
    script.expect("DONE").await;
    let status = script.child.wait().unwrap();
    assert!(status.success(), "the browser script failed: {:?}", script.seen);
    for c in calls {
        c.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretary_whose_console_closed_is_paused() {
    let (svc, board) = linked(|c| c.queue.console_grace_secs = 5).await;
    let store = svc.running.store.clone();
    secretary(&svc, "ana", "user/1101", 1);
    board.phone("user/1101", Phone::never_answers());
    token_for(&store, "ana-web", Role::Secretary, &[], Some("ana"));
    let (session, csrf) = http::browser_login(svc.running.web_addr, "ana-web", PASSWORD).unwrap();
    let cookie = format!("standardiste_session={session}");
    let web = svc.running.web_addr;
    let login = http::request(web, "POST", "/api/agents/ana/login", &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)], "");
    assert_eq!(login.status, 200, "{}", login.body);
    // Her console is open for a while, then closed.
    let c = cookie.clone();
    let seen = tokio::task::spawn_blocking(move || read_events(web, &c, Duration::from_secs(7))).await.unwrap();
    assert!(seen.contains("\"state\":\"available\""), "open for longer than the grace, she stays available: {seen}");
    let closed = Instant::now();
    let deadline = closed + Duration::from_secs(60);
    loop {
        let q = svc.running.queues.snapshot().await.unwrap();
        let ana = q.agents.iter().find(|a| a.id == "ana").unwrap();
        if let standardiste::queue::AgentState::Paused { reason } = &ana.state {
            assert_eq!(reason, "console fermée");
            break;
        }
        assert!(Instant::now() < deadline, "still {:?} a minute after her console closed", ana.state);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(closed.elapsed() >= Duration::from_secs(4), "not before the grace");
}
