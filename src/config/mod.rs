//! Configuration: a TOML file with documented defaults. Every field has a
//! `DEFAULT_*` next to it; `check` (in `check.rs`) reports every problem
//! with its line and a hint (`standardiste check-config FILE`, exit code 64
//! on a bad file).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod check;
pub use check::Problem;
use check::line_of_offset;

/// Where FreeSWITCH's `socket` application connects.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8084";
/// mod_event_socket's inbound listener.
pub const DEFAULT_ESL_HOST: &str = "127.0.0.1";
/// Its port.
pub const DEFAULT_ESL_PORT: u16 = 8021;
/// Concurrent calls held at most; over it a call falls through to the dialplan's fallback.
pub const DEFAULT_MAX_CALLS: usize = 2000;
/// No call lasts longer in the receptionist's hands (seconds).
pub const DEFAULT_CALL_DEADLINE_SECS: u64 = 900;
/// Seconds FreeSWITCH keeps the socket after hang-up so the last events arrive.
pub const DEFAULT_LINGER_SECS: u64 = 5;
/// How long a caller has to press a key after a question (ms).
pub const DEFAULT_DIGIT_TIMEOUT_MS: u64 = 6000;
/// On shutdown, how long live calls may take to finish (seconds).
pub const DEFAULT_DRAIN_SECS: u64 = 60;
/// Dialplan context of the extensions the receptionist transfers to.
pub const DEFAULT_CONTEXT: &str = "standardiste";
/// Silence threshold for recordings (FreeSWITCH energy units).
pub const DEFAULT_SILENCE_THRESHOLD: u32 = 200;
/// Seconds of silence that end a recording.
pub const DEFAULT_SILENCE_SECS: u32 = 4;
/// The placeholder of `freeswitch-conf/event_socket.conf.xml`, refused like `ClueCon`.
pub const SAMPLE_PASSWORD: &str = "replace-me-with-openssl-rand-hex-16";
/// Most calls one service may hold (each is a socket and a task).
pub const MAX_MAX_CALLS: usize = 100_000;
/// Longest deadline, drain or wait: a day (no overflow in the timers).
pub const MAX_DEADLINE_SECS: u64 = 86_400;
/// Above this many live calls, transcriptions wait for a quieter moment.
pub const DEFAULT_TRANSCRIBE_BELOW_CALLS: usize = 50;

/// The whole file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Outbound socket listener and call limits.
    pub server: Server,
    /// The inbound Event Socket connection.
    pub freeswitch: Freeswitch,
    /// SQLite file.
    pub database: Database,
    /// Folders shared with FreeSWITCH.
    pub paths: Paths,
    /// Text to speech.
    pub speech: Speech,
    /// The remote secretaries' queues.
    pub queue: Queue,
    /// The pages and the JSON API.
    pub web: Web,
    /// Mail to the practices.
    pub mail: Mail,
    /// `/metrics` and `/health`.
    pub metrics: MetricsListener,
    /// The log's format.
    pub log: Log,
    /// The practices' figures.
    pub stats: Stats,
    /// The command line as a client of the API.
    pub client: Client,
}

/// `[server]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Address FreeSWITCH's `socket` application connects to.
    pub listen: String,
    /// Concurrent calls at most.
    pub max_calls: usize,
    /// Per-call deadline, seconds.
    pub call_deadline_secs: u64,
    /// `linger N` seconds.
    pub linger_secs: u64,
    /// Key timeout, ms.
    pub digit_timeout_ms: u64,
    /// Shutdown drain, seconds.
    pub drain_secs: u64,
    /// Dialplan context for transfers.
    pub context: String,
    /// Addresses besides loopback from which FreeSWITCH's `socket`
    /// application may connect (a switch on another host). Any other peer
    /// is handed back at once and never acted on.
    pub allowed_peers: Vec<String>,
    /// Check each new call against the inbound link before acting on it
    /// (`uuid_exists`, and the caller's number the switch holds): a local
    /// process that forges a call is handed back. While the link is down
    /// calls are taken unchecked (never refused: the caller comes first).
    pub verify_calls: bool,
}

/// `[freeswitch]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Freeswitch {
    /// Host of mod_event_socket.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Password (`event_socket.conf.xml`).
    pub password: String,
}

/// `[database]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// SQLite file; created with the demo practice when missing.
    pub path: PathBuf,
    /// Seed the demo practice into a new file.
    pub demo: bool,
}

