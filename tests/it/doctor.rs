//! The doctor's web space over real HTTP: who may see it, the calendar
//! feed read by an independent parser (Python's `icalendar`) across a
//! daylight-saving change, a subscribed calendar's busy time never offered
//! on the phone, and the mails received by a real SMTP server process
//! (aiosmtpd) — a message with its recording, an urgent call at once, a
//! relay that is down retried, the daily summary.

use crate::common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::http;
use standardiste::store::{Role, Store};

const PASSWORD: &str = "a-long-test-password";

/// A staff account of practice 1 logged in: (cookie header, csrf).
fn staff_session(store: &Store, web: SocketAddr, login: &str, role: Role, practices: &[i64]) -> (String, String) {
    common::token_for(store, login, role, practices, if role == Role::Secretary { Some("ana") } else { None });
    let (session, csrf) = http::browser_login(web, login, PASSWORD).expect("logs in");
    (format!("standardiste_session={session}"), csrf)
}

fn post_form(web: SocketAddr, path: &str, cookie: &str, body: &str) -> http::Answer {
    http::request(web, "POST", path, &[("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")], body)
}

/// The venv of scripts/test-tools.
fn python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/venv/bin/python");
    assert!(p.exists(), "{} is missing: run scripts/test-tools (make test does)", p.display());
    p
}

