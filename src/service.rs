//! `standardiste serve`: wires the store, the voice, the outbound listener
//! and the inbound link together, and stops them on SIGTERM/SIGINT (live
//! calls finish, new ones are refused).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::call::DriverEnv;
use crate::config::Config;
use crate::freeswitch::inbound::{self, Inbound, InboundConfig, InboundError};
use crate::freeswitch::lines::SwitchLines;
use crate::freeswitch::outbound::{self, CallService, Counters};
use crate::speech::Voice;
use crate::store::{Store, StoreError, demo};
use crate::words::prompts;

/// Spoken answers decoded at once (each takes the machine's cores for ~2 s).
const LIVE_RECOGNITIONS: usize = 1;
/// Pending connections the kernel keeps for us (capped by net.core.somaxconn).
const LISTEN_BACKLOG: u32 = 4096;
/// The secretaries' extension when a practice names none.
pub const DEFAULT_SECRETARIES: &str = "secretariat";
/// Seconds the doctor's or practice's phone rings.
const BRIDGE_TIMEOUT_SECS: u32 = 25;

/// The service could not start or stopped on an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened.
    #[error("database {path}: {source}")]
    Store {
        /// File.
        path: String,
        /// Cause.
        source: StoreError,
    },
    /// A folder could not be created.
    #[error("folder {path}: {source}")]
    Folder {
        /// Folder.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The listen address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
    /// The inbound link was refused.
    #[error(transparent)]
    Inbound(#[from] InboundError),
}

/// A running service.
pub struct Running {
    /// Where FreeSWITCH's socket application must connect.
    pub addr: SocketAddr,
    /// The store it uses.
    pub store: Store,
    /// The inbound link.
    pub inbound: Inbound,
    /// Where the agents' API listens.
    pub web_addr: SocketAddr,
    /// The secretaries' queues.
    pub queues: crate::queue::Queues,
    /// Counters of the outbound listener.
    pub counters: Arc<Counters>,
    /// Where `/metrics` and `/health` answer (`None`: no listener).
    pub metrics_addr: Option<SocketAddr>,
    /// The slots offered to live calls, held from the others.
    pub holds: crate::call::holds::SlotHolds,
    shutdown: watch::Sender<bool>,
    outbound: tokio::task::JoinHandle<()>,
    inbound_task: tokio::task::JoinHandle<Result<(), InboundError>>,
}

impl Running {
    /// Ask for a graceful stop (what SIGTERM does).
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Wait until the service stops; `Err` when the inbound link was refused.
    pub async fn wait(mut self) -> Result<(), ServeError> {
        let inbound_result = tokio::select! {
            r = &mut self.inbound_task => Some(r),
            _ = &mut self.outbound => None,
        };
        match inbound_result {
            Some(Ok(Err(e))) => {
                self.shutdown.send_replace(true);
                let _ = self.outbound.await;
                Err(e.into())
            }
            Some(_) => {
                let _ = self.outbound.await;
                Ok(())
            }
            None => {
                self.shutdown.send_replace(true);
                let _ = self.inbound_task.await;
                Ok(())
            }
        }
    }
}

/// Open the database (creating it, with the demo practice when configured).
pub fn open_store(config: &Config) -> Result<Store, ServeError> {
    let path = &config.database.path;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| ServeError::Folder { path: parent.display().to_string(), source })?;
    }
    let store = Store::open(path).map_err(|source| ServeError::Store { path: path.display().to_string(), source })?;
    if config.database.demo {
        store
            .run_sync(|db| {
                if db.practice_names()?.is_empty() {
                    let id = demo::seed(db, Utc::now())?;
                    crate::web::auth::demo::create(db, id, path)?;
                    info!(practice = demo::DEMO_PRACTICE, did = demo::DEMO_DID, "demo practice created");
                }
                Ok(())
            })
            .map_err(|source| ServeError::Store { path: path.display().to_string(), source })?;
    }
    Ok(store)
}

/// How the shared folders are made (checked with the configuration; a group
/// gone since is said, and the folders made private).
pub fn folders(config: &Config) -> crate::folders::Folders {
    use crate::folders::Folders;
    Folders::for_group(&config.paths.switch_group).unwrap_or_else(|e| {
        warn!(error = %e, "[paths] switch_group: the shared folders are made for the service's user alone");
        Folders::private()
    })
}

