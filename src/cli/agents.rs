//! The secretaries' commands: the same agents' API a console uses, from a
//! terminal (`standardiste agent login ana`, `standardiste queue show`…). They
//! talk to the running service over HTTP; the address is `--api`, or the
//! configuration's `[web] listen`.

use std::io::Write;
use std::time::Duration;

use clap::Subcommand;
use serde_json::{Value, json};

use super::{EXIT_DATA, EXIT_UNAVAILABLE, Failure, failed};
use crate::config::Config;
use crate::queue::{Agent, AgentState, StatsView, WaitingView};
use crate::store::Callback;

/// `GET /api/queues` as read here: the API's own types (its `QueuesView`
/// flattens the snapshot, through which serde cannot read the secretaries'
/// practices, a map keyed by number).
#[derive(serde::Deserialize)]
struct QueuesShown {
    waiting: Vec<WaitingView>,
    agents: Vec<Agent>,
    callbacks: Vec<Callback>,
}

/// `agent …`
#[derive(Debug, Subcommand)]
pub enum AgentCmd {
    /// Start taking calls.
    Login {
        /// Secretary's id.
        id: String,
        /// The service's API (default: http://<[web] listen>).
        #[arg(long)]
        api: Option<String>,
    },
    /// Stop taking calls.
    Logout {
        /// Secretary's id.
        id: String,
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
    /// Pause, with a reason.
    Pause {
        /// Secretary's id.
        id: String,
        /// Why ("déjeuner").
        #[arg(long, default_value = "pause")]
        reason: String,
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
    /// Back from a pause.
    Resume {
        /// Secretary's id.
        id: String,
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
}

/// `queue …`
#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// Waiting calls and secretaries, live.
    Show {
        /// The whole answer as JSON.
        #[arg(long)]
        json: bool,
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
    /// Figures per practice: offered, answered, abandoned, waits.
    Stats {
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
    /// One call: the doctors' instructions and the caller's history (JSON).
    Call {
        /// The call's unique id (see `queue show`).
        uuid: String,
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
}

/// `callback …`
#[derive(Debug, Subcommand)]
pub enum CallbackCmd {
    /// Call-back requests not placed yet (`--all`: every one).
    List {
        /// Placed ones too.
        #[arg(long)]
        all: bool,
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
    /// Call a patient back: their phone rings, then the secretary's.
    Place {
        /// The request's id.
        id: i64,
        /// The secretary who calls.
        #[arg(long)]
        agent: String,
        /// The service's API.
        #[arg(long)]
        api: Option<String>,
    },
}

/// The running service's API, and the token to show it.
pub struct Client {
    base: String,
    token: String,
}

impl Client {
    /// From `--api` (or `[web] listen`) and `--token` (or
    /// `STANDARDISTE_TOKEN`, or `[client] token`); no token is a clear
    /// failure (exit 65), not a 401.
    pub fn new(config: &Config, api: &Option<String>, token: Option<&str>) -> Result<Client, Failure> {
        let base = api.clone().unwrap_or_else(|| format!("http://{}", config.web.listen)).trim_end_matches('/').to_string();
        let token = token.map(str::to_string).filter(|t| !t.trim().is_empty()).or_else(|| Some(config.client.token.clone()).filter(|t| !t.trim().is_empty()));
        let token = token.ok_or_else(|| Failure {
            code: EXIT_DATA,
            message: "no token: give --token, STANDARDISTE_TOKEN or [client] token (standardiste token create LOGIN makes one)".into(),
        })?;
        Ok(Client { base, token: token.trim().to_string() })
    }

    fn get(&self, path: &str) -> Result<Value, Failure> {
        self.call("GET", path, None)
    }

    fn post(&self, path: &str, body: Option<Value>) -> Result<Value, Failure> {
        self.call("POST", path, body)
    }

    /// One request to the API; its JSON answer, or a failure naming the cause.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Failure> {
        let url = format!("{}{path}", self.base);
        call(method, &url, &self.token, body)
    }
}

/// One request to the API; its JSON answer, or a failure naming the cause.
fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> Result<Value, Failure> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(10))).build().into();
    let bearer = format!("Bearer {token}");
    let sent = match (method, body) {
        ("GET", _) => agent.get(url).header("Authorization", &bearer).call(),
        (_, Some(b)) => agent.post(url).header("Authorization", &bearer).send_json(b),
        (_, None) => agent.post(url).header("Authorization", &bearer).send_empty(),
    };
    let mut resp =
        sent.map_err(|e| Failure { code: EXIT_UNAVAILABLE, message: format!("{url}: {e} (is `standardiste serve` running? see --api and [web] listen)") })?;
    let status = resp.status().as_u16();
    let value: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
    if status >= 400 {
        let why = value.get("error").and_then(Value::as_str).unwrap_or("no detail").to_string();
        return Err(Failure { code: if status < 500 { EXIT_DATA } else { 1 }, message: format!("{why} (HTTP {status})") });
    }
    Ok(value)
}

/// A secretary's command.
pub fn agent(config: &Config, token: Option<&str>, cmd: AgentCmd, out: &mut dyn Write) -> Result<(), Failure> {
    let (path, id, body, said, api) = match cmd {
        AgentCmd::Login { id, api } => ("login", id, None, "connectée", api),
        AgentCmd::Logout { id, api } => ("logout", id, None, "déconnectée", api),
        AgentCmd::Pause { id, reason, api } => ("pause", id, Some(json!({ "reason": reason })), "en pause", api),
        AgentCmd::Resume { id, api } => ("resume", id, None, "de retour", api),
    };
    Client::new(config, &api, token)?.post(&format!("/api/agents/{id}/{path}"), body)?;
    writeln!(out, "secrétaire {id}: {said}").map_err(failed)
}

fn state_line(a: &Agent) -> String {
    match &a.state {
        AgentState::LoggedOut => "logged_out".into(),
        AgentState::Available { .. } => "available".into(),
        AgentState::Offered { call, .. } => format!("sonne pour {call}"),
        AgentState::OnCall { call } => format!("en ligne ({call})"),
        AgentState::WrapUp { .. } => "wrap_up".into(),
        AgentState::Paused { reason } => format!("en pause ({reason})"),
    }
}

/// The queues' commands.
pub fn queue(config: &Config, token: Option<&str>, cmd: QueueCmd, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        QueueCmd::Show { json, api } => {
            let v = Client::new(config, &api, token)?.get("/api/queues")?;
            if json {
                return writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default()).map_err(failed);
            }
            let v: QueuesShown = typed(v)?;
            writeln!(out, "En attente:").map_err(failed)?;
            for c in &v.waiting {
                writeln!(
                    out,
                    "  {} {}  {}  {} s  {}{}  [{}]",
                    c.position,
                    c.practice,
                    c.call.caller.as_deref().unwrap_or("masqué"),
                    c.waiting_secs,
                    if c.call.urgent { "URGENT " } else { "" },
                    c.call.reason,
                    c.call.uuid,
                )
                .map_err(failed)?;
            }
            writeln!(out, "Secrétaires:").map_err(failed)?;
            for a in &v.agents {
                writeln!(out, "  {} ({}): {}", a.id, a.name, state_line(a)).map_err(failed)?;
            }
            writeln!(out, "Rappels à faire: {}", v.callbacks.len()).map_err(failed)
        }
        QueueCmd::Stats { api } => {
            let v: Vec<StatsView> = typed(Client::new(config, &api, token)?.get("/api/stats")?)?;
            writeln!(out, "cabinet\tproposés\trépondus\tabandonnés\trendus\tattente moy. (s)\tattente max (s)").map_err(failed)?;
            for s in &v {
                let n = &s.stats;
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{:.1}\t{:.1}",
                    s.practice_id, n.offered, n.answered, n.abandoned, n.taken_back, s.average_wait_secs, n.longest_wait_secs
                )
                .map_err(failed)?;
            }
            Ok(())
        }
        QueueCmd::Call { uuid, api } => {
            let v = Client::new(config, &api, token)?.get(&format!("/api/calls/{uuid}"))?;
            writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default()).map_err(failed)
        }
    }
}