fn tool(script: &str, arg: &Path) -> serde_json::Value {
    let out = Command::new(python()).arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools").join(script)).arg(arg).output().unwrap();
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_space_is_for_the_practice_s_own_staff() {
    let svc = common::start(|_| {}).await;
    let (web, store) = (svc.running.web_addr, svc.running.store.clone());
    // Not logged in: the log-in page, with the way back.
    let anon = http::request(web, "GET", "/agenda", &[], "");
    assert_eq!(anon.status, 303);
    assert_eq!(anon.header("location"), Some("/login?next=%2Fagenda"));
    let (cookie, _) = staff_session(&store, web, "dr", Role::Staff, &[1]);
    for page in ["/today", "/agenda", "/settings", "/messages", "/voice", "/today?p=1"] {
        let a = http::request(web, "GET", page, &[("Cookie", &cookie)], "");
        assert_eq!(a.status, 200, "{page}: {}", a.body);
        assert_eq!(a.header("cache-control"), Some("no-store"), "{page}");
        assert!(a.body.contains("Cabinet médical des Tilleuls"), "{page}");
    }
    // Another practice is answered as unknown; a secretary has no space here.
    let other = store.run_sync(|db| db.create_practice("Cabinet B", "", chrono_tz::Europe::Paris)).unwrap();
    for page in [format!("/agenda?p={other}"), format!("/messages?p={other}"), format!("/messages/1/audio?p={other}")] {
        assert_eq!(http::request(web, "GET", &page, &[("Cookie", &cookie)], "").status, 404, "{page}");
    }
    let (sec, _) = staff_session(&store, web, "sec", Role::Secretary, &[]);
    assert_eq!(http::request(web, "GET", "/agenda", &[("Cookie", &sec)], "").status, 403);
    // A change without the session's CSRF token is refused.
    let forged = post_form(web, "/settings/hours", &cookie, "p=1&opening=lundi+08%3A00-09%3A00");
    assert_eq!(forged.status, 403);
    // The staff logs in on Today.
    common::token_for(&store, "dr2", Role::Staff, &[1], None);
    let page = http::request(web, "GET", "/login", &[], "");
    let body = format!("csrf={}&login=dr2&password={PASSWORD}&next=", page.field("csrf").unwrap());
    let login = http::request(
        web,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", &format!("standardiste_login={}", page.cookie("standardiste_login").unwrap()))],
        &body,
    );
    assert_eq!(login.header("location"), Some("/today"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_heard_only_by_its_practice_and_marked_handled() {
    let svc = common::start(|_| {}).await;
    let (web, store) = (svc.running.web_addr, svc.running.store.clone());
    let t = common::call(svc.running.addr, "0611223344", common::Patient::keys(&["3", "1"])).await;
    assert_eq!(t.recordings.len(), 1);
    let (cookie, csrf) = staff_session(&store, web, "dr", Role::Staff, &[1]);
    let list = http::request(web, "GET", "/messages?p=1", &[("Cookie", &cookie)], "");
    assert!(list.body.contains("/messages/1/audio?p=1"), "{}", list.body);
    assert!(list.body.contains("tel:+33611223344"));
    let audio = http::request(web, "GET", "/messages/1/audio?p=1", &[("Cookie", &cookie)], "");
    assert_eq!(audio.status, 200);
    assert_eq!(audio.header("content-type"), Some("audio/wav"));
    assert!(audio.body.starts_with("RIFF"));
    let done = post_form(web, "/messages/1/handled", &cookie, &format!("csrf={csrf}&p=1&handled=1"));
    assert_eq!(done.status, 303);
    let m = store.run_sync(|db| db.message(1, 1)).unwrap();
    assert!(m.read);
    assert_eq!(m.handled_by.as_deref(), Some("dr"));
    let log = store.run_sync(|db| db.audit_log(Some(1), Utc::now() - chrono::Duration::hours(1), 100)).unwrap();
    assert!(log.iter().any(|e| e.action == "message.listen" && e.account == "dr" && e.object == "1"), "{log:?}");
}

/// The feed URL shown once on the agenda page after making it.
fn make_feed(web: SocketAddr, cookie: &str, csrf: &str) -> String {
    let made = post_form(web, "/agenda/feed", cookie, &format!("csrf={csrf}&p=1&doctor=1"));
    assert_eq!(made.status, 200, "{}", made.body);
    let at = made.body.find("<code id=\"feed-url\">").expect("the new feed's address is shown") + "<code id=\"feed-url\">".len();
    made.body[at..].split('<').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_feed_parses_elsewhere_across_a_daylight_saving_change_and_a_move_is_a_change() {
    let svc = common::start(|_| {}).await;
    let (web, store) = (svc.running.web_addr, svc.running.store.clone());
    let (cookie, csrf) = staff_session(&store, web, "dr", Role::Staff, &[1]);
    // Paris leaves winter time on Sunday 28 March 2027: 10:00 is 09:00 UTC
    // on the Friday before, 08:00 UTC on the Monday after.
    for (date, name) in [("2027-03-26", "Avant+Heure"), ("2027-03-29", "Apres+Heure")] {
        let a = post_form(web, "/agenda/book", &cookie, &format!("csrf={csrf}&p=1&doctor=1&type=1&date={date}&time=10%3A00&name={name}&phone=0611223344"));
        assert_eq!(a.status, 303, "{}", a.body);
    }
    // The practice books inside the doctor's hours too.
    let late = post_form(web, "/agenda/book", &cookie, &format!("csrf={csrf}&p=1&doctor=1&type=1&date=2027-03-29&time=22%3A00&name=Tard&phone="));
    assert_eq!(late.status, 409);
    assert!(late.body.contains("heures de consultation"), "{}", late.body);
    let url = make_feed(web, &cookie, &csrf);
    let dir = tempfile::tempdir().unwrap();
    let fetch = |file: &str| {
        let a = http::request(web, "GET", &url, &[], "");
        assert_eq!(a.status, 200, "the feed needs no log-in: its secret is the key");
        assert!(a.header("content-type").unwrap().starts_with("text/calendar"));
        let path = dir.path().join(file);
        std::fs::write(&path, &a.body).unwrap();
        tool("ics_json.py", &path)
    };
    let feed = fetch("one.ics");
    assert_eq!(feed["version"], "2.0");
    let events = feed["events"].as_array().unwrap();
    let find = |evs: &[serde_json::Value], who: &str| evs.iter().find(|e| e["summary"].as_str().unwrap().starts_with(who)).cloned().unwrap();
    let before = find(events, "Avant Heure");
    let after = find(events, "Apres Heure");
    assert_eq!(before["start"], "2027-03-26 10:00");
    assert_eq!(before["utc_offset"], "+0100");
    assert_eq!(after["start"], "2027-03-29 10:00");
    assert_eq!(after["utc_offset"], "+0200");
    assert_eq!(after["end"], "2027-03-29 10:20");
    // A move keeps the event (its UID) and raises its SEQUENCE; a cancel shows as cancelled.
    let id: i64 = after["uid"].as_str().unwrap().trim_start_matches("appointment-").split('@').next().unwrap().parse().unwrap();
    let moved = post_form(web, "/agenda/move", &cookie, &format!("csrf={csrf}&p=1&doctor=1&id={id}&date=2027-03-30&time=11%3A00"));
    assert_eq!(moved.status, 303, "{}", moved.body);
    let before_id = before["uid"].as_str().unwrap().trim_start_matches("appointment-").split('@').next().unwrap().to_string();
    assert_eq!(post_form(web, "/agenda/cancel", &cookie, &format!("csrf={csrf}&p=1&doctor=1&id={before_id}")).status, 303);
    let again = fetch("two.ics");
    let events = again["events"].as_array().unwrap();
    let after2 = find(events, "Apres Heure");
    assert_eq!(after2["uid"], after["uid"]);
    assert_eq!(after2["start"], "2027-03-30 11:00");
    assert!(after2["sequence"].as_i64() > after["sequence"].as_i64());
    assert_eq!(find(events, "Avant Heure")["status"], "CANCELLED");
    // A new link revokes the old one; so does removing it.
    let newer = make_feed(web, &cookie, &csrf);
    assert_eq!(http::request(web, "GET", &url, &[], "").status, 404);
    assert_eq!(post_form(web, "/agenda/feed/revoke", &cookie, &format!("csrf={csrf}&p=1&doctor=1")).status, 303);
    assert_eq!(http::request(web, "GET", &newer, &[], "").status, 404);
    assert_eq!(http::request(web, "GET", "/calendar/0000.ics", &[], "").status, 404);
}

/// Serve one file over HTTP on 127.0.0.1 (a doctor's external calendar).
fn serve_once_and_again(body: String) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_time_of_a_subscribed_calendar_is_never_offered_on_the_phone() {
    // The doctor's calendar server is on this host here: allowed for the test.
    let svc = common::start(|c| c.web.allow_private_calendars = true).await;
    let (web, store) = (svc.running.web_addr, svc.running.store.clone());
    let (cookie, csrf) = staff_session(&store, web, "dr", Role::Staff, &[1]);
    let now = Utc::now();
    let first = store.run_sync(move |db| db.free_slots(1, 1, now, None, 3)).unwrap();
    // The doctor's own calendar is busy over the first two slots the phone would offer.
    let (busy_from, busy_to) = (first[0].start, first[1].end);
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:Privé\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        busy_from.format("%Y%m%dT%H%M%SZ"),
        busy_to.format("%Y%m%dT%H%M%SZ")
    );
    let server = serve_once_and_again(ics);
    let url = percent_encoding::utf8_percent_encode(&format!("http://{server}/agenda.ics"), percent_encoding::NON_ALPHANUMERIC).to_string();
    let sub = post_form(web, "/agenda/subscribe", &cookie, &format!("csrf={csrf}&p=1&doctor=1&url={url}"));
    assert_eq!(sub.status, 303, "{}", sub.body);
    let subs = store.run_sync(|db| db.subscriptions(Some(1))).unwrap();
    assert_eq!(subs[0].busy, 1, "{subs:?}");
    let offered = store.run_sync(move |db| db.free_slots(1, 1, now, None, 3)).unwrap();
    assert!(offered.iter().all(|s| s.end <= busy_from || s.start >= busy_to), "{offered:?}");
    // On the phone: book the first slot offered (menu 1, doctor 1, slot 1, name, confirm 1).
    common::call(svc.running.addr, "0611223344", common::Patient::keys(&["1", "1", "1", "1"])).await;
    let booked = store.run_sync(|db| db.future_appointments(1, "+33611223344", Utc::now())).unwrap();
    assert_eq!(booked.len(), 1, "booked on the phone");
    assert!(booked[0].end <= busy_from || booked[0].start >= busy_to, "{:?} is inside the busy time", booked[0]);
    // An address inside is not fetched by default.
    let inside = common::start(|_| {}).await;
    let (c2, t2) = staff_session(&inside.running.store, inside.running.web_addr, "dr", Role::Staff, &[1]);
    assert_eq!(post_form(inside.running.web_addr, "/agenda/subscribe", &c2, &format!("csrf={t2}&p=1&doctor=1&url={url}")).status, 303);
    let subs = inside.running.store.run_sync(|db| db.subscriptions(Some(1))).unwrap();
    assert_eq!(subs[0].busy, 0);
    assert!(subs[0].error.as_deref().unwrap_or("").contains("private network"), "{subs:?}");
    // A bad address is refused with its reason, on the page.
    let bad = post_form(web, "/agenda/subscribe", &cookie, &format!("csrf={csrf}&p=1&doctor=1&url=file%3A%2F%2F%2Fetc%2Fpasswd"));
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("https://"));
}

/// A real SMTP server process (aiosmtpd) writing what it receives into a Maildir.
struct Smtp {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Smtp {
    fn start_on(port: u16) -> Smtp {
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("aiosmtpd starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "aiosmtpd listens");
            std::thread::sleep(Duration::from_millis(100));
        }
        Smtp { child, port, maildir }
    }

    /// The mails received, once `n` have arrived (within `limit`).
    fn wait_for(&self, n: usize, limit: Duration) -> Vec<serde_json::Value> {
        let started = Instant::now();
        loop {
            let got = tool("mail_json.py", &self.maildir.path().join("box"));
            let got = got.as_array().cloned().unwrap_or_default();
            if got.len() >= n {
                return got;
            }
            assert!(started.elapsed() < limit, "{} mails of {n} after {limit:?}: {got:?}", got.len());
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_is_mailed_each_message_with_its_recording_and_each_urgent_call_at_once() {
    let smtp = Smtp::start_on(common::dead_port());
    let svc = common::start(|c| {
        c.mail.relay = "127.0.0.1".into();
        c.mail.port = smtp.port;
        c.mail.starttls = false;
        c.mail.poll_secs = 1;
        c.mail.from = "standardiste <standardiste@cabinet.test>".into();
    })
    .await;
    let (web, store) = (svc.running.web_addr, svc.running.store.clone());
    let (cookie, csrf) = staff_session(&store, web, "dr", Role::Staff, &[1]);
    let set = post_form(web, "/settings/mail", &cookie, &format!("csrf={csrf}&p=1&emails=docteur%40cabinet.test%2C+assistante%40cabinet.test&summary_hour="));
    assert_eq!(set.status, 303, "{}", set.body);
    // A message (no speech model here: no transcript to wait for beyond its time limit).
    common::call(svc.running.addr, "0611223344", common::Patient::keys(&["3", "1"])).await;
    let mails = smtp.wait_for(1, Duration::from_secs(150));
    let m = &mails[0];
    assert!(m["subject"].as_str().unwrap().starts_with("Nouveau message — Cabinet médical des Tilleuls"), "{m}");
    assert!(m["to"].as_str().unwrap().contains("docteur@cabinet.test") && m["to"].as_str().unwrap().contains("assistante@cabinet.test"));
    assert!(m["text"].as_str().unwrap().contains("+33611223344"));
    let att = &m["attachments"][0];
    assert_eq!(att["type"], "audio/wav");
    assert_eq!(att["head"], "RIFF");
    assert!(att["size"].as_u64().unwrap() > 1000);
    // An urgent call handed over: mailed at once, marked urgent.
    let sent = Instant::now();
    common::call(svc.running.addr, "0699887766", common::Patient::keys(&["9"])).await;
    let mails = smtp.wait_for(2, Duration::from_secs(30));
    let urgent = mails.iter().find(|m| m["subject"].as_str().unwrap().starts_with("[URGENT]")).expect("an urgent mail");
    assert!(urgent["subject"].as_str().unwrap().contains("Appel urgent"), "{urgent}");
    assert!(urgent["priority"].as_str().unwrap().starts_with('1'));
    assert!(urgent["text"].as_str().unwrap().contains("+33699887766"));
    assert!(sent.elapsed() < Duration::from_secs(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_is_down_is_retried_and_the_daily_summary_comes_at_its_hour() {
    // The service sends no mail here: the test's own mailer does, at the times it is given.
    let port = common::dead_port();
    let svc = common::start(|_| {}).await;
    let store = svc.running.store.clone();
    let mut config = svc.config.clone();
    config.mail.relay = "127.0.0.1".into();
    config.mail.port = port;
    config.mail.starttls = false;
    config.mail.transcript_wait_secs = 0;
    let mailer = standardiste::mail::Mailer::new(&config).unwrap().unwrap();
    store
        .run_sync(|db| {
            db.set_practice_field(1, standardiste::store::PracticeField::Email, Some("docteur@cabinet.test"))?;
            db.set_practice_field(1, standardiste::store::PracticeField::SummaryHour, Some("19"))
        })
        .unwrap();
    let wav = svc.dir.path().join("m.wav");
    std::fs::write(&wav, common::wav_8k(8000)).unwrap();
    let paris = chrono_tz::Europe::Paris;
    let t0 = paris.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap().with_timezone(&Utc);
    let path = wav.to_string_lossy().into_owned();
    store.run_sync(move |db| db.save_message(1, Some("+33611223344"), t0, &path, 1.0, false)).unwrap();
    // The relay is down: the notice stays, with its error, tried again later.
    assert_eq!(mailer.round(&store, t0).await.unwrap(), 0);
    let unsent = store.run_sync(|db| db.unsent_notices(Some(1))).unwrap();
    assert_eq!(unsent.len(), 1);
    assert_eq!(unsent[0].attempts, 1, "one failed try");
    assert!(unsent[0].last_error.is_some());
    assert_eq!(mailer.round(&store, t0 + chrono::Duration::seconds(10)).await.unwrap(), 0, "not before its backoff");
    assert_eq!(store.run_sync(|db| db.unsent_notices(Some(1))).unwrap()[0].attempts, 1);
    // The relay is back: sent at the next try.
    let smtp = Smtp::start_on(port);
    assert_eq!(mailer.round(&store, t0 + standardiste::mail::backoff(0)).await.unwrap(), 1);
    assert!(store.run_sync(|db| db.unsent_notices(Some(1))).unwrap().is_empty());
    // At 19:00 Paris, the day's summary, once.
    let evening = paris.with_ymd_and_hms(2026, 12, 1, 19, 0, 30).unwrap().with_timezone(&Utc);
    assert_eq!(mailer.round(&store, evening).await.unwrap(), 1);
    assert_eq!(mailer.round(&store, evening + chrono::Duration::minutes(5)).await.unwrap(), 0);
    let mails = smtp.wait_for(2, Duration::from_secs(10));
    let summary = mails.iter().find(|m| m["subject"].as_str().unwrap().starts_with("Résumé du 01/12/2026")).expect("the summary");
    assert!(summary["text"].as_str().unwrap().contains("Messages: 1"), "{summary}");
}