/// `[paths]`: folders FreeSWITCH and the service share.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Paths {
    /// Rendered prompts; FreeSWITCH plays from here.
    pub prompts: PathBuf,
    /// Recordings; FreeSWITCH writes here.
    pub recordings: PathBuf,
    /// The group FreeSWITCH and the service share when they run as two
    /// users: the folders are then made 2770 and the group's; empty, they
    /// are the service's user's alone (0700).
    pub switch_group: String,
}

/// `[speech]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Speech {
    /// The language the receptionist speaks: `fr` or `en` (set `voice` to match).
    pub language: crate::words::catalogue::Lang,
    /// espeak-ng command.
    pub espeak: String,
    /// Voice.
    pub voice: String,
    /// Words per minute.
    pub rate: u32,
    /// Recording silence threshold.
    pub silence_threshold: u32,
    /// Seconds of silence ending a recording.
    pub silence_secs: u32,
    /// Whisper model (ggml) made by `make model`; without it messages are
    /// kept without transcripts and keys work everywhere.
    pub model: PathBuf,
    /// Above this many live calls, message transcriptions wait, and one
    /// under way stops to start again later (ten minutes at most), so that
    /// decoding never slows a caller down.
    pub transcribe_below_calls: usize,
    /// Days ahead whose free slots' words are rendered at start and every
    /// hour, so that no caller offered a slot waits for the voice (0: none,
    /// each is rendered when first said).
    pub render_ahead_days: u32,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.into(),
            max_calls: DEFAULT_MAX_CALLS,
            call_deadline_secs: DEFAULT_CALL_DEADLINE_SECS,
            linger_secs: DEFAULT_LINGER_SECS,
            digit_timeout_ms: DEFAULT_DIGIT_TIMEOUT_MS,
            drain_secs: DEFAULT_DRAIN_SECS,
            context: DEFAULT_CONTEXT.into(),
            allowed_peers: Vec::new(),
            verify_calls: true,
        }
    }
}

impl Default for Freeswitch {
    fn default() -> Self {
        Self { host: DEFAULT_ESL_HOST.into(), port: DEFAULT_ESL_PORT, password: String::new() }
    }
}

impl Default for Database {
    fn default() -> Self {
        Self { path: PathBuf::from("var/standardiste.sqlite"), demo: true }
    }
}

impl Default for Paths {
    fn default() -> Self {
        Self { prompts: PathBuf::from("var/prompts"), recordings: PathBuf::from("var/recordings"), switch_group: String::new() }
    }
}

/// `[speech] render_ahead_days`: about two months (the slots offered are
/// the first free ones).
pub const DEFAULT_RENDER_AHEAD_DAYS: u32 = 62;

impl Default for Speech {
    fn default() -> Self {
        Self {
            language: crate::words::catalogue::Lang::Fr,
            espeak: "espeak-ng".into(),
            voice: "fr".into(),
            rate: 150,
            silence_threshold: DEFAULT_SILENCE_THRESHOLD,
            silence_secs: DEFAULT_SILENCE_SECS,
            model: PathBuf::from("models/ggml-base.bin"),
            transcribe_below_calls: DEFAULT_TRANSCRIBE_BELOW_CALLS,
            render_ahead_days: DEFAULT_RENDER_AHEAD_DAYS,
        }
    }
}

/// Seconds a secretary has after a call before the next one is offered.
pub const DEFAULT_WRAP_UP_SECS: u64 = 30;
/// A waiting caller hears their position this often (seconds).
pub const DEFAULT_ANNOUNCE_EVERY_SECS: u64 = 30;
/// After this long waiting, a caller is offered a message or a call back (seconds).
pub const DEFAULT_MAX_WAIT_SECS: u64 = 300;
/// A secretary's phone rings this long before the next one is tried (seconds).
pub const DEFAULT_RING_SECS: u64 = 15;
/// What waiting callers hear (FreeSWITCH's music on hold stream).
pub const DEFAULT_MUSIC: &str = "local_stream://moh";
/// Where the agents' API listens.
pub const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8085";