/// Make the folders shared with FreeSWITCH (`[paths] prompts` and
/// `recordings`) as `shared` ([`folders`]) says: what is said of those found
/// too open, or the folder that could not be made and why.
pub fn make_shared_folders(config: &Config, shared: &crate::folders::Folders) -> Result<Vec<String>, (std::path::PathBuf, std::io::Error)> {
    let mut warnings = Vec::new();
    for dir in [&config.paths.prompts, &config.paths.recordings] {
        warnings.extend(shared.make(dir).map_err(|e| (dir.clone(), e))?);
    }
    Ok(warnings)
}

/// The call driver's environment from the configuration.
pub fn driver_env(config: &Config, store: Store) -> DriverEnv {
    DriverEnv {
        store,
        recordings_dir: config.paths.recordings.clone(),
        folders: folders(config),
        digit_timeout_ms: config.server.digit_timeout_ms,
        silence_threshold: config.speech.silence_threshold,
        silence_secs: config.speech.silence_secs,
        context: config.server.context.clone(),
        default_secretaries: DEFAULT_SECRETARIES.into(),
        bridge_timeout_secs: BRIDGE_TIMEOUT_SECS,
        lang: config.speech.language,
        practice_prompts: config.paths.prompts.join("practices"),
        transcripts: None,
        recognizer: None,
        live_recognitions: std::sync::Arc::new(tokio::sync::Semaphore::new(LIVE_RECOGNITIONS)),
        queues: None,
        music: config.queue.music.clone(),
        announce_every: Duration::from_secs(config.queue.announce_every_secs),
        // The queue's longest wait, then the dialogue after it (message, call back).
        queue_deadline: Duration::from_secs(config.queue.max_wait_secs) + config.call_deadline(),
        callback_limits: crate::store::CallbackLimits {
            per_number: config.queue.callbacks_per_number_per_day,
            per_practice: config.queue.callbacks_per_practice_per_day,
        },
        holds: crate::call::holds::SlotHolds::default(),
    }
}

/// The queue's settings from the configuration.
pub fn queue_settings(config: &Config) -> crate::queue::Settings {
    crate::queue::Settings {
        strategy: config.queue.strategy,
        wrap_up: Duration::from_secs(config.queue.wrap_up_secs),
        max_wait: Duration::from_secs(config.queue.max_wait_secs),
        ring: Duration::from_secs(config.queue.ring_secs),
        lang: config.speech.language,
        callback_dial: config.queue.callback_dial.clone(),
        tick: Duration::from_millis(250),
    }
}

/// Raise the open-files limit to its hard limit: every call is a socket.
pub fn raise_fd_limit() {
    let Ok((soft, hard)) = rlimit::Resource::NOFILE.get() else { return };
    if soft >= hard {
        return;
    }
    if let Err(e) = rlimit::Resource::NOFILE.set(hard, hard) {
        warn!(error = %e, soft, hard, "cannot raise the open-files limit");
    }
}

/// Load the speech model if there is one; without it the service runs and says so.
fn load_recognizer(config: &Config) -> Option<crate::speech::recognition::Recognizer> {
    use crate::speech::recognition::Recognizer;
    // whisper.cpp's own messages go through tracing, not to stderr.
    whisper_rs::install_logging_hooks();
    let threads = std::thread::available_parallelism().map(|n| n.get() as i32).unwrap_or(1);
    match Recognizer::load(&config.speech.model, threads) {
        Ok(r) => {
            info!(model = %config.speech.model.display(), threads, "speech model loaded: messages are transcribed, spoken answers understood");
            Some(r)
        }
        Err(e) => {
            warn!(error = %e, "no speech recognition: messages keep their audio only; keys work everywhere");
            None
        }
    }
}

