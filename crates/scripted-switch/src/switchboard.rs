//! The emulated switch's shared state and its inbound Event Socket: the
//! phones of the secretaries (and of patients called back), the legs it
//! originates, the callers' channels, and the one inbound connection the
//! service keeps. Frames are the captures' (auth request and replies, command
//! replies, `BACKGROUND_JOB`, `CHANNEL_PARK`, `CHANNEL_HANGUP_COMPLETE`),
//! with only the values of the legs substituted.
//!
//! How a phone behaves is scripted with [`Phone`]; what happened is logged as
//! [`BoardEvent`]s for the tests to read.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

use super::{Captures, Conn, EventBody};

/// How a phone behaves when it rings.
#[derive(Debug, Clone)]
pub struct Phone {
    /// Answers after this long; `None`: never answers.
    pub answer_after: Option<Duration>,
    /// Fails at once with this cause (`USER_NOT_REGISTERED`).
    pub fail: Option<String>,
    /// Hangs up during the announcement, before the bridge.
    pub hang_up_during_announcement: bool,
    /// How long the conversation lasts once bridged.
    pub talk: Duration,
}

impl Phone {
    /// Answers after `after`, talks for `talk`.
    pub fn answers(after: Duration, talk: Duration) -> Phone {
        Phone { answer_after: Some(after), fail: None, hang_up_during_announcement: false, talk }
    }

    /// Rings and rings.
    pub fn never_answers() -> Phone {
        Phone { answer_after: None, fail: None, hang_up_during_announcement: false, talk: Duration::ZERO }
    }

    /// Fails at once with `cause`.
    pub fn fails(cause: &str) -> Phone {
        Phone { answer_after: None, fail: Some(cause.into()), hang_up_during_announcement: false, talk: Duration::ZERO }
    }
}

/// Something the emulated switch did, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardEvent {
    /// An originate rang these dial strings (leg ids in the same order).
    Rang {
        /// Dial strings.
        dials: Vec<String>,
        /// Leg ids.
        legs: Vec<String>,
        /// The whole command.
        command: String,
    },
    /// A phone answered.
    Answered {
        /// Dial string.
        dial: String,
        /// Leg.
        leg: String,
    },
    /// A caller was bridged to a leg.
    Bridged {
        /// The caller's channel.
        caller: String,
        /// The leg.
        leg: String,
        /// Its dial string.
        dial: String,
    },
    /// The bridge ended (the secretary hung up).
    Unbridged {
        /// The caller's channel.
        caller: String,
        /// The leg.
        leg: String,
    },
    /// A leg was killed with `uuid_kill`.
    Killed {
        /// The leg.
        leg: String,
    },
    /// The inbound connection was dropped by the switch.
    LinkDropped,
    /// A patient was called back and bridged to a secretary.
    CalledBack {
        /// The patient's dial string.
        patient: String,
        /// The secretary's, inside the bridge.
        secretary: String,
    },
}

#[derive(Debug)]
struct LegState {
    dial: String,
    talk: Duration,
    answered: bool,
    parked: bool,
    killed: bool,
}

#[derive(Default)]
struct Board {
    phones: HashMap<String, Phone>,
    legs: HashMap<String, LegState>,
    /// The callers' channels: unique id → the caller's number.
    calls: HashMap<String, String>,
    link: Option<mpsc::UnboundedSender<String>>,
    log: Vec<(Instant, BoardEvent)>,
    /// What check-freeswitch asks about; `None`: those commands are unknown.
    installed: Option<crate::Installed>,
}

/// The emulated switch's shared state.
pub struct Switchboard {
    board: Mutex<Board>,
    caps: Arc<Captures>,
    drop_link: Notify,
    password: String,
    /// Whether the callers' channels are told on the inbound link too, as a
    /// real switch does for every channel (`CHANNEL_CREATE` when the call
    /// is registered, `CHANNEL_HANGUP_COMPLETE` when it is gone: 15b).
    announce_calls: std::sync::atomic::AtomicBool,
}