/// `[queue]`: how calls handed over wait for the remote secretaries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Queue {
    /// Which secretary gets the next call: `longest_idle`, `round_robin` or `ring_all`.
    pub strategy: crate::queue::Strategy,
    /// Wrap-up after each call, seconds.
    pub wrap_up_secs: u64,
    /// Position and wait announcements, every so many seconds.
    pub announce_every_secs: u64,
    /// Longest wait before the caller is offered a message or a call back, seconds.
    pub max_wait_secs: u64,
    /// Ring time of a secretary's phone, seconds.
    pub ring_secs: u64,
    /// Music on hold (any FreeSWITCH playback source).
    pub music: String,
    /// How a patient is dialled for a call back: `{number}` is their number
    /// as the practice dials it (national form, e.g. 0611223344).
    pub callback_dial: String,
    /// Call-back requests taken from one number over a day.
    pub callbacks_per_number_per_day: u32,
    /// Call-back requests taken for one practice over a day.
    pub callbacks_per_practice_per_day: u32,
    /// A secretary available whose console has been closed (or cut off)
    /// this long is paused, "console fermée" (seconds).
    pub console_grace_secs: u64,
}

impl Default for Queue {
    fn default() -> Self {
        Self {
            strategy: crate::queue::Strategy::LongestIdle,
            wrap_up_secs: DEFAULT_WRAP_UP_SECS,
            announce_every_secs: DEFAULT_ANNOUNCE_EVERY_SECS,
            max_wait_secs: DEFAULT_MAX_WAIT_SECS,
            ring_secs: DEFAULT_RING_SECS,
            music: DEFAULT_MUSIC.into(),
            callback_dial: "sofia/gateway/operator/{number}".into(),
            callbacks_per_number_per_day: 3,
            callbacks_per_practice_per_day: 100,
            console_grace_secs: 120,
        }
    }
}

/// `[web]`: the pages and the JSON API, and who may use them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Web {
    /// Address. Keep it on loopback, behind a TLS reverse proxy for anything else.
    pub listen: String,
    /// The `Host` values requests may carry (`standardiste.example.fr`);
    /// others get 421, which shuts out DNS rebinding. Empty: the listen
    /// address itself, with `localhost` and `127.0.0.1` at its port.
    pub hosts: Vec<String>,
    /// Served to browsers through a TLS reverse proxy: cookies are `Secure`,
    /// and the client's address is read from `X-Forwarded-For`.
    pub behind_tls_proxy: bool,
    /// A browser session ends after this long without a request (minutes).
    pub session_idle_minutes: u64,
    /// And after this long in all (hours), whatever happens.
    pub session_hours: u64,
    /// Failed log-ins in a row before an account is locked.
    pub login_lock_after: u32,
    /// How long it stays locked (seconds).
    pub login_lock_secs: u64,
    /// Failed log-ins from one address within 15 minutes before it is refused for the rest of them.
    pub login_address_limit: u32,
    /// Connections served at once; beyond, new ones wait in the kernel's
    /// queue (a slow client cannot take the descriptors the calls need).
    pub max_connections: usize,
    /// A request's headers must arrive within this time, and an idle
    /// connection is closed after it (seconds).
    pub header_timeout_secs: u64,
    /// Largest request body (bytes); recordings uploaded in the web space
    /// are the largest.
    pub max_body_bytes: usize,
    /// Let a doctor subscribe to a calendar on this host or a private
    /// network (off: a subscription could make the service fetch from inside).
    pub allow_private_calendars: bool,
}

impl Default for Web {
    fn default() -> Self {
        Self {
            listen: DEFAULT_WEB_LISTEN.into(),
            hosts: Vec::new(),
            behind_tls_proxy: false,
            session_idle_minutes: 30,
            session_hours: 12,
            login_lock_after: 10,
            login_lock_secs: 900,
            login_address_limit: 50,
            max_connections: 512,
            header_timeout_secs: 20,
            max_body_bytes: 8 * 1024 * 1024,
            allow_private_calendars: false,
        }
    }
}

/// `[mail]`: how the practices are told of messages and urgent calls, and
/// sent their daily summary. Without a `relay`, nothing is mailed (the
/// messages stay in the web space; the notices wait in the store).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mail {
    /// The SMTP server (`smtp.example.fr`); empty: no mail.
    pub relay: String,
    /// Its port: 587 (submission, with `starttls`), 465 (TLS from the
    /// start), 25.
    pub port: u16,
    /// Upgrade the connection with STARTTLS, and refuse to send if the
    /// server cannot (on port 465 the connection is TLS from the start).
    pub starttls: bool,
    /// SMTP login, if the relay asks for one.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The sender (`standardiste <standardiste@cabinet.fr>`).
    pub from: String,
    /// A message's mail waits this long for its transcript (seconds); an
    /// urgent one never waits.
    pub transcript_wait_secs: u64,
    /// How often the outbox is looked at (seconds).
    pub poll_secs: u64,
    /// The web space's address, for the links in the mails
    /// (`https://standardiste.cabinet.fr`); empty: no links.
    pub public_url: String,
}

