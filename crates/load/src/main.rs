//! standardiste-load: plays many FreeSWITCH switches at once against a real
//! `standardiste serve` process, over real TCP, with frames from the real
//! captures, and reports what a practice cares about on Monday morning:
//! calls completed per second, concurrent calls held, the service's reaction
//! latency (switch frame → next command), errors by kind, and the service's
//! resident memory per concurrent call and CPU time per call (from /proc).
//!
//! Profiles:
//!   steady  N concurrent calls for T seconds
//!   ramp    add calls step by step up to the breaking point (p99 > 50 ms or first error)
//!   monday  a burst of calls for one practice, all booking; then checks the agenda
//!   call    one call with the keys given, checked: answered, the greeting played
//!           (what .ci/run plays into `make run`)
//!   soak    mixed calls, the service killed with SIGKILL at random moments and
//!           started again on the same files, each time: the database intact
//!           and everything a caller heard confirmed found in it
//!   day     a practice's day of mixed calls (bookings, cancellations, messages,
//!           hours, the secretaries, urgent calls), then the practice's figures
//!           (`standardiste stats --json`) checked against the generator's own
//!           count of how each call ended

use std::collections::{BTreeMap, VecDeque};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use scripted_switch::measure;
use scripted_switch::{Captures, Patient, SwitchCall, Transcript, default_captures_dir};
use standardiste::speech::Voice;
use standardiste::words::prompts;

