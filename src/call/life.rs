//! A call's whole life, from its set-up to its record in the store, whatever
//! the channel: the switch's (`freeswitch::outbound`) and the terminal's
//! (`standardiste try`) both come through [`run`]. The practice is read
//! while the channel is being set up, the deadline cuts the call short, and
//! the calls table gets one row, whatever happened.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use tracing::warn;

use super::driver::{context, drive_from};
use super::{CallSetup, CallSummary, Channel, Deadline, DriverEnv};
use crate::store::{CallRecord, Store};

/// How a call ended.
pub struct Ended<C> {
    /// What became of it (as recorded).
    pub summary: CallSummary,
    /// The channel, unless the set-up failed or the deadline dropped it.
    pub channel: Option<C>,
    /// Why it ended early (the switch's connection, the deadline), if it did.
    pub error: Option<String>,
}

/// Run one call: `set_up` makes its channel ready while the store is read,
/// then the receptionist drives it until it ends, or until `limit` (the
/// deadline, moved while the caller waits for or speaks with a secretary);
/// then the call's row is written.
pub async fn run<C, S>(env: &DriverEnv, mut setup: CallSetup, limit: Option<Duration>, set_up: S) -> Ended<C>
where
    C: Channel,
    S: Future<Output = Result<C, String>>,
{
    let deadline = limit.map(|l| Deadline::at(tokio::time::Instant::now() + l));
    setup.deadline = deadline.clone();
    let mut summary = CallSummary::default();
    let mut kept = None;
    let drive = async {
        // The practice, doctors and caller's rule are read from the store
        // while the switch answers the set-up commands: under load the
        // store's threads may be busy, and the caller's first prompt should
        // not wait for them on top of the set-up's round trips.
        let (channel, ctx) = tokio::join!(set_up, context(env, &setup, Utc::now()));
        let mut channel = channel?;
        let driven = drive_from(&mut channel, env, &setup, &mut summary, ctx).await.map_err(|e| e.to_string());
        kept = Some(channel);
        driven
    };
    let reached = async {
        match &deadline {
            Some(d) => d.reached().await,
            None => std::future::pending().await,
        }
    };
    let error = tokio::select! {
        r = drive => r.err().inspect(|e| warn!(error = %e, "call ended on an error: the dialplan takes the call back")),
        _ = reached => {
            let secs = limit.unwrap_or_default().as_secs();
            warn!(secs, "call deadline reached: the dialplan takes the call back");
            summary.detail = format!("délai maximal de l'appel atteint ({secs} s); {}", summary.detail);
            Some(format!("délai maximal de l'appel atteint ({secs} s)"))
        }
    };
    record_call(&env.store, &setup, &summary).await;
    Ended { summary, channel: kept, error }
}

/// Write the call's record (best effort: a failure is logged).
async fn record_call(store: &Store, setup: &CallSetup, summary: &CallSummary) {
    let rec = CallRecord {
        practice_id: summary.practice_id,
        uuid: setup.uuid.clone(),
        caller: setup.caller.clone(),
        started_at: setup.started,
        ended_at: Utc::now(),
        outcome: summary.recorded_outcome().to_string(),
        detail: summary.detail.clone(),
        queue_wait_secs: summary.queue_wait_secs,
        handover: summary.recorded_handover().map(str::to_string),
    };
    if let Err(e) = store.run(move |db| db.record_call(&rec)).await {
        warn!(error = %e, "could not record the call");
    }
}