/// `[stats]`: the figures a practice pays for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Stats {
    /// What a télésecrétariat charges a call, in euros (0.50–1.20 € is
    /// usual): the saving is the calls finished without a human at this price.
    pub price_per_call: f64,
}

impl Default for Stats {
    fn default() -> Self {
        Self { price_per_call: 0.85 }
    }
}

/// `[log]`: the service's log, on standard error (journald under systemd).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// `text` (a line for people) or `json` (an object a line, for
    /// `journalctl -o json` and log shippers; each call's lines carry its
    /// span: uuid, practice, masked caller).
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// `[metrics]`: Prometheus's `/metrics` and `/health`, on a listener of
/// their own (no log-in: keep it on loopback, or behind the scraper's
/// network rules).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsListener {
    /// `address:port`; empty: no metrics listener.
    pub listen: String,
}

impl Default for MetricsListener {
    fn default() -> Self {
        Self { listen: "127.0.0.1:9184".into() }
    }
}

impl Default for Mail {
    fn default() -> Self {
        Self {
            relay: String::new(),
            port: 587,
            starttls: true,
            username: String::new(),
            password: String::new(),
            from: "standardiste <standardiste@localhost>".into(),
            transcript_wait_secs: 120,
            poll_secs: 5,
            public_url: String::new(),
        }
    }
}

/// `[client]`: how the command line (`agent`, `queue`, `callback`) reaches
/// the running service's API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Client {
    /// A bearer token (`standardiste token create LOGIN`); `--token` and
    /// `STANDARDISTE_TOKEN` take precedence.
    pub token: String,
}

/// The configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file has problems.
    #[error("{path}: {} problem(s):\n{}", problems.len(), problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// File.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

impl Config {
    /// Parse and check a configuration text. Every problem is reported, not just the first.
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        let config: Config = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                let line = e.span().map(|s| line_of_offset(text, s.start));
                let message = e.message().to_string();
                let hint = if message.contains("unknown field") {
                    "remove it or check its spelling; the README lists every key".to_string()
                } else if message.contains("invalid type") {
                    "numbers are written without quotes, texts between quotes".to_string()
                } else {
                    "see the example configuration in the README".to_string()
                };
                return Err(vec![Problem { line, message, hint }]);
            }
        };
        let problems = config.check(text);
        if problems.is_empty() { Ok(config) } else { Err(problems) }
    }

    /// Read and check a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::parse(&text).map_err(|problems| ConfigError::Invalid { path: path.to_path_buf(), problems })
    }

    /// Listen address (checked).
    pub fn listen_addr(&self) -> SocketAddr {
        self.server.listen.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8084)))
    }

    /// Per-call deadline.
    pub fn call_deadline(&self) -> Duration {
        Duration::from_secs(self.server.call_deadline_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_means_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.server.listen, DEFAULT_LISTEN);
        assert_eq!(c.freeswitch.port, DEFAULT_ESL_PORT);
    }

    #[test]
    fn every_problem_has_its_line() {
        let text = "[server]\nlisten = \"nowhere\"\nmax_calls = 0\n\n[freeswitch]\npassword = \"ClueCon\"\n[speech]\nrate = 9\n";
        let problems = Config::parse(text).unwrap_err();
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(6), Some(8)], "{problems:?}");
        assert!(problems.iter().all(|p| !p.hint.is_empty()));
    }

    #[test]
    fn syntax_and_unknown_keys_are_located() {
        let p = Config::parse("[server]\nlisten = \"127.0.0.1:1\"\nmax_cals = 3\n").unwrap_err();
        assert_eq!(p[0].line, Some(3));
        assert!(p[0].message.contains("unknown field"), "{}", p[0].message);
        let p = Config::parse("[server]\nmax_calls = \"many\"\n").unwrap_err();
        assert_eq!(p[0].line, Some(2));
        let p = Config::parse("[server\n").unwrap_err();
        assert_eq!(p[0].line, Some(1));
    }
}