// The same allocator as the service: the generator plays the switch, whose
// own cost on this shared machine delays the service's replies too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "standardiste-load", about = "Load generator: many switches, many patients, one standardiste")]
struct Cli {
    /// Address of a running service; without it, --spawn.
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Pid of the running service, for its memory and CPU figures.
    #[arg(long)]
    pid: Option<u32>,
    /// Start `standardiste serve` (the binary beside this one) on a fresh database.
    #[arg(long)]
    spawn: bool,
    /// Folder of the ESL captures whose frames are replayed.
    #[arg(long)]
    captures: Option<PathBuf>,
    /// Milliseconds a patient takes to answer each question.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Mix of flows.
    #[arg(long, value_enum, default_value = "mixed")]
    flow: FlowArg,
    /// Which captured frames the switches replay: `emulated`, the first
    /// captures' (01, 04, 09, 11); `real`, this service's own calls on a real
    /// switch (13–16: each application's completion as captured, 3–6 KB),
    /// with an inbound link (15b's frames) that tells every caller's channel
    /// as a real switch does (with --spawn).
    #[arg(long, value_enum, default_value = "emulated")]
    frames: FramesArg,
    /// Play in real time: a playback lasts its files' length, a recording
    /// its 3 s (calls last as long as on a real switch: about 27 s for a
    /// booking).
    #[arg(long)]
    real_time: bool,
    /// With --spawn: start the service without the speech model (otherwise
    /// it loads `models/ggml-base.bin` from the current folder, as
    /// `make run` does, when it is there).
    #[arg(long)]
    no_model: bool,
    /// With --spawn: cancel the phone bookings five times a second, as the
    /// practice's staff would (through the store's own cancel), so that
    /// the agenda keeps its room through a long tight loop. Without it the
    /// demo practice's free slots (about 400 over its horizon) are taken in
    /// the first seconds, and the calls after that end in a message: the
    /// outcomes line says which.
    #[arg(long)]
    free_booked: bool,
    /// Print the figures as JSON too.
    #[arg(long)]
    json: bool,
    /// Write every measured reaction to this file, one line each: seconds
    /// since the start, latency in microseconds, what the service did next
    /// (to see when the slow ones happen, and what else happened then),
    /// after a first line `# start UNIX-TIME` (the start, wall clock).
    #[arg(long)]
    latency_log: Option<PathBuf>,
    #[command(subcommand)]
    profile: Profile,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FlowArg {
    /// booking 20 %, cancel 10 %, message 20 %, hours 30 %, secretaries 20 %.
    Mixed,
    /// Every call books.
    Booking,
    /// Every call asks the hours and hangs up.
    Hours,
}

#[derive(Debug, Subcommand)]
enum Profile {
    /// N concurrent calls for T seconds (each worker calls again as soon as its call ends).
    Steady {
        #[arg(long, default_value_t = 100)]
        calls: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// Start with `start` concurrent calls, add `step` every `step_seconds`, up to `max`;
    /// report where p99 passes 50 ms or the first error appears.
    Ramp {
        #[arg(long, default_value_t = 100)]
        start: usize,
        #[arg(long, default_value_t = 100)]
        step: usize,
        #[arg(long, default_value_t = 5)]
        step_seconds: u64,
        #[arg(long, default_value_t = 2000)]
        max: usize,
    },
    /// One call into a running service (`--addr`), checked: it is answered
    /// and the practice's greeting, rendered where the configuration says,
    /// is the first thing played. Prints what the switch saw; exits non-zero
    /// when the check fails.
    Call {
        /// The service's configuration (prompts folder, voice, rate).
        #[arg(long)]
        config: PathBuf,
        /// The caller's number.
        #[arg(long, default_value = "0611223344")]
        caller: String,
        /// The number dialled.
        #[arg(long, default_value = standardiste::store::demo::DEMO_DID)]
        to: String,
        /// The practice whose greeting must be heard.
        #[arg(long, default_value = standardiste::store::demo::DEMO_PRACTICE)]
        practice: String,
        /// Keys pressed, one per question ("" lets a question time out).
        #[arg(long, value_delimiter = ',', default_value = "4")]
        keys: Vec<String>,
    },
    /// A day of `calls` mixed calls, `concurrent` at a time (with --spawn):
    /// then the practice's figures, as `standardiste stats --json` gives
    /// them, must match what the generator counted call by call.
    Day {
        #[arg(long, default_value_t = 200)]
        calls: usize,
        #[arg(long, default_value_t = 10)]
        concurrent: usize,
    },
    /// Mixed calls, `concurrent` at a time, and the service killed with
    /// SIGKILL `kills` times at random moments (with --spawn), started again
    /// on the same database and folders each time; after each kill the
    /// database passes `PRAGMA integrity_check`, every booking, cancellation
    /// and message a caller heard confirmed is in it (the message with its
    /// recording), and no appointment block belongs to an appointment that
    /// is not booked.
    Soak {
        #[arg(long, default_value_t = 50)]
        kills: usize,
        #[arg(long, default_value_t = 10)]
        concurrent: usize,
        /// Longest run of calls between two kills (ms); each is random up to it.
        #[arg(long, default_value_t = 3000)]
        max_run_ms: u64,
    },
    /// A burst of `calls` booking calls in `seconds` for one practice.
    Monday {
        #[arg(long, default_value_t = 300)]
        calls: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FramesArg {
    Emulated,
    Real,
}

/// Which flow a call plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Flow {
    Booking,
    Cancel,
    Message,
    Hours,
    Secretaries,
    Urgent,
}

impl Flow {
    fn name(self) -> &'static str {
        match self {
            Flow::Booking => "booking",
            Flow::Cancel => "cancel",
            Flow::Message => "message",
            Flow::Hours => "hours",
            Flow::Secretaries => "secretaries",
            Flow::Urgent => "urgent",
        }
    }

    /// The outcome the practice's figures should record for a call of this
    /// flow, from what the switch saw: confirmed and hung up by the service
    /// (booked, cancelled, message), told the hours (the caller hangs up),
    /// transferred (secretaries, urgent). `None`: the call did not end as
    /// its flow does.
    ///
    /// A booking the caller gave up on (the slot taken again and again,
    /// their keys run out before a confirmation) is `abandoned`, as a caller
    /// who hangs up before anything is done. `cancelled` needs the sentence
    /// saying so (`told_cancelled`: its file was played).
    fn heard_outcome(self, t: &Transcript, told_cancelled: impl Fn(&Transcript) -> bool) -> Option<&'static str> {
        let service_hung_up = t.commands.last().and_then(|c| c.headers.get("call-command")).map(String::as_str) == Some("hangup")
            || t.apps().last().map(String::as_str) == Some("hangup");
        let caller_hung_up = t.hung_up && !service_hung_up && t.transferred.is_none();
        match self {
            Flow::Booking if service_hung_up && t.recordings.len() == 1 && t.transferred.is_none() => Some("booked"),
            Flow::Booking if caller_hung_up => Some("abandoned"),
            Flow::Cancel if told_cancelled(t) && t.transferred.is_none() => Some("cancelled"),
            Flow::Message if service_hung_up && t.recordings.len() == 1 && t.transferred.is_none() => Some("message"),
            Flow::Hours if caller_hung_up => Some("info"),
            Flow::Secretaries if t.transferred.is_some() => Some("secretaries"),
            Flow::Urgent if t.transferred.is_some() => Some("urgent"),
            _ => None,
        }
    }
}

/// `--latency-log`: the start of the run and the file.
static LATENCY_LOG: OnceLock<(Instant, Mutex<std::io::BufWriter<std::fs::File>>)> = OnceLock::new();

/// Shared figures.
#[derive(Default)]
struct Stats {
    completed: AtomicU64,
    live: AtomicUsize,
    peak_live: AtomicUsize,
    latencies: Mutex<Vec<Duration>>,
    /// While the phase holds all its calls: from the last caller's first
    /// call to the end of the phase (no ramp-up, no drain).
    held_window: Mutex<Option<(Instant, Instant)>>,
    /// The latencies of the reactions that ended in `held_window`.
    held_latencies: Mutex<Vec<Duration>>,
    /// The same latencies by what ended them.
    by_kind: Mutex<BTreeMap<String, Vec<Duration>>>,
    errors: Mutex<BTreeMap<String, u64>>,
    flows: Mutex<BTreeMap<&'static str, u64>>,
    /// How the calls ended, as the switch saw them (`Flow::heard_outcome`).
    heard: Mutex<BTreeMap<String, u64>>,
    /// Numbers that booked, for later cancel calls.
    booked: Mutex<VecDeque<String>>,
    transcripts: Mutex<Vec<(String, Flow, Transcript)>>,
    keep_transcripts: AtomicBool,
}

impl Stats {
    fn error(&self, kind: impl Into<String>) {
        *self.errors.lock().unwrap().entry(kind.into()).or_default() += 1;
    }
    fn error_count(&self) -> u64 {
        self.errors.lock().unwrap().values().sum()
    }
}

struct Target {
    addr: SocketAddr,
    pid: Option<u32>,
    caps: Arc<Captures>,
    think: Duration,
    flow: FlowArg,
    real_time: bool,
    /// The emulated switch's inbound side, when the service is linked to it.
    board: Option<Arc<scripted_switch::Switchboard>>,
    /// With --spawn: the database and the voice, to check the agenda afterwards.
    db: Option<PathBuf>,
    voice: Option<Voice>,
}

fn patient_for(flow: Flow, think: Duration, real_time: bool) -> Patient {
    let keys: &[&str] = match flow {
        // menu 1, doctor 1, slot 1, (name), confirm 1; on "slot taken": slot 1, confirm 1 again.
        Flow::Booking => &["1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"],
        // menu 2, first appointment: cancel 1, confirm 1.
        Flow::Cancel => &["2", "1", "1"],
        // menu 3, (message), keep 1.
        Flow::Message => &["3", "1"],
        // menu 4, then hangs up at the menu.
        Flow::Hours => &["4"],
        Flow::Secretaries => &["0"],
        Flow::Urgent => &["9"],
    };
    let mut p = Patient::keys(keys);
    p.think = think;
    p.real_time = real_time;
    p.record_ms = 3000;
    p
}

fn pick_flow(target: &Target, stats: &Stats, n: u64) -> (Flow, String) {
    let fresh = || format!("+3367{:07}", (n * 7919 + fastrand::u64(0..1000)) % 10_000_000);
    let flow = match target.flow {
        FlowArg::Booking => Flow::Booking,
        FlowArg::Hours => Flow::Hours,
        FlowArg::Mixed => match n % 10 {
            0 | 1 => Flow::Booking,
            2 => Flow::Cancel,
            3 | 4 => Flow::Message,
            5..=7 => Flow::Hours,
            _ => Flow::Secretaries,
        },
    };
    if flow == Flow::Cancel {
        if let Some(number) = stats.booked.lock().unwrap().pop_front() {
            return (Flow::Cancel, number);
        }
        return (Flow::Hours, fresh());
    }
    (flow, fresh())
}

async fn one_call(target: &Target, stats: &Stats, flow: Flow, caller: String) {
    let live = stats.live.fetch_add(1, Ordering::Relaxed) + 1;
    stats.peak_live.fetch_max(live, Ordering::Relaxed);
    let result = async {
        let mut call = SwitchCall::dial_with(target.addr, &caller, "1000", target.caps.clone()).await.map_err(|e| format!("connect: {}", e.kind()))?;
        if let Some(board) = &target.board {
            call = call.with_board(board.clone());
        }
        let mut patient = patient_for(flow, target.think, target.real_time);
        patient.write_recordings = true;
        // A call lasts its questions' think times; past this, something is stuck.
        let limit = Duration::from_secs(if target.real_time { 300 } else { 120 }) + target.think * 20;
        let t = tokio::time::timeout(limit, call.run_measured(patient)).await.map_err(|_| format!("call took over {} s", limit.as_secs()))?;
        t.map_err(|e| format!("io: {}", e.kind()))
    }
    .await;
    stats.live.fetch_sub(1, Ordering::Relaxed);
    match result {
        Ok((t, latencies)) => {
            {
                let mut by_kind = stats.by_kind.lock().unwrap();
                for (l, k) in latencies.iter().zip(&t.reaction_kinds) {
                    by_kind.entry(k.clone()).or_default().push(*l);
                }
            }
            if let Some((start, log)) = LATENCY_LOG.get() {
                let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                for ((l, k), at) in latencies.iter().zip(&t.reaction_kinds).zip(&t.reaction_ends) {
                    let _ = writeln!(log, "{:.6} {} {k}", at.into_std().duration_since(*start).as_secs_f64(), l.as_micros());
                }
            }
            if let Some((from, until)) = *stats.held_window.lock().unwrap() {
                let held = latencies.iter().zip(&t.reaction_ends).filter(|(_, at)| (from..until).contains(&at.into_std())).map(|(l, _)| *l);
                stats.held_latencies.lock().unwrap().extend(held);
            }
            stats.latencies.lock().unwrap().extend(latencies);
            if !t.missing_files.is_empty() {
                stats.error("a prompt file did not exist when played");
            }
            if !(t.hung_up || t.transferred.is_some()) {
                stats.error("call closed without a hang-up or a transfer");
            }
            *stats.flows.lock().unwrap().entry(flow.name()).or_default() += 1;
            let told_cancelled = |t: &Transcript| target.voice.as_ref().is_some_and(|v| heard_sentence(v, t, prompts::CANCELLED));
            let heard = flow.heard_outcome(&t, told_cancelled);
            // A number that booked, for a later cancel call.
            if heard == Some("booked") {
                stats.booked.lock().unwrap().push_back(caller.clone());
            }
            let heard = heard.map(str::to_string).unwrap_or_else(|| {
                let last = t.commands.last().map(|c| c.app().unwrap_or(&c.line).to_string()).unwrap_or_default();

                format!("unexpected end of a {} call (last command {last}, {} recordings, transferred {:?})", flow.name(), t.recordings.len(), t.transferred)
            });
            *stats.heard.lock().unwrap().entry(heard).or_default() += 1;
            stats.completed.fetch_add(1, Ordering::Relaxed);
            if stats.keep_transcripts.load(Ordering::Relaxed) {
                stats.transcripts.lock().unwrap().push((caller, flow, t));
            }
        }
        Err(kind) => stats.error(kind),
    }
}

/// A worker: calls again and again until `until`.
async fn worker(target: Arc<Target>, stats: Arc<Stats>, until: Instant, counter: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let (flow, caller) = pick_flow(&target, &stats, n);
        one_call(&target, &stats, flow, caller).await;
    }
}