/// Start everything; returns once the listener is bound.
pub async fn start(config: &Config) -> Result<Running, ServeError> {
    raise_fd_limit();
    let store = open_store(config)?;
    let shared = folders(config);
    for warning in make_shared_folders(config, &shared).map_err(|(dir, source)| ServeError::Folder { path: dir.display().to_string(), source })? {
        warn!("{warning}");
    }
    // The model loads before the listener opens: a listening socket means ready.
    let recognizer = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || load_recognizer(&config)).await.unwrap_or(None)
    };
    let addr = config.listen_addr();
    let listener = listen(addr).map_err(|source| ServeError::Listen { addr, source })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen { addr, source })?;
    let voice = Voice::new(config.speech.espeak.clone(), config.speech.voice.clone(), config.speech.rate, config.paths.prompts.clone());
    let mut env = driver_env(config, store.clone());
    let holds = env.holds.clone();
    // The background transcriptions take half the cores; the one live answer
    // at a time (a caller is waiting) takes them all.
    let cores = std::thread::available_parallelism().map(|n| n.get() as i32).unwrap_or(1);
    let background = (cores / 2).max(1);
    let counters = Arc::new(Counters::default());
    let busy: crate::speech::transcription::Busy = {
        let (counters, limit) = (counters.clone(), config.speech.transcribe_below_calls as u64);
        Arc::new(move || counters.live() > limit)
    };
    // The names said at booking wait for no call at all (a Monday morning's
    // names follow it, one after the other): a name is never urgent.
    let calls_live: crate::speech::transcription::Busy = {
        let counters = counters.clone();
        Arc::new(move || counters.live() > 0)
    };
    env.transcripts = recognizer.as_ref().map(|r| {
        crate::speech::transcription::TranscriptionPool::start_with(
            r.with_threads(background),
            store.clone(),
            config.speech.language.voice().to_string(),
            busy,
            calls_live,
        )
    });
    env.recognizer = recognizer.map(|r| r.with_threads(cores));
    let (shutdown, rx) = watch::channel(false);
    let (inbound, inbound_task) = inbound::start(
        InboundConfig {
            host: config.freeswitch.host.clone(),
            port: config.freeswitch.port,
            password: config.freeswitch.password.clone(),
            backoff_min: inbound::DEFAULT_BACKOFF_MIN,
            backoff_max: inbound::DEFAULT_BACKOFF_MAX,
        },
        rx.clone(),
    );
    let queues = crate::queue::start(SwitchLines::new(inbound.clone()), store.clone(), voice.clone(), queue_settings(config));
    env.queues = Some(queues.clone());
    let web_addr = config.web.listen.parse::<SocketAddr>().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8085)));
    let web_listener = listen(web_addr).map_err(|source| ServeError::Listen { addr: web_addr, source })?;
    let web_addr = web_listener.local_addr().map_err(|source| ServeError::Listen { addr: web_addr, source })?;
    let gate = crate::web::auth::Gate { store: store.clone(), settings: Arc::new(crate::web::auth::Settings::new(&config.web, web_addr)) };
    let limits = crate::web::Limits { max_connections: config.web.max_connections, header_timeout: Duration::from_secs(config.web.header_timeout_secs) };
    let space = crate::web::doctor::Env {
        voice: voice.clone(),
        lang: config.speech.language,
        practice_prompts: config.paths.prompts.join("practices"),
        sox: SOX.into(),
        allow_private_calendars: config.web.allow_private_calendars,
        folders: shared,
        price_per_call: config.stats.price_per_call,
    };
    let presence = Arc::new(crate::web::console::Presence::default());
    let web = crate::web::Web { queues: queues.clone(), store: store.clone(), gate, doctor: Arc::new(space), console: presence.clone() };
    tokio::spawn(crate::web::console::pause_absent(queues.clone(), presence, Duration::from_secs(config.queue.console_grace_secs), rx.clone()));
    tokio::spawn(crate::web::serve(web_listener, web, limits, rx.clone()));
    // The practices are told by mail, in a task of its own: a relay that is
    // down never holds up a call, and every notice waits in the store.
    match crate::mail::Mailer::new(config) {
        Ok(Some(mailer)) => {
            tokio::spawn(mailer.expect_transcripts(env.transcripts.is_some()).run(store.clone(), rx.clone()));
        }
        Ok(None) => info!("no [mail] relay: the practices read their messages in the web space only; the notices wait in the store"),
        Err(e) => warn!(error = %e, "mail to the practices is off"),
    }
    tokio::spawn(crate::calendar::refresh_periodically(store.clone(), crate::calendar::REFRESH_EVERY, config.web.allow_private_calendars, rx.clone()));
    for w in config.warnings() {
        warn!("{w}");
    }
    tokio::spawn(purge_periodically(store.clone(), rx.clone()));
    if config.speech.render_ahead_days > 0 {
        tokio::spawn(prerender_slots_periodically(store.clone(), voice.clone(), config.speech.language, config.speech.render_ahead_days, rx.clone()));
    }
    let metrics = crate::metrics::Metrics::default();
    let metrics_addr = match config.metrics.listen.as_str() {
        "" => None,
        text => {
            let addr = text.parse::<SocketAddr>().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 9184)));
            let l = listen(addr).map_err(|source| ServeError::Listen { addr, source })?;
            let bound = l.local_addr().map_err(|source| ServeError::Listen { addr, source })?;
            let sources = crate::metrics::Sources {
                metrics: metrics.clone(),
                counters: counters.clone(),
                inbound: inbound.state(),
                inbound_on: !config.freeswitch.password.trim().is_empty(),
                queues: queues.clone(),
                store: store.clone(),
                voice: voice.clone(),
            };
            tokio::spawn(crate::metrics::serve(l, sources, rx.clone()));
            Some(bound)
        }
    };
    let service = Arc::new(CallService {
        env,
        voice,
        deadline: config.call_deadline(),
        linger: Duration::from_secs(config.server.linger_secs),
        allowed_peers: config.server.allowed_peers.iter().filter_map(|p| p.parse().ok()).collect(),
        verify: config.server.verify_calls.then(|| inbound.clone()),
        metrics,
    });
    let outbound =
        tokio::spawn(outbound::serve(listener, service, config.server.max_calls, rx, Duration::from_secs(config.server.drain_secs), counters.clone()));
    info!(addr = %web_addr, "web pages and API listening");
    Ok(Running { addr, web_addr, store, inbound, queues, counters, metrics_addr, holds, shutdown, outbound, inbound_task })
}

