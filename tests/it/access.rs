//! Who may see what, over real HTTP against the running service: every
//! endpoint refuses the anonymous; a secretary or a practice's staff sees
//! only their practices (another's call, call-back or figures is unknown);
//! a foreign Host, a wrong content type, a form without its CSRF token are
//! refused; repeated wrong passwords lock an account for a while; an
//! expired session goes back to /login; a revoked token is refused; every
//! read of a call's details is in the audit log.

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::http::{self, Answer};
use common::*;
use standardiste::queue::Level;
use standardiste::store::{Role, Secretary};

const OTHER: &str = "Cabinet du Port";

/// Two practices: the demo's (A) and "Cabinet du Port" (B), each with a
/// remote secretary; a call to B waits in B's queue (its secretary's phone
/// rings and rings); a call-back request of each.
struct Two {
    svc: TestService,
    _board: Arc<Switchboard>,
    a: i64,
    b: i64,
    b_call: String,
    web: SocketAddr,
    tokens: Vec<(&'static str, String, Vec<i64>)>,
}

async fn two_practices() -> Two {
    let (svc, board) = linked(|c| {
        c.queue.ring_secs = 60;
        c.queue.max_wait_secs = 120;
        c.web.login_lock_secs = 2;
    })
    .await;
    let store = svc.running.store.clone();
    let (a, b) = store
        .run_sync(|db| {
            let a = db.practice_id(standardiste::store::demo::DEMO_PRACTICE)?;
            let b = db.create_practice(OTHER, "3 quai des Pêcheurs, 56100 Lorient", chrono_tz::Europe::Paris)?;
            db.add_did(b, "2000")?;
            let doctor = db.add_doctor(b, "Docteur Le Goff")?;
            db.add_type(doctor, "consultation", 15, true, true)?;
            db.put_secretary(&Secretary { id: "ana".into(), name: "Ana".into(), dial: "user/1101".into(), practices: vec![(a, Level::Primary)] })?;
            db.put_secretary(&Secretary { id: "ben".into(), name: "Ben".into(), dial: "user/1102".into(), practices: vec![(b, Level::Primary)] })?;
            let now = chrono::Utc::now();
            let limits = standardiste::store::CallbackLimits { per_number: 10, per_practice: 10 };
            db.request_callback(a, "+33611111111", "rappel A", false, now, limits)?.expect("taken");
            db.request_callback(b, "+33622222222", "rappel B", false, now, limits)?.expect("taken");
            Ok((a, b))
        })
        .unwrap();
    board.phone("user/1102", Phone::never_answers());
    let admin = token_for(&store, "root", Role::Admin, &[], None);
    let staff_a = token_for(&store, "dr-a", Role::Staff, &[a], None);
    let staff_b = token_for(&store, "dr-b", Role::Staff, &[b], None);
    let sec_a = token_for(&store, "ana", Role::Secretary, &[], Some("ana"));
    let sec_b = token_for(&store, "ben", Role::Secretary, &[], Some("ben"));
    let web = svc.running.web_addr;
    // Ben logs in; a caller of B is handed over and waits while his phone rings.
    assert_eq!(http::post_json_with_token(web, "/api/agents/ben/login", &sec_b, "").status, 200);
    let sw = SwitchCall::dial(svc.running.addr, "0633333333", "2000").await.unwrap().with_board(board.clone());
    let b_call = sw.uuid.clone();
    tokio::spawn(async move {
        let _ = sw.run(Patient::keys(&["0"])).await;
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let q = http::get_with_token(web, "/api/queues", &admin);
        if q.body.contains(&b_call) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the call to B never waited: {}", q.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tokens = vec![
        ("admin", admin, vec![a, b]),
        ("staff A", staff_a, vec![a]),
        ("staff B", staff_b, vec![b]),
        ("secretary A", sec_a, vec![a]),
        ("secretary B", sec_b, vec![b]),
    ];
    Two { svc, _board: board, a, b, b_call, web, tokens }
}

impl Two {
    /// A staff account of the demo practice that logs in with this password.
    fn staff_of_a(&self, login: &str, password: &str) {
        let hash = standardiste::web::auth::secret::hash_password(password).unwrap();
        let login = login.to_string();
        self.svc.running.store.run_sync(move |db| db.add_account(&login, Role::Staff, &hash, None, &[1], chrono::Utc::now())).unwrap();
    }

    fn token(&self, who: &str) -> &str {
        &self.tokens.iter().find(|(w, _, _)| *w == who).unwrap().1
    }

    /// Everything that would show practice `p` in an answer.
    fn marks(&self, p: i64) -> Vec<String> {
        let mut m = vec![format!("\"practice_id\":{p}"), format!("\"practice_id\": {p}")];
        if p == self.b {
            m.push(OTHER.into());
            m.push(self.b_call.clone());
            m.push("+33622222222".into());
            m.push("rappel B".into());
        } else {
            m.push(standardiste::store::demo::DEMO_PRACTICE.into());
            m.push("+33611111111".into());
            m.push("rappel A".into());
        }
        m
    }
}

fn shows_none_of(answer: &Answer, marks: &[String]) -> Result<(), String> {
    match marks.iter().find(|m| answer.body.contains(m.as_str())) {
        Some(m) => Err(format!("« {m} » in {} {}", answer.status, answer.body)),
        None => Ok(()),
    }
}

/// Every endpoint of the API, with a method and a body.
fn endpoints(two: &Two) -> Vec<(&'static str, String, &'static str)> {
    let cb_b = two.svc.running.store.run_sync(|db| db.callbacks(true)).unwrap().into_iter().find(|c| c.caller == "+33622222222").unwrap().id;
    vec![
        ("GET", "/api/queues".into(), ""),
        ("GET", "/api/stats".into(), ""),
        ("GET", "/api/callbacks".into(), ""),
        ("GET", "/api/callbacks?all=true".into(), ""),
        ("GET", format!("/api/calls/{}", two.b_call), ""),
        ("POST", format!("/api/callbacks/{cb_b}/place"), r#"{"agent":"ana"}"#),
        ("POST", "/api/agents/ben/pause".into(), r#"{"reason":"x"}"#),
        ("POST", "/api/agents/ana/login".into(), ""),
        ("GET", "/api/audit".into(), ""),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_every_endpoint_answers_401_and_pages_send_to_login() {
    let two = two_practices().await;
    for (method, path, body) in endpoints(&two) {
        let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &[("Content-Type", "application/json")] };
        let a = http::request(two.web, method, &path, headers, body);
        assert_eq!(a.status, 401, "{method} {path}: {}", a.body);
        shows_none_of(&a, &two.marks(two.a)).unwrap();
        shows_none_of(&a, &two.marks(two.b)).unwrap();
    }
    let page = http::request(two.web, "GET", "/account", &[], "");
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), Some("/login?next=%2Faccount"));
    // A wrong or revoked token is refused, not taken as anonymous.
    assert_eq!(http::get_with_token(two.web, "/api/queues", "stk_0000").status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretary_or_staff_of_a_never_sees_b() {
    let two = two_practices().await;
    for who in ["staff A", "secretary A"] {
        let token = two.token(who).to_string();
        let call = http::get_with_token(two.web, &format!("/api/calls/{}", two.b_call), &token);
        assert_eq!(call.status, 404, "{who}: another practice's call is unknown: {}", call.body);
        for (method, path, body) in endpoints(&two) {
            let a = if method == "GET" { http::get_with_token(two.web, &path, &token) } else { http::post_json_with_token(two.web, &path, &token, body) };
            assert!(a.status < 500, "{who} {method} {path}: {}", a.body);
            shows_none_of(&a, &two.marks(two.b)).unwrap_or_else(|e| panic!("{who} {method} {path}: {e}"));
        }
    }
    // Staff cannot act as a secretary; a secretary acts only as herself.
    assert_eq!(http::post_json_with_token(two.web, "/api/agents/ana/login", two.token("staff A"), "").status, 403);
    assert_eq!(http::post_json_with_token(two.web, "/api/agents/ben/pause", two.token("secretary A"), "").status, 404);
    assert_eq!(http::get_with_token(two.web, "/api/audit", two.token("secretary A")).status, 403);
    // What A's own people do see.
    let q = http::get_with_token(two.web, "/api/queues", two.token("secretary A"));
    assert!(q.body.contains("rappel A"), "{}", q.body);
    // The admin sees B's call.
    let call = http::get_with_token(two.web, &format!("/api/calls/{}", two.b_call), two.token("admin"));
    assert_eq!(call.status, 200, "{}", call.body);
    assert!(call.body.contains(OTHER));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_of_a_calls_details_is_audited() {
    let two = two_practices().await;
    for _ in 0..2 {
        assert_eq!(http::get_with_token(two.web, &format!("/api/calls/{}", two.b_call), two.token("staff B")).status, 200);
    }
    let log = two.svc.running.store.run_sync(|db| db.audit_log(None, chrono::Utc::now() - chrono::Duration::hours(1), 1000)).unwrap();
    let reads: Vec<_> = log.iter().filter(|e| e.action == "call.read").collect();
    assert_eq!(reads.len(), 2, "{log:?}");
    assert!(reads.iter().all(|e| e.account == "dr-b" && e.practice_id == Some(two.b) && e.object == two.b_call && e.address == "127.0.0.1"));
    // The log names what was read, never the health data itself.
    assert!(!log.iter().any(|e| e.object.contains("+336")), "{log:?}");
    let api = http::get_with_token(two.web, "/api/audit", two.token("admin"));
    assert_eq!(api.status, 200);
    assert_eq!(api.body.matches("call.read").count(), 2, "{}", api.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_content_type_and_csrf_are_checked() {
    let two = two_practices().await;
    let admin = two.token("admin").to_string();
    let rebound = http::request(two.web, "GET", "/api/queues", &[("Host", "evil.example:8085"), ("Authorization", &format!("Bearer {admin}"))], "");
    assert_eq!(rebound.status, 421, "{}", rebound.body);
    let plain = http::request(two.web, "POST", "/api/agents/ana/login", &[("Authorization", &format!("Bearer {admin}")), ("Content-Type", "text/plain")], "{}");
    assert_eq!(plain.status, 415, "{}", plain.body);
    // A browser session: its forms carry the CSRF token, or are refused.
    two.staff_of_a("docteur-a", "correct-horse-battery");
    let (session, csrf) = http::browser_login(two.web, "docteur-a", "correct-horse-battery").expect("logs in");
    let cookie = format!("standardiste_session={session}");
    let form = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookie.as_str())];
    let without = http::request(two.web, "POST", "/account/password", &form, "current=correct-horse-battery&new=another-good-one");
    assert_eq!(without.status, 403, "{}", without.body);
    let wrong = http::request(two.web, "POST", "/account/password", &form, "csrf=0000&current=correct-horse-battery&new=another-good-one");
    assert_eq!(wrong.status, 403);
    let with = http::request(two.web, "POST", "/account/password", &form, &format!("csrf={csrf}&current=correct-horse-battery&new=another-good-one"));
    assert_eq!(with.status, 200, "{}", with.body);
    // A JSON request made with the cookie needs the header too.
    let json = http::request(two.web, "POST", "/logout", &[("Cookie", cookie.as_str())], "");
    assert_eq!(json.status, 403);
    let out = http::request(two.web, "POST", "/logout", &[("Cookie", cookie.as_str()), ("X-CSRF-Token", &csrf)], "");
    assert_eq!(out.status, 303);
    let after = http::request(two.web, "GET", "/account", &[("Cookie", cookie.as_str())], "");
    assert_eq!(after.status, 303, "logged out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_the_security_headers_and_no_store() {
    let two = two_practices().await;
    let page = http::request(two.web, "GET", "/login", &[], "");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let cookie = page.headers.iter().find(|(k, v)| k == "set-cookie" && v.starts_with("standardiste_login=")).unwrap().1.clone();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let english = http::request(two.web, "GET", "/login?lang=en", &[], "");
    assert!(english.body.contains("Password") && english.body.contains("lang=\"en\""));
    assert!(page.body.contains("Mot de passe") && page.body.contains("lang=\"fr\""));
    let api = http::get_with_token(two.web, "/api/queues", two.token("admin"));
    assert_eq!(api.header("cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_wrong_passwords_lock_the_account_for_a_while() {
    let two = two_practices().await;
    two.staff_of_a("victim", "the-right-password");
    let web = two.web;
    tokio::task::spawn_blocking(move || {
        for i in 0..10 {
            let refused = http::browser_login(web, "victim", "wrong-guess").expect_err("a wrong password is refused");
            assert_eq!(refused.status, 401, "try {i}");
        }
        // Locked: even the right password is refused for now.
        let locked = http::browser_login(web, "victim", "the-right-password").expect_err("locked");
        assert!(locked.body.contains("bloquée"), "{}", locked.body);
        std::thread::sleep(Duration::from_millis(2500));
        http::browser_login(web, "victim", "the-right-password").expect("the lock is over");
    })
    .await
    .unwrap();
    let log = two.svc.running.store.run_sync(|db| db.audit_log(None, chrono::Utc::now() - chrono::Duration::hours(1), 1000)).unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "login.failed" && e.account == "victim").count(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_goes_back_to_login_and_a_revoked_token_is_refused() {
    let two = two_practices().await;
    two.staff_of_a("sleepy", "the-right-password");
    let (session, _) = http::browser_login(two.web, "sleepy", "the-right-password").expect("logs in");
    let cookie = format!("standardiste_session={session}");
    assert_eq!(http::request(two.web, "GET", "/account", &[("Cookie", &cookie)], "").status, 200);
    // Forty minutes without a request (the idle limit is thirty).
    let db = rusqlite::Connection::open(&two.svc.config.database.path).unwrap();
    db.execute("UPDATE sessions SET last_seen = last_seen - 2400", []).unwrap();
    let expired = http::request(two.web, "GET", "/account", &[("Cookie", &cookie)], "");
    assert_eq!(expired.status, 303);
    assert!(expired.header("location").unwrap().starts_with("/login"));
    // A token works until it is revoked.
    let token = two.token("staff A").to_string();
    assert_eq!(http::get_with_token(two.web, "/api/stats", &token).status, 200);
    let store = two.svc.running.store.clone();
    let id = store.run_sync(|db| db.tokens()).unwrap().into_iter().find(|t| t.login == "dr-a").unwrap().id;
    store.run_sync(move |db| db.revoke_token(id, chrono::Utc::now())).unwrap();
    assert_eq!(http::get_with_token(two.web, "/api/stats", &token).status, 401);
}

/// For random accounts and endpoints, no answer ever holds a practice the
/// account may not see.
#[test]
fn no_answer_holds_a_practice_the_account_may_not_see() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let two = rt.block_on(two_practices());
    let endpoints = endpoints(&two);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 48, ..ProptestConfig::default() });
    let accounts = two.tokens.clone();
    let strategy = (0..accounts.len(), 0..endpoints.len());
    runner
        .run(&strategy, |(who, which)| {
            let (name, token, sees) = &accounts[who];
            let (method, path, body) = &endpoints[which];
            let a = if *method == "GET" { http::get_with_token(two.web, path, token) } else { http::post_json_with_token(two.web, path, token, body) };
            prop_assert!(a.status < 500, "{name} {method} {path}: {}", a.body);
            for p in [two.a, two.b] {
                if !sees.contains(&p) {
                    prop_assert!(shows_none_of(&a, &two.marks(p)).is_ok(), "{name} {method} {path}: {:?}", shows_none_of(&a, &two.marks(p)));
                }
            }
            Ok(())
        })
        .unwrap();
    drop(two);
    rt.shutdown_timeout(Duration::from_secs(5));
}