/// The service's resident memory (KiB) and CPU time (s), from /proc.
fn proc_figures(pid: u32) -> Option<(u64, f64)> {
    Some((measure::resident_kib(pid)?, measure::cpu_seconds(pid)?))
}

/// The generator's own CPU time when the current phase started: it shares
/// the machine with the service, and what it takes the service waits for.
static GENERATOR_CPU_AT_START: std::sync::Mutex<f64> = std::sync::Mutex::new(0.0);

fn generator_cpu() -> f64 {
    measure::cpu_seconds(std::process::id()).unwrap_or(0.0)
}

/// The service's pid (when spawned or given), and the CPU its espeak-ng
/// renders had taken when the current phase started.
static SERVICE_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
static RENDER_CPU_AT_START: std::sync::Mutex<f64> = std::sync::Mutex::new(0.0);

fn render_cpu() -> Option<f64> {
    SERVICE_PID.get().and_then(|pid| measure::children_cpu_seconds(*pid))
}

fn mark_phase_start() {
    *GENERATOR_CPU_AT_START.lock().unwrap_or_else(|p| p.into_inner()) = generator_cpu();
    *RENDER_CPU_AT_START.lock().unwrap_or_else(|p| p.into_inner()) = render_cpu().unwrap_or(0.0);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Report {
    name: String,
    seconds: f64,
    completed: u64,
    peak_live: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    samples: usize,
    /// The same while every call of the phase was held: (samples, p50, p99, max).
    held: Option<(usize, Duration, Duration, Duration)>,
    errors: BTreeMap<String, u64>,
    flows: BTreeMap<&'static str, u64>,
    rss_idle_kib: Option<u64>,
    rss_peak_kib: Option<u64>,
    cpu_secs: Option<f64>,
    /// CPU of the espeak-ng processes the service ran (new sentences).
    render_cpu_secs: Option<f64>,
    generator_cpu_secs: f64,
    /// (what ended the reaction, count, p50, p99), slowest p99 first.
    by_kind: Vec<(String, usize, Duration, Duration)>,
    /// How the service recorded the phase's calls (its `calls` table, with --spawn).
    outcomes: Option<BTreeMap<String, u64>>,
}

impl Report {
    fn print(&self, json: bool) {
        println!("== {} ==", self.name);
        println!("calls completed: {} in {:.1} s = {:.1} calls/s", self.completed, self.seconds, self.completed as f64 / self.seconds.max(0.001));
        println!("concurrent calls held (peak): {}", self.peak_live);
        println!("reaction latency (switch frame -> next command), {} samples: p50 {:.3?}  p99 {:.3?}  max {:.3?}", self.samples, self.p50, self.p99, self.max);
        if let Some((n, p50, p99, max)) = self.held {
            println!("  while all {} calls were held (no ramp-up, no drain), {n} samples: p50 {p50:.3?}  p99 {p99:.3?}  max {max:.3?}", self.peak_live);
        }
        println!("flows: {:?}", self.flows);
        if let Some(outcomes) = &self.outcomes {
            println!("outcomes the service recorded: {outcomes:?}");
        }
        if self.errors.is_empty() {
            println!("errors: none");
        } else {
            println!("errors: {:?}", self.errors);
        }
        if let (Some(idle), Some(peak)) = (self.rss_idle_kib, self.rss_peak_kib) {
            let per_call = if self.peak_live > 0 { (peak.saturating_sub(idle)) as f64 / self.peak_live as f64 } else { 0.0 };
            println!("service resident memory: idle {idle} KiB, at peak {peak} KiB = {per_call:.1} KiB per concurrent call");
        }
        if let Some(cpu) = self.cpu_secs {
            println!("service CPU: {cpu:.2} s = {:.2} ms per call", if self.completed > 0 { cpu * 1000.0 / self.completed as f64 } else { 0.0 });
        }
        if let Some(render) = self.render_cpu_secs {
            println!(
                "espeak-ng renders of new sentences (the service's child processes): {render:.2} s = {:.2} ms per call",
                if self.completed > 0 { render * 1000.0 / self.completed as f64 } else { 0.0 }
            );
        }
        println!("slowest reactions by what the service did next (count, p50, p99):");
        for (k, n, p50, p99) in self.by_kind.iter().take(6) {
            println!("  {k:<36} {n:>7} {p50:>10.3?} {p99:>10.3?}");
        }
        println!(
            "generator CPU (same machine): {:.2} s = {:.0} % of the two cores over the run",
            self.generator_cpu_secs,
            self.generator_cpu_secs * 100.0 / (2.0 * self.seconds.max(0.001))
        );
        if json {
            let v = serde_json::json!({
                "profile": self.name, "seconds": self.seconds, "completed": self.completed,
                "calls_per_second": self.completed as f64 / self.seconds.max(0.001), "peak_concurrent": self.peak_live,
                "latency_us": {"p50": self.p50.as_micros() as u64, "p99": self.p99.as_micros() as u64, "max": self.max.as_micros() as u64, "samples": self.samples},
                "latency_held_us": self.held.map(|(n, p50, p99, max)| serde_json::json!({"p50": p50.as_micros() as u64, "p99": p99.as_micros() as u64, "max": max.as_micros() as u64, "samples": n})),
                "errors": self.errors, "flows": self.flows, "outcomes": self.outcomes, "rss_idle_kib": self.rss_idle_kib, "rss_peak_kib": self.rss_peak_kib, "cpu_secs": self.cpu_secs, "render_cpu_secs": self.render_cpu_secs, "generator_cpu_secs": self.generator_cpu_secs,
            });
            println!("{v}");
        }
    }
}

/// Run `workers` concurrent callers until `until`; sample the service meanwhile.
async fn run_phase(target: &Arc<Target>, stats: &Arc<Stats>, workers: usize, duration: Duration, counter: &Arc<AtomicU64>) -> Option<u64> {
    let until = Instant::now() + duration;
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::with_capacity(workers);
    // Callers arrive spread over one think time (or 1 s), not all in the same millisecond.
    let spread = target.think.max(Duration::from_secs(1));
    *stats.held_window.lock().unwrap() = Some((Instant::now() + spread, until));
    for i in 0..workers {
        let delay = spread.mul_f64(i as f64 / workers.max(1) as f64);
        let (target, stats, counter, stop) = (target.clone(), stats.clone(), counter.clone(), stop.clone());
        handles.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            worker(target, stats, until, counter, stop).await
        }));
    }
    let mut peak_rss = None;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Some((rss, _)) = target.pid.and_then(proc_figures) {
            peak_rss = Some(peak_rss.map_or(rss, |p: u64| p.max(rss)));
        }
    }
    for h in handles {
        let _ = h.await;
    }
    peak_rss
}

