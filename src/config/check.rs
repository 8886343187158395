//! The configuration's checks: every problem with its line and a hint,
//! and what is allowed but unwise (warnings).

use std::net::SocketAddr;

use super::*;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {} (hint: {})", self.message, self.hint),
            None => write!(f, "{} (hint: {})", self.message, self.hint),
        }
    }
}

pub(super) fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set inside `[section]`, if it is set in the file.
fn line_of_key(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            continue;
        }
        if current == section && line.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
            return Some(i + 1);
        }
    }
    None
}

impl Config {
    /// Semantic checks; `text` is used to find lines.
    pub fn check(&self, text: &str) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut bad = |section: &str, key: &str, message: String, hint: &str| {
            out.push(Problem { line: line_of_key(text, section, key), message: format!("[{section}] {key}: {message}"), hint: hint.to_string() });
        };
        if self.server.listen.parse::<SocketAddr>().is_err() {
            bad("server", "listen", format!("« {} » is not an address:port", self.server.listen), "write it as 127.0.0.1:8084");
        }
        if !(1..=MAX_MAX_CALLS).contains(&self.server.max_calls) {
            bad("server", "max_calls", format!("must be between 1 and {MAX_MAX_CALLS}"), "2000 is a good start for one host");
        }
        if !(10..=MAX_DEADLINE_SECS).contains(&self.server.call_deadline_secs) {
            bad(
                "server",
                "call_deadline_secs",
                format!("must be between 10 (a dialogue needs time) and {MAX_DEADLINE_SECS}"),
                "900 (15 minutes) is the default",
            );
        }
        if self.server.drain_secs > MAX_DEADLINE_SECS {
            bad("server", "drain_secs", format!("must be at most {MAX_DEADLINE_SECS}"), "60 lets live calls finish on a restart");
        }
        for (i, peer) in self.server.allowed_peers.iter().enumerate() {
            if peer.parse::<std::net::IpAddr>().is_err() {
                bad(
                    "server",
                    "allowed_peers",
                    format!("entry {} « {peer} » is not an IP address", i + 1),
                    "the address of the FreeSWITCH host, e.g. 192.0.2.10",
                );
            }
        }
        if self.server.linger_secs == 0 || self.server.linger_secs > 60 {
            bad("server", "linger_secs", "must be between 1 and 60".into(), "5 lets the last events arrive; plain linger (0) would never let go");
        }
        if !(1000..=60000).contains(&self.server.digit_timeout_ms) {
            bad("server", "digit_timeout_ms", "must be between 1000 and 60000".into(), "6000 gives an elderly caller time to find the key");
        }
        if !crate::agenda::text::is_extension(&self.server.context) {
            bad(
                "server",
                "context",
                "must be one word of letters, digits, _ + -".into(),
                "the dialplan context holding the secretaries' extension, e.g. standardiste",
            );
        }
        if self.freeswitch.host.trim().is_empty() {
            bad("freeswitch", "host", "is empty".into(), "127.0.0.1 when FreeSWITCH runs on this host");
        }
        if self.freeswitch.port == 0 {
            bad("freeswitch", "port", "must not be 0".into(), "8021 is mod_event_socket's default");
        }
        if self.freeswitch.password == "ClueCon" || self.freeswitch.password == SAMPLE_PASSWORD {
            bad(
                "freeswitch",
                "password",
                "is a well-known default (FreeSWITCH's, or the sample's)".into(),
                "set a password of your own in event_socket.conf.xml and here, e.g. `openssl rand -hex 16`",
            );
        }
        if self.freeswitch.password.contains(['\n', '\r']) {
            bad("freeswitch", "password", "contains a line break".into(), "one line only");
        }
        if !self.mail.relay.is_empty() {
            if self.mail.relay.contains(|c: char| c.is_whitespace() || c == '/') {
                bad("mail", "relay", format!("« {} » is not a host name", self.mail.relay), "the SMTP server's name, e.g. smtp.example.fr");
            }
            if self.mail.port == 0 {
                bad("mail", "port", "must not be 0".into(), "587 with starttls = true, or 465");
            }
            if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
                bad("mail", "from", format!("« {} » is not a mail address", self.mail.from), "e.g. standardiste <standardiste@cabinet.fr>");
            }
            if self.mail.username.is_empty() != self.mail.password.is_empty() {
                bad("mail", "password", "username and password go together".into(), "set both, or neither for a relay that needs no login");
            }
        }
        if !(5..=86400).contains(&self.queue.console_grace_secs) {
            bad("queue", "console_grace_secs", "must be between 5 and 86400".into(), "120 lets a page reload or a short network cut pass");
        }
        if !(1..=3600).contains(&self.mail.poll_secs) {
            bad("mail", "poll_secs", "must be between 1 and 3600".into(), "5 tells the doctor within seconds");
        }
        if self.mail.transcript_wait_secs > 3600 {
            bad("mail", "transcript_wait_secs", "must be at most 3600".into(), "120 lets the transcript join the mail");
        }
        if self.database.path.as_os_str().is_empty() {
            bad("database", "path", "is empty".into(), "e.g. /var/lib/standardiste/standardiste.sqlite");
        }
        for (key, p) in [("prompts", &self.paths.prompts), ("recordings", &self.paths.recordings)] {
            if p.as_os_str().is_empty() {
                bad("paths", key, "is empty".into(), "a folder FreeSWITCH can read and write");
            } else if p.to_string_lossy().contains(char::is_whitespace) {
                bad("paths", key, "contains a space".into(), "FreeSWITCH applications take paths as space-separated arguments: choose a path without spaces");
            } else if p.exists() && !p.is_dir() {
                bad("paths", key, format!("{} exists and is not a folder", p.display()), "point it to a folder");
            }
        }
        if let Err(e) = crate::folders::Folders::for_group(&self.paths.switch_group) {
            bad(
                "paths",
                "switch_group",
                e,
                "the group of FreeSWITCH's user (e.g. freeswitch), the service's user a member of it; or empty when both run as one user",
            );
        }
        if !(80..=450).contains(&self.speech.rate) {
            bad("speech", "rate", "must be between 80 and 450 words per minute".into(), "150 is calm and clear on the phone");
        }
        if self.speech.voice.trim().is_empty() {
            bad("speech", "voice", "is empty".into(), "fr");
        }
        if !(1..=10_000).contains(&self.speech.silence_threshold) {
            bad("speech", "silence_threshold", "must be between 1 and 10000".into(), "200, FreeSWITCH's energy units: a quiet room stays below it");
        }
        if !(1..=60).contains(&self.speech.silence_secs) {
            bad("speech", "silence_secs", "must be between 1 and 60".into(), "4 seconds of silence end a message");
        }
        if self.speech.transcribe_below_calls > MAX_MAX_CALLS {
            bad("speech", "transcribe_below_calls", format!("must be at most {MAX_MAX_CALLS}"), "50: above that many live calls, decoding waits");
        }
        if self.speech.render_ahead_days > 366 {
            bad("speech", "render_ahead_days", "must be between 0 and 366".into(), "62 days of free slots rendered ahead (0: none)");
        }
        if self.queue.callbacks_per_number_per_day > 100 {
            bad("queue", "callbacks_per_number_per_day", "must be between 0 and 100".into(), "3 call-backs a day for one number (0: none)");
        }
        if self.queue.callbacks_per_practice_per_day > 100_000 {
            bad("queue", "callbacks_per_practice_per_day", "must be between 0 and 100000".into(), "100 a day for one practice (0: none)");
        }
        if !(1..=3600).contains(&self.queue.announce_every_secs) {
            bad("queue", "announce_every_secs", "must be between 1 and 3600".into(), "30 keeps a waiting caller informed without talking over the music");
        }
        if !(5..=120).contains(&self.queue.ring_secs) {
            bad("queue", "ring_secs", "must be between 5 and 120".into(), "15 seconds, about four rings");
        }
        if !(1..=MAX_DEADLINE_SECS).contains(&self.queue.max_wait_secs) {
            bad("queue", "max_wait_secs", format!("must be between 1 and {MAX_DEADLINE_SECS}"), "300 (five minutes) before offering a message or a call back");
        }
        if self.queue.wrap_up_secs > 3600 {
            bad("queue", "wrap_up_secs", "must be at most 3600".into(), "30 seconds to finish the notes of a call");
        }
        if self.queue.music.trim().is_empty() || self.queue.music.contains(|c: char| c.is_control() || "${}[]',".contains(c)) {
            bad("queue", "music", "must be one playback source".into(), "local_stream://moh (mod_local_stream's default class)");
        }
        if !self.queue.callback_dial.contains("{number}") {
            bad("queue", "callback_dial", "does not contain {number}".into(), "e.g. sofia/gateway/operator/{number}");
        } else if !crate::agenda::text::is_dial(&self.queue.callback_dial.replace("{number}", "0611223344"))
            || self.queue.callback_dial.replace("{number}", "0611223344").parse::<freeswitch_esl_tokio::commands::Endpoint>().is_err()
        {
            bad("queue", "callback_dial", "is not a dial string FreeSWITCH can originate".into(), "e.g. sofia/gateway/operator/{number} or user/{number}");
        }
        if !(self.stats.price_per_call.is_finite() && (0.0..=100.0).contains(&self.stats.price_per_call)) {
            bad("stats", "price_per_call", "must be between 0 and 100 (euros)".into(), "0.85, a télésecrétariat's usual price of a call");
        }
        if !self.metrics.listen.is_empty() && self.metrics.listen.parse::<SocketAddr>().is_err() {
            bad("metrics", "listen", format!("« {} » is not an address:port", self.metrics.listen), "127.0.0.1:9184, or empty for none");
        }
        if self.web.listen.parse::<SocketAddr>().is_err() {
            bad("web", "listen", format!("« {} » is not an address:port", self.web.listen), "write it as 127.0.0.1:8085");
        }
        for h in &self.web.hosts {
            if h.is_empty() || h.contains(|c: char| c.is_whitespace() || c == '/') {
                bad("web", "hosts", format!("« {h} » is not a host name"), "a name as browsers send it in Host, e.g. standardiste.example.fr");
            }
        }
        if !(1..=24 * 60).contains(&self.web.session_idle_minutes) {
            bad("web", "session_idle_minutes", "must be between 1 and 1440".into(), "30 minutes");
        }
        if !(1..=24 * 7).contains(&self.web.session_hours) {
            bad("web", "session_hours", "must be between 1 and 168".into(), "12 hours: a working day");
        }
        if !(1..=100).contains(&self.web.login_lock_after) {
            bad("web", "login_lock_after", "must be between 1 and 100".into(), "10 failed log-ins in a row");
        }
        if !(1..=100_000).contains(&self.web.login_address_limit) {
            bad("web", "login_address_limit", "must be between 1 and 100000".into(), "50 failed log-ins from one address in 15 minutes");
        }
        if !(1..=MAX_DEADLINE_SECS).contains(&self.web.login_lock_secs) {
            bad("web", "login_lock_secs", format!("must be between 1 and {MAX_DEADLINE_SECS}"), "900 (15 minutes)");
        }
        if !(16..=65_536).contains(&self.web.max_connections) {
            bad("web", "max_connections", "must be between 16 and 65536".into(), "512");
        }
        if !(1..=600).contains(&self.web.header_timeout_secs) {
            bad("web", "header_timeout_secs", "must be between 1 and 600".into(), "20 seconds");
        }
        if !(1024..=256 * 1024 * 1024).contains(&self.web.max_body_bytes) {
            bad("web", "max_body_bytes", "must be between 1 KiB and 256 MiB".into(), "8 MiB holds a recorded sentence");
        }
        out
    }

    /// What is allowed but unwise: said by `check-config` and at start-up,
    /// never refused.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.freeswitch.password.trim().is_empty() {
            out.push(
                "[freeswitch] password is empty: it is never sent, so the inbound Event Socket link (the secretaries' queues, call-backs, checking each call) stays off until it is set".into(),
            );
        }
        let non_loopback = |a: &str| a.parse::<SocketAddr>().is_ok_and(|a| !a.ip().is_loopback());
        if non_loopback(&self.web.listen) && !self.web.behind_tls_proxy {
            out.push(format!(
                "[web] listen = \"{}\" is not a loopback address and [web] behind_tls_proxy is not set: passwords and health data would cross the network in clear; serve it through a TLS reverse proxy (README) and set behind_tls_proxy = true",
                self.web.listen
            ));
        }
        if non_loopback(&self.metrics.listen) {
            out.push(format!(
                "[metrics] listen = \"{}\" is not a loopback address: /metrics and /health answer without a log-in (the figures name no caller); let only the scraper reach it",
                self.metrics.listen
            ));
        }
        if non_loopback(&self.server.listen) {
            out.push(format!(
                "[server] listen = \"{}\" is not a loopback address: only FreeSWITCH's host should reach it ([server] allowed_peers)",
                self.server.listen
            ));
        }
        out
    }
}
