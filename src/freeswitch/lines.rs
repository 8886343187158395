//! [`Lines`] over the inbound Event Socket: the secretaries' phones are
//! originated with `bgapi originate` (each leg's id chosen beforehand with
//! `origination_uuid`, so that its events and a `uuid_kill` can name it
//! before it answers); whoever answers hears the announcement, then is
//! parked until the caller's own socket bridges itself to that leg. Dial
//! strings and variables go through freeswitch-types' originate builder,
//! which validates and quotes them.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use freeswitch_esl_tokio::commands::{Application, DialString, Endpoint, Originate, Variables, VariablesType};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::inbound::{Inbound, JobError};
use super::quote;
use crate::agenda::phone::mask_digits;
use crate::queue::{Leg, LineEvent, Lines, RingFailure};

/// The secretaries' phones, reached over the inbound link.
#[derive(Clone)]
pub struct SwitchLines {
    inbound: Inbound,
}

impl SwitchLines {
    /// Over this inbound link.
    pub fn new(inbound: Inbound) -> Self {
        Self { inbound }
    }
}

/// A leg's endpoint with its variables added in the given scope.
fn endpoint(leg: &Leg, scope: VariablesType, extra: &[(&str, String)]) -> Result<Endpoint, String> {
    let Some(dial) = quote::dial(&leg.dial) else {
        warn!("a dial string that is not technology/route was not dialled");
        return Err("INVALID_DIAL_STRING".to_string());
    };
    let mut ep = Endpoint::from_str(dial).map_err(|e| {
        warn!(dial = %mask_digits(&leg.dial), error = %mask_digits(&e.to_string()), "a dial string FreeSWITCH could not originate");
        "INVALID_DIAL_STRING".to_string()
    })?;
    let mut vars = ep.variables().cloned().unwrap_or_else(|| Variables::new(scope));
    vars.set_scope(scope);
    vars.insert("origination_uuid", leg.id.clone());
    if !leg.caller_id_name.is_empty() {
        vars.insert("origination_caller_id_name", quote::variable_value(&leg.caller_id_name));
    }
    if let Some(n) = &leg.caller_id_number {
        vars.insert("origination_caller_id_number", quote::variable_value(n));
    }
    for (k, v) in extra {
        vars.insert(*k, v.clone());
    }
    ep.set_variables(Some(vars));
    Ok(ep)
}

/// What a hang-up cause of an originate means for the queue.
fn failure(cause: &str) -> RingFailure {
    match cause {
        "NO_ANSWER" | "NO_USER_RESPONSE" | "ALLOTTED_TIMEOUT" | "RECOVERY_ON_TIMER_EXPIRE" => RingFailure::NoAnswer,
        "USER_BUSY" => RingFailure::Busy,
        other => RingFailure::Failed(other.to_string()),
    }
}

/// `+OK <uuid>` → the leg; `-ERR CAUSE` → why it failed.
fn job_result(r: Result<String, JobError>) -> Result<String, RingFailure> {
    match r {
        Ok(body) => {
            let body = body.trim();
            match body.strip_prefix("+OK") {
                Some(uuid) => Ok(uuid.trim().to_string()),
                None => Err(failure(body.strip_prefix("-ERR").unwrap_or(body).trim())),
            }
        }
        Err(JobError::LinkLost) => Err(RingFailure::LinkLost),
        Err(JobError::Timeout) => Err(RingFailure::Failed("TIMEOUT".into())),
        Err(JobError::Refused(why)) => {
            warn!(%why, "the switch refused an originate");
            Err(RingFailure::Failed("REFUSED".into()))
        }
    }
}

/// The `originate` line ringing these legs: one leg alone, or several at once
/// (ring-all) with the per-leg variables in `[]` and the shared ones in `{}`.
pub fn ring_command(legs: &[Leg], announcement: &[PathBuf], timeout: Duration) -> Result<String, String> {
    let shared = [("originate_timeout", timeout.as_secs().max(1).to_string()), ("ignore_early_media", "true".to_string())];
    let apps = if announcement.is_empty() {
        vec![Application::simple("park")]
    } else {
        vec![Application::new("playback", Some(super::channel::playback_arg(announcement))), Application::simple("park")]
    };
    let first = legs.first().ok_or("NO_LEG")?;
    if legs.len() == 1 {
        let ep = endpoint(first, VariablesType::Default, &shared)?;
        let o = Originate::inline(ep, apps).map_err(|e| e.to_string())?;
        return Ok(o.to_string());
    }
    let eps = legs.iter().map(|l| endpoint(l, VariablesType::Channel, &[])).collect::<Result<Vec<_>, _>>()?;
    let multi = format!(
        "{}{}",
        Variables::with_vars(VariablesType::Default, shared.iter().map(|(k, v)| (*k, v.clone()))),
        eps.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(",")
    );
    let line = Originate::inline(eps[0].clone(), apps).map_err(|e| e.to_string())?.to_string();
    Ok(line.replacen(&eps[0].to_string(), &multi, 1))
}