fn quoted_split(s: &str, sep: char) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quote) = (Vec::new(), String::new(), 0i32, false);
    for c in s.chars() {
        match c {
            '\'' => quote = !quote,
            '{' | '[' | '(' if !quote => depth += 1,
            '}' | ']' | ')' if !quote => depth -= 1,
            c if c == sep && !quote && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// (leg id, dial string) of one leg of an originate's dial string.
fn leg_of(part: &str) -> (String, String) {
    let id = part.split("origination_uuid=").nth(1).map(|r| r.chars().take_while(|c| c.is_ascii_hexdigit() || *c == '-').collect()).unwrap_or_default();
    let dial = part.rsplit(['}', ']']).next().unwrap_or(part).to_string();
    (id, dial)
}

impl Switchboard {
    /// An empty switch; the service must log in with `password`.
    pub fn new(password: &str) -> Arc<Switchboard> {
        Self::with_captures(password, Captures::get())
    }

    /// An empty switch replaying these captures' frames.
    pub fn with_captures(password: &str, caps: Arc<Captures>) -> Arc<Switchboard> {
        Arc::new(Switchboard {
            board: Mutex::new(Board::default()),
            caps,
            drop_link: Notify::new(),
            password: password.into(),
            announce_calls: Default::default(),
        })
    }

    /// Tell the callers' channels on the inbound link (see `announce_calls`).
    pub fn announce_calls(&self, on: bool) {
        self.announce_calls.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    fn announces(&self) -> bool {
        self.announce_calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn board(&self) -> std::sync::MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Script a phone (by its dial string, as the service dials it).
    pub fn phone(&self, dial: &str, phone: Phone) {
        self.board().phones.insert(dial.into(), phone);
    }

    /// Give the switch an installation (modules, dialplan, streams, folders).
    pub fn install(&self, installed: crate::Installed) {
        self.board().installed = Some(installed);
    }

    /// What happened so far.
    pub fn log(&self) -> Vec<(Instant, BoardEvent)> {
        self.board().log.clone()
    }

    fn note(&self, ev: BoardEvent) {
        self.board().log.push((Instant::now(), ev));
    }

    /// Live channels: callers and legs.
    pub fn live(&self) -> Vec<String> {
        let b = self.board();
        b.calls.keys().cloned().chain(b.legs.iter().filter(|(_, l)| !l.killed).map(|(k, _)| k.clone())).collect()
    }

    /// A leg another run of the service originated is parked on the switch
    /// (the service crashed while a secretary waited on it).
    pub fn leftover_leg(&self, id: &str, dial: &str) {
        self.board().legs.insert(id.into(), LegState { dial: dial.into(), talk: Duration::ZERO, answered: true, parked: true, killed: false });
    }

    /// A caller's channel exists, with this caller's number.
    pub fn register_call(&self, uuid: &str, caller: &str) {
        self.board().calls.insert(uuid.into(), caller.into());
        if self.announces() {
            self.send(self.leg_event("CHANNEL_CREATE", uuid).frame());
        }
    }

    /// A caller's channel is gone.
    pub fn unregister_call(&self, uuid: &str) {
        let was = self.board().calls.remove(uuid).is_some();
        if was && self.announces() {
            let mut ev = self.leg_event("CHANNEL_HANGUP_COMPLETE", uuid);
            ev.set("Hangup-Cause", "NORMAL_CLEARING");
            self.send(ev.frame());
        }
    }

    /// Drop the inbound connection (the switch restarts its listener).
    pub fn drop_link(&self) {
        self.note(BoardEvent::LinkDropped);
        self.drop_link.notify_waiters();
    }

    /// Whether the service is connected.
    pub fn linked(&self) -> bool {
        self.board().link.is_some()
    }

    fn send(&self, frame: String) {
        if let Some(link) = &self.board().link {
            let _ = link.send(frame);
        }
    }

    fn leg_event(&self, name: &str, leg: &str) -> EventBody {
        let mut ev = self.caps.events.get(name).unwrap_or_else(|| panic!("no {name} captured")).clone();
        ev.set("Unique-ID", leg).set("Channel-Call-UUID", leg).set("Caller-Unique-ID", leg);
        ev
    }

    fn leg_gone(&self, leg: &str, cause: &str) {
        let was = self.board().legs.remove(leg).is_some();
        if was {
            let mut ev = self.leg_event("CHANNEL_HANGUP_COMPLETE", leg);
            ev.set("Hangup-Cause", cause);
            self.send(ev.frame());
        }
    }

    /// The service asks to bridge `caller` to `leg` (`uuid_bridge` on the
    /// caller's socket): the leg's talk time when it can be done.
    pub fn bridge(&self, caller: &str, leg: &str) -> Option<Duration> {
        let (talk, dial) = {
            let b = self.board();
            let l = b.legs.get(leg).filter(|l| l.answered && !l.killed)?;
            (l.talk, l.dial.clone())
        };
        self.note(BoardEvent::Bridged { caller: caller.into(), leg: leg.into(), dial });
        Some(talk)
    }

    /// The secretary hangs up: the bridge ends.
    pub fn unbridge(&self, caller: &str, leg: &str) {
        self.note(BoardEvent::Unbridged { caller: caller.into(), leg: leg.into() });
        self.leg_gone(leg, "NORMAL_CLEARING");
    }

    fn background_job(&self, job: &str, arg: &str, body: &str) {
        let mut ev = self.caps.events.get("BACKGROUND_JOB").expect("BACKGROUND_JOB captured").clone();
        ev.set("Job-UUID", job).set("Job-Command", "originate").set("Job-Command-Arg", arg);
        self.send(ev.frame_with_body(body));
    }

    async fn originate(self: Arc<Self>, job: String, arg: String) {
        let parts = quoted_split(arg.trim(), ' ');
        let dial_part = parts.first().cloned().unwrap_or_default();
        let target = parts[1..].join(" ");
        // A quoted argument, as originate reads it: quotes off, \' unescaped.
        let target = target.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')).map(|t| t.replace("\\'", "'")).unwrap_or(target);
        let timeout = dial_part
            .split("originate_timeout=")
            .nth(1)
            .and_then(|r| r.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<u64>().ok())
            .unwrap_or(60);
        let legs: Vec<(String, String)> = quoted_split(&dial_part, ',').iter().map(|p| leg_of(p)).collect();
        self.note(BoardEvent::Rang {
            dials: legs.iter().map(|l| l.1.clone()).collect(),
            legs: legs.iter().map(|l| l.0.clone()).collect(),
            command: format!("originate {arg}"),
        });
        let phones: Vec<Phone> = {
            let mut b = self.board();
            for (id, dial) in &legs {
                b.legs.insert(id.clone(), LegState { dial: dial.clone(), talk: Duration::ZERO, answered: false, parked: false, killed: false });
            }
            legs.iter().map(|(_, d)| b.phones.get(d).cloned().unwrap_or_else(|| Phone::fails("USER_NOT_REGISTERED"))).collect()
        };
        let started = Instant::now();
        // The first phone to answer within the ring time takes the call.
        let winner = phones
            .iter()
            .enumerate()
            .filter(|(_, p)| p.fail.is_none())
            .filter_map(|(i, p)| p.answer_after.filter(|a| a.as_secs() < timeout).map(|a| (a, i)))
            .min();
        let finish = |me: &Arc<Self>, legs: &[(String, String)], keep: Option<usize>| {
            let mut b = me.board();
            for (i, (id, _)) in legs.iter().enumerate() {
                if Some(i) != keep {
                    b.legs.remove(id);
                }
            }
        };
        let Some((after, i)) = winner else {
            let all_fail = phones.iter().all(|p| p.fail.is_some());
            let cause = if all_fail { phones[0].fail.clone().unwrap_or_default() } else { "NO_ANSWER".to_string() };
            if !all_fail {
                self.wait_or_killed(&legs, started + Duration::from_secs(timeout)).await;
            }
            let killed = legs.iter().any(|(id, _)| self.board().legs.get(id).is_some_and(|l| l.killed));
            finish(&self, &legs, None);
            self.background_job(&job, &arg, &format!("-ERR {}\n", if killed { "ORIGINATOR_CANCEL" } else { &cause }));
            return;
        };
        if self.wait_or_killed(&legs, started + after).await {
            finish(&self, &legs, None);
            self.background_job(&job, &arg, "-ERR ORIGINATOR_CANCEL\n");
            return;
        }
        finish(&self, &legs, Some(i));
        let (leg, dial) = legs[i].clone();
        let phone = phones[i].clone();
        if let Some(l) = self.board().legs.get_mut(&leg) {
            l.answered = true;
            l.talk = phone.talk;
        }
        self.note(BoardEvent::Answered { dial: dial.clone(), leg: leg.clone() });
        self.background_job(&job, &arg, &format!("+OK {leg}\n"));
        if let Some(bridge) = target.strip_prefix("&bridge(") {
            // A call back: the patient answered, the secretary's phone is bridged.
            let secretary = bridge.trim_end_matches(')').rsplit(['}', ']']).next().unwrap_or("").to_string();
            self.note(BoardEvent::CalledBack { patient: dial, secretary });
            tokio::time::sleep(phone.talk).await;
            self.leg_gone(&leg, "NORMAL_CLEARING");
            return;
        }
        // The announcement plays, then the leg parks.
        tokio::time::sleep(Duration::from_millis(50)).await;
        if phone.hang_up_during_announcement {
            self.leg_gone(&leg, "NORMAL_CLEARING");
            return;
        }
        let parked = {
            let mut b = self.board();
            match b.legs.get_mut(&leg) {
                Some(l) if !l.killed => {
                    l.parked = true;
                    true
                }
                _ => false,
            }
        };
        if parked {
            self.send(self.leg_event("CHANNEL_PARK", &leg).frame());
        }
    }

    /// Sleep until `until`; true when a leg was killed meanwhile.
    async fn wait_or_killed(&self, legs: &[(String, String)], until: Instant) -> bool {
        loop {
            if legs.iter().any(|(id, _)| self.board().legs.get(id).is_some_and(|l| l.killed)) {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20).min(until.saturating_duration_since(Instant::now()))).await;
        }
    }

    fn kill(&self, leg: &str) -> bool {
        let found = match self.board().legs.get_mut(leg) {
            Some(l) if !l.killed => {
                l.killed = true;
                l.answered
            }
            _ => return false,
        };
        self.note(BoardEvent::Killed { leg: leg.into() });
        if found {
            self.leg_gone(leg, "NORMAL_CLEARING");
        }
        true
    }

    /// Listen for the service's inbound connection on 127.0.0.1; returns the port.
    pub async fn listen(self: &Arc<Self>) -> io::Result<u16> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let me = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let me = me.clone();
                tokio::spawn(async move {
                    let _ = me.serve_link(Conn::new(stream)).await;
                });
            }
        });
        Ok(port)
    }

    async fn serve_link(self: Arc<Self>, mut conn: Conn) -> io::Result<()> {
        if crate::log_in(&mut conn, &self.password, &self.caps).await.is_err() {
            return Ok(());
        }
        let (tx, mut frames) = mpsc::unbounded_channel();
        self.board().link = Some(tx);
        let dropped = self.drop_link.notified();
        tokio::pin!(dropped);
        let result = loop {
            tokio::select! {
                _ = &mut dropped => break Ok(()),
                frame = frames.recv() => if let Some(f) = frame { conn.send_raw(&f).await? },
                cmd = conn.read_command() => {
                    let cmd = match cmd {
                        Ok(c) => c,
                        Err(_) => break Ok(()),
                    };
                    let line = cmd.lines().next().unwrap_or("").to_string();
                    if line.starts_with("event plain") {
                        conn.reply_ok_text("event listener enabled plain").await?;
                    } else if line == "api show channels as json" {
                        let rows: Vec<serde_json::Value> = self.live().into_iter().map(|u| serde_json::json!({ "uuid": u })).collect();
                        conn.reply_api(&serde_json::json!({ "row_count": rows.len(), "rows": rows }).to_string()).await?;
                    } else if let Some(arg) = line.strip_prefix("bgapi originate ") {
                        let job = uuid::Uuid::new_v4().to_string();
                        conn.send_raw(&format!("Content-Type: command/reply\nReply-Text: +OK Job-UUID: {job}\nJob-UUID: {job}\n\n")).await?;
                        tokio::spawn(self.clone().originate(job, arg.to_string()));
                    } else if let Some(leg) = line.strip_prefix("api uuid_kill ") {
                        let leg = leg.split(' ').next().unwrap_or("");
                        if self.kill(leg) {
                            conn.reply_api("+OK\n").await?;
                        } else {
                            conn.reply_api("-ERR No such channel!\n").await?;
                        }
                    } else if let Some(id) = line.strip_prefix("api uuid_exists ") {
                        // As FreeSWITCH answers (capture 04): `true` or `false`, no newline.
                        let known = self.board().calls.contains_key(id.trim()) || self.live().iter().any(|u| u == id.trim());
                        conn.reply_api(if known { "true" } else { "false" }).await?;
                    } else if let Some(rest) = line.strip_prefix("api uuid_getvar ") {
                        let mut words = rest.split(' ');
                        let (id, var) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                        let caller = self.board().calls.get(id).cloned();
                        match (caller, var) {
                            (Some(c), "caller_id_number") => conn.reply_api(&c).await?,
                            (Some(_), _) => conn.reply_api("_undef_").await?,
                            (None, _) => conn.reply_api("-ERR No such channel!\n").await?,
                        }
                    } else if let Some(body) = line.strip_prefix("api ").and_then(|c| self.board().installed.as_ref().and_then(|i| i.answer(c))) {
                        conn.reply_api(&body).await?;
                    } else if let Some(rest) = line.strip_prefix("api ") {
                        let name = rest.split(' ').next().unwrap_or("");
                        conn.reply_api(&format!("-ERR {name} Command not found!\n")).await?;
                    } else {
                        conn.reply_err("command not found").await?;
                    }
                }
            }
        };
        self.board().link = None;
        conn.close().await;
        result
    }
}