fn snapshot(name: &str, stats: &Stats, started: Instant, rss_idle: Option<u64>, rss_peak: Option<u64>, cpu: Option<f64>) -> Report {
    let mut lat = std::mem::take(&mut *stats.latencies.lock().unwrap());
    lat.sort();
    Report {
        name: name.to_string(),
        seconds: started.elapsed().as_secs_f64(),
        completed: stats.completed.load(Ordering::Relaxed),
        peak_live: stats.peak_live.load(Ordering::Relaxed),
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
        max: lat.last().copied().unwrap_or_default(),
        samples: lat.len(),
        held: {
            let mut held = std::mem::take(&mut *stats.held_latencies.lock().unwrap());
            held.sort();
            (!held.is_empty()).then(|| (held.len(), percentile(&held, 0.5), percentile(&held, 0.99), held.last().copied().unwrap_or_default()))
        },
        errors: stats.errors.lock().unwrap().clone(),
        flows: stats.flows.lock().unwrap().clone(),
        rss_idle_kib: rss_idle,
        rss_peak_kib: rss_peak,
        cpu_secs: cpu,
        render_cpu_secs: render_cpu().map(|now| now - *RENDER_CPU_AT_START.lock().unwrap_or_else(|p| p.into_inner())),
        generator_cpu_secs: generator_cpu() - *GENERATOR_CPU_AT_START.lock().unwrap_or_else(|p| p.into_inner()),
        outcomes: None,
        by_kind: {
            let mut v: Vec<(String, usize, Duration, Duration)> = std::mem::take(&mut *stats.by_kind.lock().unwrap())
                .into_iter()
                .map(|(k, mut l)| {
                    l.sort();
                    (k, l.len(), percentile(&l, 0.5), percentile(&l, 0.99))
                })
                .collect();
            v.sort_by_key(|b| std::cmp::Reverse(b.3));
            v
        },
    }
}

/// The last row of the spawned service's `calls` table (0 when none).
fn last_call_id(db: &Path) -> Result<i64> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM calls", [], |r| r.get(0))?)
}

/// How the service recorded its calls after row `after`, by outcome.
fn outcomes_since(db: &Path, after: i64) -> Result<BTreeMap<String, u64>> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut st = conn.prepare("SELECT outcome, COUNT(*) FROM calls WHERE id > ?1 GROUP BY outcome")?;
    let rows = st.query_map([after], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `--free-booked`: until `stop`, cancel the phone bookings every 200 ms,
/// through the store's own cancel (the practice's, not a caller's: the
/// call that booked has its answer already); returns how many.
fn free_booked(db: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Result<u64>> {
    std::thread::spawn(move || {
        let mut store = standardiste::store::db::Db::open(&db)?;
        let conn = rusqlite::Connection::open(&db)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let mut freed = 0;
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            let ids: Vec<i64> = conn
                .prepare_cached("SELECT id FROM appointments WHERE source = 'phone' AND status = 'booked'")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                freed += u64::from(store.cancel(id, None)?);
            }
        }
        Ok(freed)
    })
}

struct Spawned {
    child: Child,
    /// The binary, and where it listens (to start it again).
    exe: PathBuf,
    addr: SocketAddr,
    /// Its configuration file.
    config: PathBuf,
    _dir: tempfile::TempDir,
    _recordings: tempfile::TempDir,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The password of the emulated switch's inbound Event Socket.
const LINK_PASSWORD: &str = "load-test";

fn spawn_service(link: Option<u16>, no_model: bool) -> Result<(Spawned, SocketAddr, PathBuf, Voice)> {
    let exe = std::env::current_exe()?.parent().context("no folder for this binary")?.join("standardiste");
    if !exe.exists() {
        bail!("{} not found: build it first (cargo build --release)", exe.display());
    }
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let inbound = match link {
        Some(port) => port,
        None => free_port()?,
    };
    let web = free_port()?;
    let db = dir.path().join("load.sqlite");
    let prompts_dir = dir.path().join("prompts");
    // The emulated switch writes the callers' recordings, as FreeSWITCH
    // would, into memory when the machine has a tmpfs: on this machine's
    // ext4, worn by the tests' temporary folders, every file created scanned
    // the inode bitmaps for recently deleted inodes (a third of the
    // generator's CPU), a cost of the emulated switch, not of the service.
    // The database and the rendered prompts (the service's own writes) stay
    // on disk.
    let recordings = match tempfile::Builder::new().prefix("standardiste-load-").tempdir_in("/dev/shm") {
        Ok(shm) => shm,
        Err(_) => tempfile::tempdir_in(dir.path())?,
    };
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\nmax_calls = 20000\ndigit_timeout_ms = 5000\n\n[freeswitch]\nport = {inbound}\npassword = \"{LINK_PASSWORD}\"\n\n[database]\npath = \"{}\"\n\n[paths]\nprompts = \"{}\"\nrecordings = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{web}\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n",
        db.display(),
        prompts_dir.display(),
        recordings.path().display()
    );
    let config = if no_model { format!("{config}\n[speech]\nmodel = \"{}\"\n", dir.path().join("no-model.bin").display()) } else { config };
    let cfg = dir.path().join("load.toml");
    std::fs::write(&cfg, config)?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let child = start_serve(&exe, &cfg, addr)?;
    let voice = Voice::new("espeak-ng", "fr", 150, prompts_dir);
    Ok((Spawned { child, exe, addr, config: cfg, _dir: dir, _recordings: recordings }, addr, db, voice))
}

