//! Shared by the integration tests: the scripted switch (crates/scripted-switch), and a
//! service under test on 127.0.0.1:0 with its own files.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub use scripted_switch::*;

pub mod http;

/// A service under test, on 127.0.0.1:0, with its own files.
pub struct TestService {
    pub running: standardiste::service::Running,
    pub dir: tempfile::TempDir,
    pub config: standardiste::config::Config,
}

/// A port nothing listens on (for an unreachable inbound switch).
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Configuration for tests: everything in `dir`, short timeouts.
pub fn test_config(dir: &Path) -> standardiste::config::Config {
    let mut c = standardiste::config::Config::default();
    c.server.listen = "127.0.0.1:0".into();
    c.web.listen = "127.0.0.1:0".into();
    c.metrics.listen = "127.0.0.1:0".into();
    c.server.call_deadline_secs = 30;
    c.server.digit_timeout_ms = 1000;
    c.server.drain_secs = 10;
    c.freeswitch.host = "127.0.0.1".into();
    c.freeswitch.port = dead_port();
    c.freeswitch.password = "s3cret-test".into();
    c.database.path = dir.join("db.sqlite");
    c.paths.prompts = dir.join("prompts");
    c.paths.recordings = dir.join("recordings");
    // No speech model unless a test asks for one: the service runs without it.
    c.speech.model = dir.join("no-model.bin");
    // The slots' words are rendered ahead only where a test asks (about
    // 300 renderings per service: a hundred services at once in this
    // process would share the engines and the cores with them).
    c.speech.render_ahead_days = 0;
    c
}

/// Start the service with the demo practice.
pub async fn start(config_edit: impl FnOnce(&mut standardiste::config::Config)) -> TestService {
    // RUST_LOG=debug shows the service's log in a failing test.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(standardiste::logs::MaskedTestWriter)
            .try_init();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config_edit(&mut config);
    let running = standardiste::service::start(&config).await.expect("service starts");
    TestService { running, dir, config }
}

/// Run a whole call with a time limit.
pub async fn call(addr: SocketAddr, caller: &str, patient: Patient) -> Transcript {
    call_to(addr, caller, "1000", patient).await
}

/// Run a whole call to `destination` with a time limit.
pub async fn call_to(addr: SocketAddr, caller: &str, destination: &str, patient: Patient) -> Transcript {
    let sw = SwitchCall::dial(addr, caller, destination).await.expect("dial");
    tokio::time::timeout(Duration::from_secs(60), sw.run(patient)).await.expect("call finishes in time").expect("switch side works")
}

/// An account with a bearer token, made in the store as `user add` and
/// `token create` do: the token to send.
pub fn token_for(store: &standardiste::store::Store, login: &str, role: standardiste::store::Role, practices: &[i64], secretary: Option<&str>) -> String {
    use standardiste::web::auth::secret;
    let hash = secret::hash_password("a-long-test-password").unwrap();
    let (token, kept) = secret::new_token().unwrap();
    let (login, practices, secretary) = (login.to_string(), practices.to_vec(), secretary.map(str::to_string));
    store
        .run_sync(move |db| {
            let id = match db.account(&login)? {
                Some(a) => a.id,
                None => db.add_account(&login, role, &hash, secretary.as_deref(), &practices, chrono::Utc::now())?,
            };
            db.add_token(id, "test", &kept, chrono::Utc::now())
        })
        .unwrap();
    token
}

/// The password of the scripted switch's Event Socket in the tests.
pub const SWITCH_PASSWORD: &str = "s3cret-test";

/// A service whose inbound link is up, to a scripted switch (the
/// secretaries' phones, the checks of each call): started with `edit`, and
/// returned once the link is connected.
pub async fn linked(edit: impl FnOnce(&mut standardiste::config::Config)) -> (TestService, std::sync::Arc<Switchboard>) {
    let board = Switchboard::new(SWITCH_PASSWORD);
    let port = board.listen().await.unwrap();
    let svc = start(|c| {
        c.freeswitch.port = port;
        c.freeswitch.password = SWITCH_PASSWORD.into();
        edit(c)
    })
    .await;
    let mut state = svc.running.inbound.state();
    tokio::time::timeout(Duration::from_secs(10), state.wait_for(|s| s.connected)).await.expect("inbound link up").unwrap();
    (svc, board)
}
