//! SQLite: the schema and its migrations (`schema`), every read and write of
//! the practice's facts, synchronous on one connection ([`Db`], in `db`),
//! one file per aggregate (`practices`, `doctors`, `booking`, `messages`,
//! `calls`, `secretaries`, `notices`, `calendars`), and [`Store`], which runs them on the store's own
//! threads so that a call task never blocks its worker thread.
//!
//! Owns the SQL; must not decide anything the agenda or the receptionist decides.

pub mod accounts;
pub mod booking;
pub mod calendars;
pub mod calls;
pub mod db;
pub mod demo;
pub mod doctors;
pub mod export;
pub mod messages;
pub mod notices;
pub mod practices;
pub mod retention;
pub mod schema;
pub mod secretaries;
pub mod stats;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

pub use accounts::{Account, AuditEntry, Role, SessionRow, TokenRow};
pub use booking::{BookError, BookingRequest};
pub use calendars::{FeedEvent, Subscription};
pub use calls::CallRecord;
pub use db::{Db, StoreError};
pub use messages::{MessageRow, Untranscribed};
pub use notices::{DayFigures, MailSettings, NewNotice, Notice, NoticeKind};
pub use practices::{PracticeField, PracticeHours, PracticeSnapshot};
pub use retention::Purged;
pub use secretaries::{Callback, CallbackLimits, CallbackRefusal, CallerHistory, Instructions, Secretary};
pub use stats::{DayStats, PracticeStats};

/// Connections (threads) serving the async callers. SQLite in WAL mode reads
/// in parallel; writes take turns on SQLite's own lock.
const WORKERS: usize = 2;

type Job = Box<dyn FnOnce(&mut Db) + Send>;

/// An async handle on a database file. Clone it freely: clones share the
/// connections. Calls from tasks run on a few dedicated threads, each with its
/// own connection, fed by one queue: a burst of calls waits in the queue, not
/// in tokio's blocking pool (which the rest of the service needs too).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// The connection of `run_sync` (command line, tests, start-up).
    sync: Mutex<Db>,
    /// The workers' queue, started on first use.
    queue: OnceLock<Result<Mutex<mpsc::Sender<Job>>, String>>,
    /// Seconds from a request of `run` to its answer.
    timings: prometheus_client::metrics::histogram::Histogram,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish()
    }
}

/// The seconds of a store operation or of a reaction to the switch: 0.1 ms
/// to about 3 s (the buckets of both histograms of `/metrics`).
pub fn latency_histogram() -> prometheus_client::metrics::histogram::Histogram {
    use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

impl Store {
    /// Open (creating and migrating if needed) the file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Db::open(path)?;
        let timings = latency_histogram();
        Ok(Self { inner: Arc::new(Inner { path: path.to_path_buf(), sync: Mutex::new(db), queue: OnceLock::new(), timings }) })
    }

    /// The seconds each `run` took, queue included (a handle on the figures).
    pub fn timings(&self) -> prometheus_client::metrics::histogram::Histogram {
        self.inner.timings.clone()
    }

    /// The file this store reads.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn start_workers(path: &Path) -> Result<Mutex<mpsc::Sender<Job>>, String> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..WORKERS {
            let mut db = Db::open(path).map_err(|e| e.to_string())?;
            let rx = rx.clone();
            let path = path.to_path_buf();
            std::thread::Builder::new()
                .name(format!("store-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        // A job that panics is caught: its caller gets an
                        // error (the call is handed over), the thread goes on
                        // with a fresh connection (an open transaction was
                        // rolled back as it unwound), and the next bookings
                        // are served. Uncaught, two panics stopped them all.
                        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut db))).is_err() {
                            tracing::error!(thread = i, "a store job panicked: its caller was told, the thread goes on with a new connection");
                            match Db::open(&path) {
                                Ok(fresh) => db = fresh,
                                Err(e) => tracing::error!(error = %e, "the store could not be reopened: this thread keeps its connection"),
                            }
                        }
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        Ok(Mutex::new(tx))
    }

    /// Run `f` against a connection on the store's threads.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, StoreError> + Send + 'static,
    {
        let queue = self.inner.queue.get_or_init(|| Self::start_workers(&self.inner.path)).as_ref().map_err(|e| StoreError::Task(e.clone()))?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |db| {
            let _ = done.send(f(db));
        });
        let asked = std::time::Instant::now();
        queue.lock().map_err(|_| StoreError::Poisoned)?.send(job).map_err(|_| StoreError::Task("the store's threads are gone".into()))?;
        let answer = result.await.map_err(|_| StoreError::Task("a store thread dropped the request".into()))?;
        self.inner.timings.observe(asked.elapsed().as_secs_f64());
        answer
    }

    /// Copy the whole database into `to` while the service runs (SQLite's
    /// online backup: pages copied in steps, writers never blocked for
    /// long), then check the copy (`PRAGMA integrity_check`). The copy is
    /// readable by its owner only.
    pub fn backup(&self, to: &Path) -> Result<(), StoreError> {
        use std::os::unix::fs::OpenOptionsExt;
        // Made new and 0600 before a byte is written: never another's file, never readable by others.
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(to).map_err(|e| StoreError::Invalid(format!("{}: {e}", to.display())))?;
        let source = rusqlite::Connection::open(&self.inner.path)?;
        let mut copy = rusqlite::Connection::open(to)?;
        {
            let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
            backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        db::owner_only(to);
        let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::Invalid(format!("the copy fails its integrity check: {check}")));
        }
        Ok(())
    }

    /// Run `f` synchronously (command line, tests).
    pub fn run_sync<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut guard = self.inner.sync.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut guard)
    }
}