/// `standardiste serve` on this configuration, once it listens at `addr`.
fn start_serve(exe: &Path, cfg: &Path, addr: SocketAddr) -> Result<Child> {
    let child = Command::new(exe)
        .arg("--config")
        .arg(cfg)
        .arg("serve")
        .env("RUST_LOG", std::env::var("SERVICE_LOG").unwrap_or_else(|_| "warn,freeswitch_esl_tokio=error".into()))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let started = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            bail!("the service did not start listening on {addr}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(child)
}

/// Monday: check the agenda. No two booked appointments of a doctor overlap,
/// and every caller either booked or heard that the slot was taken and was
/// offered others.
fn check_monday(db: &Path, voice: &Voice, transcripts: &[(String, Flow, Transcript)]) -> Result<()> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let overlaps: i64 = conn.query_row(
        "SELECT COUNT(*) FROM appointments a JOIN appointments b ON a.doctor_id = b.doctor_id AND a.id < b.id
         WHERE a.status = 'booked' AND b.status = 'booked' AND a.start_utc < b.end_utc AND b.start_utc < a.end_utc",
        [],
        |r| r.get(0),
    )?;
    let taken_prompt = first_piece_file(voice, prompts::t(standardiste::words::catalogue::Lang::Fr, prompts::SLOT_TAKEN));
    let (mut booked, mut told_taken, mut neither) = (0, 0, 0);
    let mut retakes = 0;
    for (caller, _, t) in transcripts {
        let has: i64 = conn.query_row("SELECT COUNT(*) FROM appointments WHERE phone = ?1 AND status = 'booked'", [caller], |r| r.get(0))?;
        let heard_taken = t.played.iter().filter(|p| **p == taken_prompt).count();
        retakes += heard_taken;
        if has == 1 {
            booked += 1;
        } else if heard_taken > 0 {
            told_taken += 1;
        } else {
            neither += 1;
        }
    }
    println!(
        "monday check: {booked} booked, {told_taken} told the slot was taken (and offered others) without booking, {neither} neither; 'slot taken' said {retakes} times; overlapping appointments: {overlaps}"
    );
    if overlaps != 0 || neither != 0 {
        bail!("the agenda check failed");
    }
    Ok(())
}

/// What the callers heard confirmed, over the whole soak.
#[derive(Default)]
struct Confirmed {
    /// Numbers told "C'est noté" (their booking).
    booked: std::collections::HashSet<String>,
    /// Numbers told their appointment is cancelled.
    cancelled: std::collections::HashSet<String>,
    /// Numbers whose cancellation was started (it may have been committed
    /// unheard, before a kill): their booking may be either way.
    cancel_tried: std::collections::HashSet<String>,
    /// Recordings of the messages callers were told are recorded.
    messages: Vec<String>,
}

impl Confirmed {
    /// Read one call's transcript: the confirmations it heard.
    fn note(&mut self, voice: &Voice, flow: Flow, caller: &str, t: &Transcript) {
        let heard = |key| heard_sentence(voice, t, key);
        match flow {
            Flow::Booking if heard(standardiste::words::catalogue::Key("booking.done")) => {
                self.booked.insert(caller.to_string());
            }
            Flow::Cancel => {
                self.cancel_tried.insert(caller.to_string());
                if heard(prompts::CANCELLED) {
                    self.cancelled.insert(caller.to_string());
                }
            }
            Flow::Message if heard(prompts::MESSAGE_SAVED) => self.messages.extend(t.recordings.iter().cloned()),
            _ => {}
        }
    }

    /// What of it the database lacks, and what it holds that it should not.
    fn missing(&self, conn: &rusqlite::Connection) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if integrity != "ok" {
            missing.push(format!("integrity_check: {integrity}"));
        }
        let count = |sql: &str, arg: &str| -> Result<i64> { Ok(conn.query_row(sql, [arg], |r| r.get(0))?) };
        for number in self.booked.iter().filter(|n| !self.cancel_tried.contains(*n)) {
            if count("SELECT COUNT(*) FROM appointments WHERE phone = ?1 AND status = 'booked'", number)? == 0 {
                missing.push(format!("booking of {number} (told \"C'est noté\")"));
            }
        }
        for number in &self.cancelled {
            if count("SELECT COUNT(*) FROM appointments WHERE phone = ?1 AND status = 'booked'", number)? != 0 {
                missing.push(format!("cancellation of {number} (told it was cancelled)"));
            }
        }
        for path in &self.messages {
            if count("SELECT COUNT(*) FROM messages WHERE audio_path = ?1", path)? == 0 {
                missing.push(format!("message row of {path}"));
            }
            if !Path::new(path).exists() {
                missing.push(format!("message recording {path}"));
            }
        }
        let orphans: i64 = conn.query_row(
            "SELECT COUNT(*) FROM appointment_blocks b LEFT JOIN appointments a ON a.id = b.appointment_id WHERE a.id IS NULL OR a.status <> 'booked'",
            [],
            |r| r.get(0),
        )?;
        if orphans != 0 {
            missing.push(format!("{orphans} appointment blocks of no booked appointment"));
        }
        Ok(missing)
    }
}

/// The soak profile: rounds of mixed calls, each ended by a SIGKILL of the
/// service at a random moment, the database checked, the service started
/// again on the same files.
#[allow(clippy::too_many_arguments)]
async fn soak(
    target: &Arc<Target>,
    spawned: &mut Spawned,
    db: &Path,
    voice: &Voice,
    counter: &Arc<AtomicU64>,
    kills: usize,
    concurrent: usize,
    max_run: Duration,
) -> Result<()> {
    let stats = Arc::new(Stats::default());
    stats.keep_transcripts.store(true, Ordering::Relaxed);
    let mut confirmed = Confirmed::default();
    let started = Instant::now();
    for round in 1..=kills {
        let stop = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::new();
        for _ in 0..concurrent.max(1) {
            let (target, stats, counter, stop) = (target.clone(), stats.clone(), counter.clone(), stop.clone());
            handles.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let (flow, caller) = day_flow(&stats, n);
                    one_call(&target, &stats, flow, caller).await;
                }
            }));
        }
        // Somewhere in the round, calls in every state: SIGKILL.
        tokio::time::sleep(Duration::from_millis(fastrand::u64(100..=max_run.as_millis() as u64))).await;
        let _ = spawned.child.kill();
        let _ = spawned.child.wait();
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            let _ = h.await;
        }
        for (caller, flow, t) in std::mem::take(&mut *stats.transcripts.lock().unwrap()) {
            confirmed.note(voice, flow, &caller, &t);
        }
        // As the service finds it at its next start (WAL recovery included).
        let missing = {
            let conn = rusqlite::Connection::open(db)?;
            confirmed.missing(&conn)?
        };
        if !missing.is_empty() {
            bail!("after kill {round}: {}", missing.join("; "));
        }
        spawned.child = start_serve(&spawned.exe, &spawned.config, spawned.addr)?;
    }
    let calls = stats.completed.load(Ordering::Relaxed);
    println!("== soak: {kills} SIGKILLs, {concurrent} calls at a time, up to {} ms between kills ==", max_run.as_millis());
    println!(
        "calls completed: {calls} in {:.1} s; cut by a kill or refused while the service was down: {}",
        started.elapsed().as_secs_f64(),
        stats.error_count()
    );
    println!(
        "soak check: after each of the {kills} kills the database passed integrity_check and held every confirmed action: {} bookings, {} cancellations, {} messages with their recordings; no orphan appointment block",
        confirmed.booked.len(),
        confirmed.cancelled.len(),
        confirmed.messages.len()
    );
    Ok(())
}

