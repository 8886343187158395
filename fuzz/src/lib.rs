//! What the fuzz targets share: one service started in the fuzzing process
//! (its outbound listener, its web listener, its store), kept for every
//! input, and a raw HTTP/1.1 exchange. A panic anywhere in the service, in
//! any of its tasks, aborts the process (libfuzzer-sys's panic hook): the
//! input that caused it is kept as a crash.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

/// The service under fuzzing and its runtime.
pub struct Fuzzed {
    pub rt: tokio::runtime::Runtime,
    pub running: standardiste::service::Running,
    /// A staff account's session cookie and CSRF token (practice 1).
    pub session: (String, String),
    /// Bearer tokens: an administrator's and a secretary's.
    pub admin_token: String,
    pub secretary_token: String,
    _dir: tempfile::TempDir,
}

const PASSWORD: &str = "a-long-fuzzing-password";

/// The service, started on first use: the demo practice, no speech model,
/// an inbound link to nowhere (calls are taken unchecked), short timeouts.
pub fn service() -> &'static Fuzzed {
    static SERVICE: OnceLock<Fuzzed> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut c = standardiste::config::Config::default();
        c.server.listen = "127.0.0.1:0".into();
        c.web.listen = "127.0.0.1:0".into();
        c.metrics.listen = String::new();
        c.server.call_deadline_secs = 20;
        c.server.digit_timeout_ms = 300;
        c.server.linger_secs = 0;
        c.freeswitch.port = 9;
        c.freeswitch.password = "fuzzing-password".into();
        c.database.path = dir.path().join("db.sqlite");
        c.paths.prompts = dir.path().join("prompts");
        c.paths.recordings = dir.path().join("recordings");
        c.speech.model = dir.path().join("no-model.bin");
        c.web.login_address_limit = 1_000_000;
        c.web.login_lock_after = 1_000_000;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let running = rt.block_on(standardiste::service::start(&c)).expect("the service starts");
        let account = |login: &str, role, secretary: Option<&str>| {
            use standardiste::web::auth::secret;
            let hash = secret::hash_password(PASSWORD).unwrap();
            let (token, kept) = secret::new_token().unwrap();
            let (login, secretary) = (login.to_string(), secretary.map(str::to_string));
            running
                .store
                .run_sync(move |db| {
                    let id = db.add_account(&login, role, &hash, secretary.as_deref(), &[1], chrono::Utc::now())?;
                    db.add_token(id, "fuzz", &kept, chrono::Utc::now())
                })
                .unwrap();
            token
        };
        use standardiste::store::Role;
        let _ = account("dr-fuzz", Role::Staff, None);
        let admin_token = account("admin-fuzz", Role::Admin, None);
        running
            .store
            .run_sync(|db| {
                db.put_secretary(&standardiste::store::Secretary {
                    id: "ana-fuzz".into(),
                    name: "Ana".into(),
                    dial: "user/1101".into(),
                    practices: vec![(1, standardiste::queue::Level::Primary)],
                })
            })
            .unwrap();
        let secretary_token = account("ana-fuzz", Role::Secretary, Some("ana-fuzz"));
        let session = log_in(running.web_addr, "dr-fuzz");
        Fuzzed { rt, running, session, admin_token, secretary_token, _dir: dir }
    })
}

/// One HTTP/1.1 exchange: `raw` written as it is, the answer read until the
/// server closes (`Connection: close`) or `wait` passes.
pub fn exchange(addr: SocketAddr, raw: &[u8], wait: Duration) -> Vec<u8> {
    let Ok(mut s) = TcpStream::connect(addr) else { return Vec::new() };
    let _ = s.set_read_timeout(Some(wait));
    // No half-close: hyper closes a connection whose client half-closed,
    // and may drop the request in flight. `Connection: close` ends it.
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    raw.push_str(body);
    String::from_utf8_lossy(&exchange(addr, raw.as_bytes(), Duration::from_secs(10))).into_owned()
}

fn cookie(answer: &str, name: &str) -> Option<String> {
    answer.lines().filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).find_map(|l| {
        let v = l.split_once(':')?.1.trim();
        let (k, rest) = v.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
    })
}

fn field(answer: &str, name: &str) -> Option<String> {
    let at = answer.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(answer[at..].split('"').next()?.to_string())
}

/// Log in through the page as a browser does: the session cookie and CSRF token.
fn log_in(addr: SocketAddr, login: &str) -> (String, String) {
    let page = request(addr, "GET", "/login", &[], "");
    let form_cookie = cookie(&page, "standardiste_login").expect("the log-in page sets its cookie");
    let csrf = field(&page, "csrf").expect("the log-in form carries its token");
    let answer = request(
        addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", &format!("standardiste_login={form_cookie}"))],
        &format!("csrf={csrf}&login={login}&password={PASSWORD}&next="),
    );
    let session = cookie(&answer, "standardiste_session").unwrap_or_else(|| panic!("not logged in: {answer}"));
    let account = request(addr, "GET", "/account", &[("Cookie", &format!("standardiste_session={session}"))], "");
    (session.clone(), field(&account, "csrf").expect("the account page's CSRF token"))
}
