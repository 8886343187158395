//! The legs' bookkeeping of the queue task: a ring's result, a secretary
//! ready on her parked leg, the switch's events about legs (answered, gone,
//! the live channels after a reconnect), and stopping the phones that ring
//! for a call.

use super::*;

impl<L: Lines> Task<L> {
    pub(super) fn ring_done(&mut self, call: &str, result: Result<String, String>, now: DateTime<Utc>) {
        let Some(ring) = self.rings.get_mut(call) else {
            // The caller left meanwhile.
            if let Ok(leg) = result {
                self.hang_up(&leg);
            }
            return;
        };
        match result {
            Ok(leg) => match ring.legs.iter().find(|(_, l)| *l == leg).cloned() {
                Some((agent, _)) => {
                    ring.answered = Some((agent.clone(), leg.clone(), now));
                    if self.parked_early.remove(&leg) {
                        self.ready(call, &agent, &leg, now);
                    }
                }
                None => self.hang_up(&leg),
            },
            Err(cause) => {
                let ring = self.rings.remove(call).map(|r| r.legs).unwrap_or_default();
                for (agent, leg) in ring {
                    self.legs.remove(&leg);
                    if cause == LINK_LOST {
                        // Nobody's fault: the offer is made again once the
                        // link is back; the leg, if it still rings, is hung
                        // up then.
                        self.link_down = true;
                        self.orphans.insert(leg);
                        let _ = self.q.offer_cancelled(&agent);
                    } else if self.q.offer_failed(&agent, &cause_reason(&cause)).is_ok() {
                        info!(%agent, %cause, call, "secretary did not take the call: paused, the call keeps its place");
                    }
                }
            }
        }
    }

    /// The secretary heard the announcement: the caller may be bridged.
    pub(super) fn ready(&mut self, call: &str, agent: &str, leg: &str, now: DateTime<Utc>) {
        self.rings.remove(call);
        match self.q.answered(agent, now) {
            Ok(wc) => {
                let told = self.callers.get(call).is_some_and(|(tx, _)| tx.try_send(News::Ready { leg: leg.to_string() }).is_ok());
                if told {
                    info!(call, agent, "secretary ready: bridging the caller");
                    self.served.insert(call.to_string(), Served { call: wc, agent: agent.to_string(), leg: leg.to_string(), bridged_at: None });
                } else {
                    self.legs.remove(leg);
                    self.hang_up(leg);
                    let _ = self.q.release(agent, now);
                }
            }
            Err(e) => {
                debug!(error = %e, "answered leg no longer wanted");
                self.legs.remove(leg);
                self.hang_up(leg);
                let _ = self.q.release(agent, now);
            }
        }
    }

    pub(super) fn line_event(&mut self, ev: LineEvent) {
        let now = Utc::now();
        match ev {
            LineEvent::Parked(leg) => {
                let Some(LegUse::Offer { agent, call }) = self.legs.get(&leg).cloned() else { return };
                let answered = self.rings.get(&call).and_then(|r| r.answered.as_ref()).is_some_and(|(_, l, _)| *l == leg);
                if answered {
                    self.ready(&call, &agent, &leg, now);
                } else {
                    self.parked_early.insert(leg);
                }
            }
            LineEvent::Gone(leg) => self.leg_gone(&leg, now),
            LineEvent::Resynced(live) => {
                self.link_down = false;
                let live: HashSet<String> = live.into_iter().collect();
                for leg in std::mem::take(&mut self.orphans) {
                    if live.contains(&leg) {
                        info!(%leg, "a leg rung before the link was lost is still up: hanging it up");
                        self.hang_up(&leg);
                    }
                }
                let lost_callers: Vec<String> = self.q.waiting().iter().filter(|c| !live.contains(&c.uuid)).map(|c| c.uuid.clone()).collect();
                for uuid in lost_callers {
                    warn!(call = %uuid, "no longer on the switch after the reconnect: abandoned");
                    self.leave(&uuid, now);
                }
                let dead: Vec<String> = self.legs.keys().filter(|l| !live.contains(*l)).cloned().collect();
                for leg in dead {
                    self.leg_gone(&leg, now);
                }
                // An answered leg whose park report was lost while away is ready.
                let parked: Vec<(String, String, String)> = self
                    .rings
                    .iter()
                    .filter_map(|(c, r)| r.answered.as_ref().filter(|(_, l, _)| live.contains(l)).map(|(a, l, _)| (c.clone(), a.clone(), l.clone())))
                    .collect();
                for (call, agent, leg) in parked {
                    self.ready(&call, &agent, &leg, now);
                }
                info!(waiting = self.q.waiting().len(), "queue rebuilt from the switch's live channels");
            }
        }
    }

    pub(super) fn leg_gone(&mut self, leg: &str, now: DateTime<Utc>) {
        self.parked_early.remove(leg);
        match self.legs.remove(leg) {
            Some(LegUse::Offer { agent, call }) => {
                if let Some(ring) = self.rings.get_mut(&call) {
                    let failed_answered = ring.answered.as_ref().is_some_and(|(_, l, _)| l == leg);
                    ring.legs.retain(|(_, l)| l != leg);
                    if failed_answered || ring.legs.is_empty() {
                        let others = self.rings.remove(&call).map(|r| r.legs).unwrap_or_default();
                        for (other, other_leg) in others {
                            self.legs.remove(&other_leg);
                            let _ = self.q.offer_cancelled(&other);
                        }
                        if self.q.offer_failed(&agent, "ligne coupée avant la mise en relation").is_ok() {
                            warn!(%agent, call = %call, "the secretary's line failed during the offer: the call is back at the head of the queue");
                        }
                    }
                } else if self.served.get(&call).is_some_and(|s| s.leg == leg) {
                    self.finish(&call, now);
                }
            }
            Some(LegUse::Callback { agent }) => {
                let _ = self.q.call_ended(&agent, now);
            }
            None => {}
        }
    }

    /// The phones ringing for this call stop.
    pub(super) fn stop_ringing(&mut self, uuid: &str) {
        if let Some(ring) = self.rings.remove(uuid) {
            for (_, leg) in ring.legs {
                self.legs.remove(&leg);
                self.hang_up(&leg);
            }
        }
    }
}