/// The sound converter that turns an uploaded or browser-made recording into
/// the WAV FreeSWITCH plays (Debian's `sox`).
const SOX: &str = "sox";

/// How often health data past its retention period is purged.
const PURGE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Purge every practice's data past its retention period, a minute after
/// start and then every [`PURGE_EVERY`], each purge in the audit log.
async fn purge_periodically(store: Store, mut shutdown: watch::Receiver<bool>) {
    let mut wait = Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        wait = PURGE_EVERY;
        let done = store
            .run(|db| {
                let mut all = Vec::new();
                for id in db.practice_ids()? {
                    let p = db.purge(id, Utc::now(), false)?;
                    let entry = crate::store::AuditEntry {
                        at: Utc::now(),
                        account: "standardiste".into(),
                        address: "local".into(),
                        action: "purge".into(),
                        practice_id: Some(id),
                        object: p.summary(),
                    };
                    db.audit(&entry)?;
                    all.push(p);
                }
                Ok(all)
            })
            .await;
        match done {
            Ok(all) => {
                let files: Vec<String> = all.iter().flat_map(|p| p.files.iter().cloned()).collect();
                let deleted = tokio::task::spawn_blocking(move || crate::store::retention::delete_files(&files)).await.unwrap_or(0);
                let messages: usize = all.iter().map(|p| p.messages).sum();
                if messages > 0 || deleted > 0 {
                    info!(messages, files = deleted, "health data past its retention period purged");
                }
            }
            Err(e) => warn!(error = %e, "the retention purge failed; tried again later"),
        }
    }
}

/// How often the words of the coming slots are rendered ahead: a day
/// enters the window once a day, and a practice may change its hours.
const PRERENDER_EVERY: Duration = Duration::from_secs(3600);