/// The `originate` line of a call back: the patient's phone rings; once
/// they answer, they are bridged to the secretary's phone.
pub fn callback_command(patient: &Leg, secretary: &Leg, timeout: Duration) -> Result<String, String> {
    let sec = endpoint(secretary, VariablesType::Default, &[])?;
    let ep = endpoint(patient, VariablesType::Default, &[("originate_timeout", timeout.as_secs().max(1).to_string())])?;
    let o = Originate::application(ep, Application::new("bridge", Some(sec.to_string())));
    Ok(o.to_string())
}

impl Lines for SwitchLines {
    async fn ring(&self, legs: Vec<Leg>, announcement: Vec<PathBuf>, timeout: Duration) -> Result<String, RingFailure> {
        let cmd = ring_command(&legs, &announcement, timeout).map_err(|c| failure(&c))?;
        debug!(cmd = %mask_digits(&cmd), "ringing");
        job_result(self.inbound.bgapi(&cmd, timeout + Duration::from_secs(15)).await)
    }

    async fn hang_up(&self, leg: &str) {
        match self.inbound.api(&format!("uuid_kill {leg}")).await {
            Some(Ok(_)) => {}
            Some(Err(e)) => debug!(error = %e, %leg, "uuid_kill"),
            None => debug!(%leg, "uuid_kill: no link"),
        }
    }

    async fn call_back(&self, patient: Leg, secretary: Leg, timeout: Duration) -> Result<String, RingFailure> {
        let cmd = callback_command(&patient, &secretary, timeout).map_err(|c| failure(&c))?;
        debug!(cmd = %mask_digits(&cmd), "calling a patient back");
        job_result(self.inbound.bgapi(&cmd, timeout + Duration::from_secs(15)).await)
    }

    fn events(&self) -> Option<mpsc::UnboundedReceiver<LineEvent>> {
        Some(self.inbound.line_events())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(id: &str, dial: &str) -> Leg {
        Leg { id: id.into(), dial: dial.into(), caller_id_name: "Cabinet des Tilleuls".into(), caller_id_number: Some("+33611223344".into()) }
    }

    #[test]
    fn one_secretary_hears_the_announcement_then_waits_parked() {
        let cmd = ring_command(&[leg("aaaa", "user/1101")], &[PathBuf::from("/tmp/a.wav")], Duration::from_secs(15)).unwrap();
        assert!(cmd.starts_with("originate {"), "{cmd}");
        for part in ["origination_uuid=aaaa", "originate_timeout=15", "user/1101", "playback:/tmp/a.wav,park", "inline", "ignore_early_media=true"] {
            assert!(cmd.contains(part), "{part} missing in {cmd}");
        }
        let parsed: Originate = cmd.strip_prefix("originate ").unwrap().parse().unwrap();
        assert_eq!(parsed.endpoint().variables().unwrap().get("origination_caller_id_name"), Some("Cabinet des Tilleuls"));
    }

    #[test]
    fn ring_all_gives_each_leg_its_own_id() {
        let cmd = ring_command(&[leg("aaaa", "user/1101"), leg("bbbb", "user/1102")], &[], Duration::from_secs(10)).unwrap();
        assert!(cmd.contains("[origination_uuid=aaaa"), "{cmd}");
        assert!(cmd.contains(",[origination_uuid=bbbb"), "{cmd}");
        assert!(cmd.contains("{originate_timeout=10,ignore_early_media=true}"), "{cmd}");
    }

    #[test]
    fn a_call_back_rings_the_patient_then_bridges_the_secretary() {
        let cmd = callback_command(&leg("pppp", "sofia/gateway/operator/0611223344"), &leg("ssss", "user/1101"), Duration::from_secs(30)).unwrap();
        assert!(cmd.starts_with("originate {"), "{cmd}");
        // The target holds spaces (the caller-id name): originate takes it quoted.
        assert!(cmd.contains("sofia/gateway/operator/0611223344 '&bridge({"), "{cmd}");
        assert!(cmd.contains("origination_uuid=ssss") && cmd.ends_with("user/1101)'"), "{cmd}");
    }

    #[test]
    fn a_bad_dial_string_is_refused_before_the_switch() {
        assert_eq!(ring_command(&[leg("a", "")], &[], Duration::from_secs(10)), Err("INVALID_DIAL_STRING".into()));
    }

    #[test]
    fn job_bodies_become_legs_or_causes() {
        assert_eq!(job_result(Ok("+OK 1234-ab\n".into())), Ok("1234-ab".into()));
        assert_eq!(job_result(Ok("-ERR NO_ANSWER\n".into())), Err(RingFailure::NoAnswer));
        assert_eq!(job_result(Ok("-ERR USER_BUSY\n".into())), Err(RingFailure::Busy));
        assert_eq!(job_result(Ok("-ERR SUBSCRIBER_ABSENT\n".into())), Err(RingFailure::Failed("SUBSCRIBER_ABSENT".into())));
        assert_eq!(job_result(Err(JobError::LinkLost)), Err(RingFailure::LinkLost));
    }
}