/// An answer of the API read as its type: a service that answers something
/// else is a clear failure, not a line of zeros.
fn typed<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, Failure> {
    serde_json::from_value(v).map_err(|e| Failure { code: EXIT_UNAVAILABLE, message: format!("the service's answer is not the API's: {e}") })
}

/// The call backs' commands.
pub fn callback(config: &Config, token: Option<&str>, cmd: CallbackCmd, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        CallbackCmd::List { all, api } => {
            let v: Vec<Callback> = typed(Client::new(config, &api, token)?.get(if all { "/api/callbacks?all=true" } else { "/api/callbacks" })?)?;
            for c in &v {
                writeln!(
                    out,
                    "{}\tcabinet {}\t{}\t{}{}\t{}",
                    c.id,
                    c.practice_id,
                    c.caller,
                    if c.urgent { "URGENT " } else { "" },
                    c.reason,
                    c.outcome.as_deref().unwrap_or("à rappeler"),
                )
                .map_err(failed)?;
            }
            Ok(())
        }
        CallbackCmd::Place { id, agent, api } => {
            Client::new(config, &api, token)?.post(&format!("/api/callbacks/{id}/place"), Some(json!({ "agent": agent })))?;
            writeln!(out, "rappel {id}: le téléphone du patient sonne, puis celui de {agent}").map_err(failed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::{Level, Snapshot, WaitingCall};
    use crate::web::api::QueuesView;

    #[test]
    fn the_queues_answer_is_read_back_as_the_api_s_types() {
        let now = chrono::Utc::now();
        let call = WaitingCall { uuid: "c1".into(), practice_id: 1, caller: None, reason: "touche 0".into(), urgent: true, since: now };
        let agent = Agent {
            id: "ana".into(),
            name: "Ana".into(),
            dial: "user/1101".into(),
            practices: [(1, Level::Primary)].into_iter().collect(),
            state: AgentState::Paused { reason: "déjeuner".into() },
        };
        let snapshot = Snapshot {
            now,
            waiting: vec![WaitingView { call, practice: "Cabinet".into(), waiting_secs: 12, position: 1, ringing: vec![] }],
            agents: vec![agent.clone()],
            stats: vec![],
        };
        let sent = serde_json::to_value(QueuesView { snapshot, callbacks: vec![] }).unwrap();
        let read: QueuesShown = typed(sent).unwrap();
        assert_eq!(read.agents, vec![agent]);
        assert_eq!(state_line(&read.agents[0]), "en pause (déjeuner)");
        assert!(read.waiting[0].call.urgent && read.waiting[0].position == 1);
        let e = typed::<QueuesShown>(serde_json::json!({ "waiting": 3 })).err().unwrap();
        assert_eq!(e.code, EXIT_UNAVAILABLE, "{}", e.message);
    }
}
