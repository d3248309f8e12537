//! Pause rules of the solution clock: which statuses pause it, and paused seconds per status.

use crate::model::Status;

use super::policy::PolicyError;

/// The statuses a configuration may name in `pause_statuses`.
pub const PAUSABLE: [Status; 2] = [Status::Waiting, Status::Planned];

/// A set of statuses that pause the solution clock (a bit per [`Status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PauseSet(u8);

impl Default for PauseSet {
    /// Waiting only, as the samples' rules say.
    fn default() -> Self {
        PauseSet::EMPTY.with(Status::Waiting)
    }
}

impl PauseSet {
    pub const EMPTY: PauseSet = PauseSet(0);

    fn bit(s: Status) -> u8 {
        1 << (s as u8)
    }

    /// This set plus `s`.
    pub fn with(self, s: Status) -> PauseSet {
        PauseSet(self.0 | Self::bit(s))
    }

    pub fn contains(self, s: Status) -> bool {
        self.0 & Self::bit(s) != 0
    }

    /// The statuses in the set, in [`Status::ALL`] order.
    pub fn statuses(self) -> Vec<Status> {
        Status::ALL
            .into_iter()
            .filter(|&s| self.contains(s))
            .collect()
    }

    /// Parses `pause_statuses` as written (stored codes or usual labels: "waiting", "En espera",
    /// "planned", "planificado"…); `what` names the table in errors.
    pub fn parse(items: &[String], what: &str) -> Result<PauseSet, PolicyError> {
        let mut set = PauseSet::EMPTY;
        for item in items {
            match Status::parse(item).filter(|s| PAUSABLE.contains(s)) {
                Some(s) => set = set.with(s),
                None => {
                    return Err(PolicyError::BadPauseStatus {
                        what: what.to_owned(),
                        text: item.clone(),
                    });
                }
            }
        }
        Ok(set)
    }
}

/// Paused business seconds of a solution clock, per status the ticket was in while paused
/// (time solved before a reopen is under `solved` or `closed`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PausedBy([i64; 6]);

impl PausedBy {
    pub fn add(&mut self, s: Status, secs: i64) {
        let slot = &mut self.0[s as usize];
        *slot = slot.saturating_add(secs);
    }

    pub fn get(&self, s: Status) -> i64 {
        self.0[s as usize]
    }

    /// Sum over every status: the clock's `paused` seconds.
    pub fn total(&self) -> i64 {
        self.0.iter().fold(0i64, |a, &b| a.saturating_add(b))
    }

    /// `(status, seconds)` for each status with paused time.
    pub fn nonzero(&self) -> Vec<(Status, i64)> {
        Status::ALL
            .into_iter()
            .map(|s| (s, self.get(s)))
            .filter(|&(_, v)| v != 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_labels_and_refuses_other_statuses() {
        let set =
            PauseSet::parse(&["En espera".into(), "planned".into()], "[policy]").expect("valid");
        assert!(set.contains(Status::Waiting) && set.contains(Status::Planned));
        assert!(!set.contains(Status::Assigned));
        assert_eq!(PauseSet::parse(&[], "x"), Ok(PauseSet::EMPTY));
        let err = PauseSet::parse(&["assigned".into()], "[policy]").expect_err("not pausable");
        assert_eq!(
            err.to_string(),
            "[policy]: pause_statuses: estado «assigned» no permitido (use \"waiting\" o \
             \"planned\")"
        );
        assert_eq!(PauseSet::default().statuses(), vec![Status::Waiting]);
    }
}
