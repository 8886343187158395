//! SQLite: the schema and its migrations (`schema`), every read and write of
//! the practice's facts (`db`, synchronous), and [`Store`], which runs them on
//! tokio's blocking pool so that a call task never blocks its worker thread.
//!
//! Owns the SQL; must not decide anything the agenda or the receptionist decides.

pub mod db;
pub mod demo;
pub mod export;
pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use db::{BookError, BookingRequest, CallRecord, Db, MessageRow, PracticeSnapshot, StoreError};

/// An async handle on one SQLite connection. Clone it freely: clones share
/// the connection. Open several `Store`s on one file for parallel readers.
#[derive(Clone)]
pub struct Store {
    db: Arc<Mutex<Db>>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Open (creating and migrating if needed) the file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Db::open(path)?;
        Ok(Self { db: Arc::new(Mutex::new(db)), path: path.to_path_buf() })
    }

    /// The file this store reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` against the connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = db.lock().map_err(|_| StoreError::Poisoned)?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Run `f` synchronously (command line, tests).
    pub fn run_sync<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut guard = self.db.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut guard)
    }
}
