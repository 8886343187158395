//! Slots offered to a caller, held from the other callers for a while.
//!
//! On a Monday morning many callers ask for the same doctor within seconds:
//! each was offered the same first slots, pressed 1, and all but one heard
//! that the slot had just been taken, then a new offer, and again. A slot
//! offered to a call is not offered to another for [`HOLD_MINUTES`], until
//! the call books, asks for other slots or ends. The hold is the phone's
//! courtesy, not a booking: the practice's staff may still book the time,
//! and the booking's own transaction still refuses a slot taken meanwhile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::agenda::{Interval, Slot};

/// How long slots offered stay held: the time to choose one, say a name
/// and confirm, with room for a slow caller (about 10 s in capture 13).
pub const HOLD_MINUTES: i64 = 2;

/// The slots each live call was offered last.
#[derive(Debug, Clone, Default)]
pub struct SlotHolds {
    held: Arc<Mutex<HashMap<String, Held>>>,
}

#[derive(Debug)]
struct Held {
    doctor_id: i64,
    slots: Vec<Interval>,
    until: DateTime<Utc>,
}

impl SlotHolds {
    /// Search free slots for `call` while no other search runs: `search`
    /// gets the times the other calls hold for this doctor (to leave out),
    /// and what it finds is held for `call` in place of what it held.
    pub fn offer<E>(&self, call: &str, doctor_id: i64, now: DateTime<Utc>, search: impl FnOnce(&[Interval]) -> Result<Vec<Slot>, E>) -> Result<Vec<Slot>, E> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.retain(|_, h| h.until > now);
        let others: Vec<Interval> =
            held.iter().filter(|(c, h)| c.as_str() != call && h.doctor_id == doctor_id).flat_map(|(_, h)| h.slots.iter().copied()).collect();
        let found = search(&others)?;
        held.insert(
            call.to_string(),
            Held { doctor_id, slots: found.iter().map(|s| (s.start, s.end)).collect(), until: now + Duration::minutes(HOLD_MINUTES) },
        );
        Ok(found)
    }

    /// `call` holds nothing any more (it booked, or ended).
    pub fn release(&self, call: &str) {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).remove(call);
    }

    /// Releases `call`'s slots when dropped, however the call ends.
    pub fn guard(&self, call: &str) -> HoldGuard {
        HoldGuard { holds: self.clone(), call: call.to_string() }
    }

    /// Calls holding slots now (the tests read it).
    pub fn calls(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// See [`SlotHolds::guard`].
#[derive(Debug)]
pub struct HoldGuard {
    holds: SlotHolds,
    call: String,
}

impl Drop for HoldGuard {
    fn drop(&mut self) {
        self.holds.release(&self.call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn slot(min: i64) -> Slot {
        Slot { start: at(min), end: at(min + 20) }
    }

    /// The first three of 08:00, 08:20, … that `held` leaves free.
    fn search(held: &[Interval]) -> Result<Vec<Slot>, ()> {
        Ok((0..20).map(|i| slot(i * 20)).filter(|s| held.iter().all(|(a, b)| !(s.start < *b && *a < s.end))).take(3).collect())
    }

    #[test]
    fn a_second_caller_is_offered_other_slots_until_the_first_books_or_ends() {
        let holds = SlotHolds::default();
        let now = at(-60);
        assert_eq!(holds.offer("a", 1, now, search).unwrap(), [slot(0), slot(20), slot(40)]);
        assert_eq!(holds.offer("b", 1, now, search).unwrap(), [slot(60), slot(80), slot(100)]);
        // Another doctor's slots are not held by these.
        assert_eq!(holds.offer("c", 2, now, search).unwrap(), [slot(0), slot(20), slot(40)]);
        // A call's new offer replaces its old one.
        assert_eq!(holds.offer("a", 1, now, |_| Ok::<_, ()>(vec![slot(200)])).unwrap(), [slot(200)]);
        assert_eq!(holds.offer("d", 1, now, search).unwrap(), [slot(0), slot(20), slot(40)]);
        holds.release("b");
        {
            let _end = holds.guard("d");
        }
        assert_eq!(holds.offer("e", 1, now, search).unwrap(), [slot(0), slot(20), slot(40)]);
        assert_eq!(holds.calls(), 3, "a, c and e");
    }

    #[test]
    fn a_hold_lapses_after_two_minutes() {
        let holds = SlotHolds::default();
        let now = at(-60);
        holds.offer("a", 1, now, search).unwrap();
        let soon = now + Duration::minutes(HOLD_MINUTES) - Duration::seconds(1);
        assert_eq!(holds.offer("b", 1, soon, search).unwrap()[0], slot(60));
        let later = now + Duration::minutes(HOLD_MINUTES);
        assert_eq!(holds.offer("c", 1, later, search).unwrap()[0], slot(0), "a's hold lapsed");
        // A search that fails holds nothing new.
        assert!(holds.offer("f", 1, later, |_| Err::<Vec<Slot>, ()>(())).is_err());
        assert_eq!(holds.calls(), 2, "b and c");
    }
}