/// Render, before any caller needs them, the pieces that name the free
/// slots of the next `days` days (`[speech] render_ahead_days`) (each day's and each time's
/// words, [`prompts::naming_slot`]): the first caller offered a day no
/// longer waits for espeak-ng, and a busy morning renders nothing. At
/// start, then every [`PRERENDER_EVERY`]; the engines run in the idle class.
async fn prerender_slots_periodically(store: Store, voice: Voice, lang: crate::words::catalogue::Lang, days: u32, mut shutdown: watch::Receiver<bool>) {
    loop {
        let started = std::time::Instant::now();
        match slot_sentences(&store, lang, Utc::now(), days).await {
            Ok(said) => match voice.prerender(&said).await {
                Ok(0) => {}
                Ok(n) => info!(pieces = n, seconds = started.elapsed().as_secs(), "the coming slots' words rendered ahead"),
                Err(e) => warn!(error = %e, "rendering the coming slots' words ahead failed; they are rendered when first said"),
            },
            Err(e) => warn!(error = %e, "reading the coming slots failed; their words are rendered when first said"),
        }
        tokio::select! {
            _ = tokio::time::sleep(PRERENDER_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// The sentences naming one free slot per day and one per time of day,
/// over the next `days` days, for every practice, doctor and type
/// bookable by phone.
async fn slot_sentences(
    store: &Store,
    lang: crate::words::catalogue::Lang,
    now: chrono::DateTime<Utc>,
    days: u32,
) -> Result<Vec<crate::words::Utterance>, StoreError> {
    store
        .run(move |db| {
            let mut said = Vec::new();
            for id in db.practice_ids()? {
                let snap = db.snapshot(id)?;
                let tz = snap.practice.timezone;
                let until = now + chrono::Duration::days(days.into());
                for doctor in &snap.doctors {
                    let name = doctor.name.to_lowercase();
                    let (mut days, mut times) = (std::collections::HashSet::new(), std::collections::HashSet::new());
                    for ty in snap.types.iter().filter(|t| t.doctor_id == doctor.id && t.phone_bookable) {
                        for slot in db.free_slots(doctor.id, ty.id, now, None, 5_000)?.into_iter().take_while(|s| s.start < until) {
                            let local = slot.start.with_timezone(&tz);
                            if days.insert(local.date_naive()) | times.insert(local.time()) {
                                said.extend(prompts::naming_slot(lang, slot.start, tz, now, &name, &snap.practice.address));
                            }
                        }
                    }
                }
            }
            Ok(said)
        })
        .await
}

/// Bind with a backlog for Monday morning: FreeSWITCH opens one connection
/// per call, and a full accept queue leaves a caller's socket half-open.
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Run until SIGTERM or SIGINT.
pub async fn run(config: Config) -> Result<(), ServeError> {
    // Handlers first: a SIGTERM during start-up is a graceful stop too.
    let stop_signal = stop_signal();
    let running = start(&config).await?;
    info!(addr = %running.addr, db = %config.database.path.display(), "standardiste is running");
    let demo = crate::web::auth::demo::read(&config.database.path);
    if !demo.is_empty() {
        let file = crate::web::auth::demo::accounts_file(&config.database.path);
        info!("demo accounts (from {}), log in at http://{}/login:", file.display(), running.web_addr);
        for line in demo {
            info!("  {line}");
        }
    }
    let stopper = running.shutdown.clone();
    tokio::spawn(async move {
        stop_signal.await;
        info!("stop requested: finishing live calls");
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        stopper.send_replace(true);
    });
    // Under systemd (Type=notify): ready once every listener is bound, then
    // the watchdog's ping while the store answers (a stuck store is a
    // service to restart). Nothing without NOTIFY_SOCKET.
    if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        warn!(error = %e, "could not tell systemd the service is ready");
    }
    if let Some(every) = sd_notify::watchdog_enabled() {
        tokio::spawn(watchdog(running.store.clone(), every / 2));
    }
    running.wait().await
}

/// Ping systemd's watchdog every `every` while the store answers within it
/// (during the drain after SIGTERM too: live calls are still served).
async fn watchdog(store: Store, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match tokio::time::timeout(every, store.run(|db| db.ping())).await {
            Ok(Ok(_)) => {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            }
            Ok(Err(e)) => warn!(error = %e, "the store does not answer: systemd's watchdog is not pinged"),
            Err(_) => warn!("the store did not answer in time: systemd's watchdog is not pinged"),
        }
    }
}

/// Install the SIGTERM/SIGINT handlers now; the future resolves on either.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()));
        async move {
            match handlers {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    warn!("cannot install signal handlers; Ctrl-C only");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::catalogue::Lang;

    #[tokio::test]
    async fn the_words_of_the_first_slots_offered_are_among_those_rendered_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let now = Utc::now();
        store.run_sync(|db| demo::seed(db, now)).unwrap();
        let said = slot_sentences(&store, Lang::Fr, now, crate::config::DEFAULT_RENDER_AHEAD_DAYS).await.unwrap();
        let voice = Voice::new("espeak-ng", "fr", 150, dir.path().join("prompts"));
        let ahead: std::collections::HashSet<_> = said.iter().flat_map(|u| voice.files_for(u)).collect();
        let snap = store.run_sync(|db| db.snapshot(db.practice_ids()?[0])).unwrap();
        let tz = snap.practice.timezone;
        let mut offers = 0;
        for ty in snap.types.iter().filter(|t| t.phone_bookable) {
            let doctor = snap.doctors.iter().find(|d| d.id == ty.doctor_id).unwrap().name.to_lowercase();
            let slots = store.run_sync(|db| db.free_slots(ty.doctor_id, ty.id, now, None, 12)).unwrap();
            for three in slots.chunks(3) {
                let starts: Vec<_> = three.iter().map(|s| s.start).collect();
                let mut heard = vec![prompts::offer_slots(Lang::Fr, &starts, tz, now)];
                let when = || crate::words::Fill::Apart(wording_when(starts[0], tz, now));
                heard.push(prompts::confirm_booking(Lang::Fr, when(), &doctor));
                heard.push(prompts::booked(Lang::Fr, when(), &doctor, &snap.practice.address));
                for u in &heard {
                    for f in voice.files_for(u) {
                        assert!(ahead.contains(&f), "not rendered ahead: a piece of « {u} »");
                    }
                }
                offers += 1;
            }
        }
        assert!(offers >= 4, "{offers} offers checked");
    }

    fn wording_when(at: chrono::DateTime<Utc>, tz: chrono_tz::Tz, now: chrono::DateTime<Utc>) -> Vec<String> {
        crate::words::wording::when_apart(Lang::Fr, at, tz, now)
    }
}