/// The day's mix, call `n`: booking 20 %, cancel 10 % (of a number that
/// booked; the hours when none has yet), message 20 %, hours 30 %, the
/// secretaries 15 %, urgent 5 %.
fn day_flow(stats: &Stats, n: u64) -> (Flow, String) {
    let fresh = format!("+3368{:07}", n % 10_000_000);
    match n % 20 {
        0..=3 => (Flow::Booking, fresh),
        4 | 5 => match stats.booked.lock().unwrap().pop_front() {
            Some(number) => (Flow::Cancel, number),
            None => (Flow::Hours, fresh),
        },
        6..=9 => (Flow::Message, fresh),
        10..=15 => (Flow::Hours, fresh),
        16..=18 => (Flow::Secretaries, fresh),
        _ => (Flow::Urgent, fresh),
    }
}

/// The day profile's check: the practice's figures of today (and
/// yesterday, should the day have turned midnight in Paris), read as the
/// practice reads them (`standardiste stats --json`), against how the
/// generator saw each call end (the warm-up's calls too).
fn check_day(config: &Path, heard: &BTreeMap<String, u64>) -> Result<()> {
    let unexpected: Vec<_> = heard.iter().filter(|(k, _)| k.starts_with("unexpected")).collect();
    if !unexpected.is_empty() {
        bail!("calls that did not end as their flow does: {unexpected:?}");
    }
    let exe = std::env::current_exe()?.parent().context("no folder for this binary")?.join("standardiste");
    let expected: u64 = heard.values().sum();
    let stats_of = || -> Result<serde_json::Value> {
        let out = Command::new(&exe)
            .arg("--config")
            .arg(config)
            .args(["stats", "--practice", standardiste::store::demo::DEMO_PRACTICE, "--days", "2", "--json"])
            .output()?;
        if !out.status.success() {
            bail!("standardiste stats failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    // Each call's row is written as its connection closes: the last ones may lag.
    let deadline = Instant::now() + Duration::from_secs(30);
    let s = loop {
        let s = stats_of()?;
        if s["total"]["calls"].as_u64() == Some(expected) || Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let failed = day_mismatches(heard, &s);
    if !failed.is_empty() {
        bail!("the practice's figures do not match the generator's calls:\n  {}", failed.join("\n  "));
    }
    let alone = without_human(heard);
    let price = s["price_per_call"].as_f64().unwrap_or(0.0);
    let by_handover = &s["total"]["by_handover"];
    println!(
        "day check: the practice's figures match the generator's {expected} calls: {heard:?}; {alone} without a human ({:.0} %), saved {} € at {price} € a call; hand-overs {by_handover}",
        100.0 * s["share_without_human"].as_f64().unwrap_or(0.0),
        s["saved"]
    );
    Ok(())
}

/// The calls the receptionist finished alone, by the generator's count.
fn without_human(heard: &BTreeMap<String, u64>) -> u64 {
    ["booked", "cancelled", "message", "info"].iter().map(|k| heard.get(*k).copied().unwrap_or(0)).sum()
}

/// What differs between the practice's figures (`stats --json`) and the
/// generator's count of how its calls ended; empty when they agree.
fn day_mismatches(heard: &BTreeMap<String, u64>, s: &serde_json::Value) -> Vec<String> {
    let expected: u64 = heard.values().sum();
    let total = &s["total"];
    let count = |k: &str| heard.get(k).copied().unwrap_or(0);
    let alone = without_human(heard);
    let by_outcome: BTreeMap<String, u64> =
        total["by_outcome"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect()).unwrap_or_default();
    let by_handover: BTreeMap<String, u64> =
        total["by_handover"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect()).unwrap_or_default();
    let want_handover: BTreeMap<String, u64> =
        [("asked", count("secretaries")), ("urgent", count("urgent"))].into_iter().filter(|(_, n)| *n > 0).map(|(k, n)| (k.to_string(), n)).collect();
    let price = s["price_per_call"].as_f64().unwrap_or(0.0);
    let checks = [
        ("calls", total["calls"].as_u64() == Some(expected), format!("{} against {expected}", total["calls"])),
        ("by outcome", by_outcome == *heard, format!("{by_outcome:?} against {heard:?}")),
        ("hand-overs by reason", by_handover == want_handover, format!("{by_handover:?} against {want_handover:?}")),
        ("without a human", total["without_human"].as_u64() == Some(alone), format!("{} against {alone}", total["without_human"])),
        ("handed over", total["handed_over"].as_u64() == Some(count("secretaries") + count("urgent")), format!("{}", total["handed_over"])),
        ("urgent", total["urgent"].as_u64() == Some(count("urgent")), format!("{}", total["urgent"])),
        (
            "saved",
            (s["saved"].as_f64().unwrap_or(-1.0) - (alone as f64 * price * 100.0).round() / 100.0).abs() < 1e-9,
            format!("{} against {alone} calls at {price}", s["saved"]),
        ),
    ];
    checks.iter().filter(|c| !c.1).map(|(what, _, detail)| format!("{what}: {detail}")).collect()
}

/// The file the switch plays first for `text`: its first piece, rendered
/// and cached by the service's voice.
fn first_piece_file(voice: &Voice, text: &str) -> String {
    voice.path_for(standardiste::speech::pieces(text).first().copied().unwrap_or(text)).to_string_lossy().into_owned()
}

/// Whether the caller heard a fixed sentence of the French catalogue.
fn heard_sentence(voice: &Voice, t: &Transcript, key: standardiste::words::catalogue::Key) -> bool {
    t.played.contains(&first_piece_file(voice, prompts::t(standardiste::words::catalogue::Lang::Fr, key)))
}

/// The `call` profile: one call, checked.
async fn check_one_call(addr: SocketAddr, caps: Arc<Captures>, config: &Path, caller: &str, to: &str, practice: &str, keys: &[String]) -> Result<()> {
    let config = standardiste::config::Config::load(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let voice = Voice::new(config.speech.espeak.clone(), config.speech.voice.clone(), config.speech.rate, config.paths.prompts.clone());
    let lang = config.speech.language;
    let expected = first_piece_file(&voice, &prompts::greeting(lang, practice).text());
    let call = SwitchCall::dial_with(addr, caller, to, caps).await.with_context(|| format!("connecting to {addr}"))?;
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let t = tokio::time::timeout(Duration::from_secs(120), call.run(Patient::keys(&keys))).await.context("the call took over 120 s")??;
    let apps = t.apps();
    println!("commands: {}", t.commands.iter().map(|c| c.app().unwrap_or(&c.line).to_string()).collect::<Vec<_>>().join(", "));
    println!("played: {}", t.played.join(", "));
    println!("transferred: {:?}, closed by the service: {}", t.transferred, t.closed_by_service);
    if !apps.iter().any(|a| a == "answer") {
        bail!("the call was not answered");
    }
    match t.played.first() {
        Some(p) if *p == expected && !t.missing_files.contains(p) => {}
        Some(p) => bail!("the first file played is {p}, not the greeting of {practice} ({expected}), or it did not exist"),
        None => bail!("nothing was played"),
    }
    let wav = std::fs::metadata(&expected).with_context(|| format!("the greeting {expected}"))?;
    if wav.len() < 8000 {
        bail!("the greeting {expected} holds {} bytes: not a spoken sentence", wav.len());
    }
    if !t.missing_files.is_empty() {
        bail!("files played that did not exist: {:?}", t.missing_files);
    }
    println!("call checked: answered, greeting of {practice} played ({expected}, {} bytes)", wav.len());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    raise_fd_limit();
    let shape = match cli.frames {
        FramesArg::Emulated => scripted_switch::Shape::Emulated,
        FramesArg::Real => scripted_switch::Shape::Real,
    };
    let caps =
        Arc::new(Captures::load_shaped(&cli.captures.clone().unwrap_or_else(default_captures_dir), shape).context("loading the ESL captures (--captures)")?);
    if let Profile::Call { config, caller, to, practice, keys } = &cli.profile {
        let addr = cli.addr.context("the call profile plays into a running service: give --addr")?;
        return check_one_call(addr, caps, config, caller, to, practice, keys).await;
    }
    // Real frames come with the inbound link a real switch has: every
    // caller's channel is told on it too.
    let board = match (cli.frames, cli.spawn) {
        (FramesArg::Real, true) => {
            let board = scripted_switch::Switchboard::with_captures(LINK_PASSWORD, caps.clone());
            board.announce_calls(true);
            Some(board)
        }
        _ => None,
    };
    let link = match &board {
        Some(b) => Some(b.listen().await.context("the emulated inbound Event Socket")?),
        None => None,
    };
    let (mut spawned, addr, pid, db, voice) = match (cli.addr, cli.spawn) {
        (Some(a), false) => (None, a, cli.pid, None, None),
        (None, true) => {
            let (s, a, db, voice) = spawn_service(link, cli.no_model)?;
            let pid = s.child.id();
            (Some(s), a, Some(pid), Some(db), Some(voice))
        }
        _ => bail!("give either --addr (and --pid) or --spawn"),
    };
    if let Some(b) = &board {
        let started = Instant::now();
        while !b.linked() {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("the service did not log in to the emulated inbound Event Socket");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    if let Some(pid) = pid {
        let _ = SERVICE_PID.set(pid);
    }
    let target = Arc::new(Target { addr, pid, caps, think: Duration::from_millis(cli.think_ms), flow: cli.flow, real_time: cli.real_time, board, db, voice });
    // Warm up: the prompts of every flow rendered once, as on a running service.
    let warm = Arc::new(Stats::default());
    for flow in [Flow::Hours, Flow::Secretaries, Flow::Message, Flow::Booking] {
        one_call(&target, &warm, flow, format!("+3369{:07}", fastrand::u32(0..10_000_000))).await;
    }
    if warm.error_count() > 0 {
        bail!("warm-up calls failed: {:?}", warm.errors.lock().unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // What the warm-up left to do in the background (the transcription of
    // its message and name with a speech model, the coming slots' words
    // rendered ahead) is not the phase's work: wait for the service to be
    // idle (under 20 ms of CPU in a second, its own and its espeak-ng
    // children's, two minutes at most).
    if let Some(pid) = target.pid {
        let busy = |pid| Some(measure::cpu_seconds(pid)? + measure::children_cpu_seconds(pid).unwrap_or(0.0));
        let started = Instant::now();
        let mut last = busy(pid);
        while started.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = busy(pid);
            if let (Some(a), Some(b)) = (last, now)
                && b - a < 0.02
            {
                break;
            }
            last = now;
        }
    }
    let idle = target.pid.and_then(proc_figures);
    if let Some(path) = &cli.latency_log {
        let file = std::fs::File::create(path).with_context(|| format!("--latency-log {}", path.display()))?;
        let mut log = std::io::BufWriter::new(file);
        // Wall-clock start, to line the log up with `perf sched record -k CLOCK_REALTIME`.
        let unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        writeln!(log, "# start {:.6}", unix.as_secs_f64()).with_context(|| format!("--latency-log {}", path.display()))?;
        let _ = LATENCY_LOG.set((Instant::now(), Mutex::new(log)));
    }
    let counter = Arc::new(AtomicU64::new(0));
    let freeing = match (&target.db, cli.free_booked) {
        (Some(db), true) => {
            let stop = Arc::new(AtomicBool::new(false));
            Some((free_booked(db.clone(), stop.clone()), stop))
        }
        (None, true) => bail!("--free-booked needs --spawn (the service's database)"),
        _ => None,
    };
    let calls_before = target.db.as_deref().map(last_call_id).transpose()?;
    // The service writes a call's row as it ends: the last ones are let
    // land before the phase's rows are counted.
    let outcomes = async |db: &Option<PathBuf>, after: Option<i64>| match (db, after) {
        (Some(db), Some(after)) => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            outcomes_since(db, after).ok()
        }
        _ => None,
    };
    match cli.profile {
        Profile::Steady { calls, seconds } => {
            let stats = Arc::new(Stats::default());
            mark_phase_start();
            let started = Instant::now();
            let peak = run_phase(&target, &stats, calls, Duration::from_secs(seconds), &counter).await;
            let cpu = match (idle, target.pid.and_then(proc_figures)) {
                (Some((_, c0)), Some((_, c1))) => Some(c1 - c0),
                _ => None,
            };
            let mut report = snapshot(
                &format!("steady: {calls} concurrent calls for {seconds} s, think {} ms", cli.think_ms),
                &stats,
                started,
                idle.map(|i| i.0),
                peak,
                cpu,
            );
            report.outcomes = outcomes(&target.db, calls_before).await;
            report.print(cli.json);
        }
        Profile::Ramp { start, step, step_seconds, max } => {
            let mut workers = start;
            let mut broke = None;
            while workers <= max {
                let stats = Arc::new(Stats::default());
                let calls_before = target.db.as_deref().map(last_call_id).transpose()?;
                mark_phase_start();
                let started = Instant::now();
                let cpu0 = target.pid.and_then(proc_figures).map(|f| f.1);
                let peak = run_phase(&target, &stats, workers, Duration::from_secs(step_seconds), &counter).await;
                let cpu = match (cpu0, target.pid.and_then(proc_figures)) {
                    (Some(c0), Some((_, c1))) => Some(c1 - c0),
                    _ => None,
                };
                let mut report =
                    snapshot(&format!("ramp step: {workers} concurrent calls, think {} ms", cli.think_ms), &stats, started, idle.map(|i| i.0), peak, cpu);
                report.outcomes = outcomes(&target.db, calls_before).await;
                report.print(cli.json);
                if report.p99 > Duration::from_millis(50) || !report.errors.is_empty() {
                    broke = Some((workers, report.p99, report.errors.clone()));
                    break;
                }
                workers += step;
            }
            match broke {
                Some((w, p99, errors)) => println!("breaking point: {w} concurrent calls (p99 {p99:.3?}, errors {errors:?})"),
                None => println!("no breaking point up to {max} concurrent calls"),
            }
        }
        // Played and returned before the warm-up.
        Profile::Call { .. } => {}
        Profile::Soak { kills, concurrent, max_run_ms } => {
            let (Some(spawned), Some(db), Some(voice)) = (spawned.as_mut(), target.db.clone(), target.voice.clone()) else {
                bail!("the soak kills the service it started: run it with --spawn")
            };
            soak(&target, spawned, &db, &voice, &counter, kills, concurrent, Duration::from_millis(max_run_ms.max(100))).await?;
        }
        Profile::Day { calls, concurrent } => {
            let Some(config) = spawned.as_ref().map(|s| s.config.clone()) else { bail!("the day profile reads the practice's figures: run it with --spawn") };
            let stats = Arc::new(Stats::default());
            mark_phase_start();
            let started = Instant::now();
            let mut handles = Vec::new();
            for _ in 0..concurrent.max(1) {
                let (target, stats, counter) = (target.clone(), stats.clone(), counter.clone());
                handles.push(tokio::spawn(async move {
                    loop {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        if n >= calls as u64 {
                            break;
                        }
                        let (flow, caller) = day_flow(&stats, n);
                        one_call(&target, &stats, flow, caller).await;
                    }
                }));
            }
            for h in handles {
                let _ = h.await;
            }
            let cpu = match (idle, target.pid.and_then(proc_figures)) {
                (Some((_, c0)), Some((_, c1))) => Some(c1 - c0),
                _ => None,
            };
            let mut report = snapshot(&format!("day: {calls} mixed calls, {concurrent} at a time"), &stats, started, idle.map(|i| i.0), None, cpu);
            report.outcomes = outcomes(&target.db, calls_before).await;
            report.print(cli.json);
            let mut heard = warm.heard.lock().unwrap().clone();
            for (k, n) in stats.heard.lock().unwrap().iter() {
                *heard.entry(k.clone()).or_default() += n;
            }
            check_day(&config, &heard)?;
        }
        Profile::Monday { calls, seconds } => {
            let stats = Arc::new(Stats::default());
            stats.keep_transcripts.store(true, Ordering::Relaxed);
            mark_phase_start();
            let started = Instant::now();
            let gap = Duration::from_secs_f64(seconds as f64 / calls as f64);
            let mut handles = Vec::new();
            let mut peak: Option<u64> = None;
            for i in 0..calls {
                let (each, stats) = (target.clone(), stats.clone());
                handles.push(tokio::spawn(async move {
                    let caller = format!("+3366{:07}", i);
                    one_call(&each, &stats, Flow::Booking, caller).await;
                }));
                tokio::time::sleep(gap).await;
                peak = peak.max(target.pid.and_then(proc_figures).map(|f| f.0));
            }
            for h in handles {
                let _ = h.await;
            }
            let end = target.pid.and_then(proc_figures);
            let cpu = match (idle, end) {
                (Some((_, c0)), Some((_, c1))) => Some(c1 - c0),
                _ => None,
            };
            let peak = peak.max(end.map(|f| f.0));
            let mut report = snapshot(&format!("monday: {calls} booking calls in {seconds} s for one practice"), &stats, started, idle.map(|i| i.0), peak, cpu);
            report.outcomes = outcomes(&target.db, calls_before).await;
            report.print(cli.json);
            match (&target.db, &target.voice) {
                (Some(db), Some(voice)) => check_monday(db, voice, &stats.transcripts.lock().unwrap())?,
                _ => println!("monday check skipped: only with --spawn"),
            }
        }
    }
    if let Some((thread, stop)) = freeing {
        stop.store(true, Ordering::Relaxed);
        match thread.join() {
            Ok(Ok(n)) => println!("bookings cancelled by --free-booked: {n}"),
            Ok(Err(e)) => bail!("--free-booked: {e}"),
            Err(_) => bail!("--free-booked: its thread panicked"),
        }
    }
    drop(spawned);
    if let Some((_, log)) = LATENCY_LOG.get() {
        log.lock().unwrap_or_else(|p| p.into_inner()).flush().context("--latency-log")?;
    }
    Ok(())
}

/// Up to the hard limit: ten thousand calls are ten thousand sockets.
fn raise_fd_limit() {
    standardiste::service::raise_fd_limit();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard() -> BTreeMap<String, u64> {
        [("booked", 3), ("info", 2), ("secretaries", 1), ("urgent", 1)].into_iter().map(|(k, n)| (k.to_string(), n)).collect()
    }

    fn figures(booked: u64) -> serde_json::Value {
        let alone = booked + 2;
        serde_json::json!({
            "total": {
                "calls": alone + 2, "without_human": alone, "handed_over": 2, "urgent": 1,
                "by_outcome": { "booked": booked, "info": 2, "secretaries": 1, "urgent": 1 },
                "by_handover": { "asked": 1, "urgent": 1 },
            },
            "price_per_call": 0.85,
            "saved": (alone as f64 * 0.85 * 100.0).round() / 100.0,
            "share_without_human": alone as f64 / (alone + 2) as f64,
        })
    }

    #[test]
    fn the_soak_check_names_a_confirmed_booking_or_message_that_is_not_in_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        drop(standardiste::store::Db::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO practices (id, name, timezone) VALUES (1, 'P', 'Europe/Paris');
             INSERT INTO doctors (id, practice_id, name, position) VALUES (1, 1, 'Dr', 0);
             INSERT INTO consultation_types (id, doctor_id, name, duration_minutes) VALUES (1, 1, 'c', 15);
             INSERT INTO appointments (id, doctor_id, type_id, start_utc, end_utc, phone, source, created_at) VALUES (1, 1, 1, 100, 200, '+33600000001', 'phone', 0);
             INSERT INTO appointment_blocks (doctor_id, block, appointment_id) VALUES (1, 0, 1);",
        )
        .unwrap();
        let recording = dir.path().join("m.wav");
        std::fs::write(&recording, b"RIFF").unwrap();
        let mut c = Confirmed::default();
        c.booked.insert("+33600000001".into());
        assert_eq!(c.missing(&conn).unwrap(), Vec::<String>::new());
        c.booked.insert("+33600000002".into());
        c.messages.push(recording.to_string_lossy().into_owned());
        let missing = c.missing(&conn).unwrap();
        assert!(missing.iter().any(|m| m.contains("booking of +33600000002")), "{missing:?}");
        assert!(missing.iter().any(|m| m.starts_with("message row of")), "{missing:?}");
        // Cancelled under its blocks: an orphan block; and a cancellation heard but not done.
        conn.execute("UPDATE appointments SET status = 'cancelled' WHERE id = 1", []).unwrap();
        let c = Confirmed { cancelled: ["+33600000003".to_string()].into(), ..Confirmed::default() };
        assert_eq!(c.missing(&conn).unwrap(), vec!["1 appointment blocks of no booked appointment".to_string()]);
        conn.execute("UPDATE appointments SET status = 'booked', phone = '+33600000003' WHERE id = 1", []).unwrap();
        assert!(c.missing(&conn).unwrap()[0].starts_with("cancellation of +33600000003"));
    }

    #[test]
    fn figures_that_agree_pass_and_a_booking_missing_is_named() {
        assert!(day_mismatches(&heard(), &figures(3)).is_empty(), "{:?}", day_mismatches(&heard(), &figures(3)));
        let off = day_mismatches(&heard(), &figures(2));
        for what in ["calls:", "by outcome:", "without a human:", "saved:"] {
            assert!(off.iter().any(|m| m.starts_with(what)), "{what} {off:?}");
        }
        let mut urgent_as_asked = figures(3);
        urgent_as_asked["total"]["by_handover"] = serde_json::json!({ "asked": 2 });
        assert_eq!(day_mismatches(&heard(), &urgent_as_asked).len(), 1);
    }
}
