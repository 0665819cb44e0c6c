//! A windowed circuit breaker on outflows (vault payouts, emissions, DC mints).
//!
//! Every outflow adds its amount to a running total; the total carried over from earlier
//! outflows decays linearly to zero over one window. An outflow is refused when the decayed
//! total plus the new amount would exceed the threshold, and the limit recovers smoothly instead
//! of resetting all at once at a window boundary.
//!
//! What that bounds, exactly: at most one threshold leaves at once, and at most TWICE the
//! threshold within any span of one window: the threshold at its start, then up to the threshold
//! again as the running total decays to zero by its end (the unit test
//! `never_more_than_twice_the_threshold_per_window` checks the bound and that it is reached).
//! The sustained rate is one threshold per window. So
//! whoever sets a breaker sizes its threshold at HALF the most they accept to lose in one window.
//! An exact one-threshold-per-window limit needs the history of every outflow in the window,
//! which an account of fixed size cannot keep; the decaying total is the usual trade.
use anchor_lang::prelude::*;

/// Basis points in 100%.
pub const BPS: u64 = 10_000;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Threshold {
    /// At most this many base units per window.
    Absolute(u64),
    /// At most this share, in basis points, of the balance before the outflow.
    Percent(u16),
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct BreakerConfig {
    pub window_secs: u64,
    pub threshold: Threshold,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct WindowedBreaker {
    pub config: BreakerConfig,
    /// Running total as of `last_ts`, before decay.
    pub last_total: u64,
    pub last_ts: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerError {
    /// The window is zero seconds or the percent is above 100%.
    InvalidConfig,
    /// The outflow would exceed the threshold.
    Tripped,
    Overflow,
}

impl BreakerConfig {
    pub fn validate(&self) -> core::result::Result<(), BreakerError> {
        let percent_ok = match self.threshold {
            Threshold::Percent(bps) => u64::from(bps) <= BPS,
            Threshold::Absolute(_) => true,
        };
        if self.window_secs == 0 || !percent_ok {
            return Err(BreakerError::InvalidConfig);
        }
        Ok(())
    }
}

impl BreakerConfig {
    /// Whether `self` lets out no more than `current` over ANY span of time: the same kind of
    /// threshold, no higher, over a window no shorter (a longer window decays the running total
    /// more slowly). An Absolute and a Percent threshold are not comparable: a change between
    /// them counts as a loosening.
    pub fn is_at_least_as_tight_as(&self, current: &BreakerConfig) -> bool {
        let threshold_tighter = match (self.threshold, current.threshold) {
            (Threshold::Absolute(new), Threshold::Absolute(old)) => new <= old,
            (Threshold::Percent(new), Threshold::Percent(old)) => new <= old,
            _ => false,
        };
        threshold_tighter && self.window_secs >= current.window_secs
    }

    /// The absolute threshold, for breakers on MINTS: their base, a supply, starts at zero,
    /// where any share of it allows nothing, so a percent threshold would refuse every mint.
    pub fn absolute_threshold(&self) -> Option<u64> {
        match self.threshold {
            Threshold::Absolute(max) => Some(max),
            Threshold::Percent(_) => None,
        }
    }
}

impl WindowedBreaker {
    pub fn new(config: BreakerConfig) -> core::result::Result<Self, BreakerError> {
        config.validate()?;
        Ok(Self { config, last_total: 0, last_ts: 0 })
    }

    /// The running total at `now`, after linear decay since the last outflow.
    pub fn decayed_total(&self, now: i64) -> u64 {
        let elapsed = now.saturating_sub(self.last_ts).max(0) as u128;
        let window = u128::from(self.config.window_secs);
        if elapsed >= window {
            return 0;
        }
        // last_total * remaining / window <= last_total, so the cast back cannot truncate.
        (u128::from(self.last_total) * (window - elapsed) / window) as u64
    }

    /// The most that may leave at `now` given the balance before the outflow.
    pub fn limit(&self, balance_before: u64) -> u64 {
        match self.config.threshold {
            Threshold::Absolute(max) => max,
            Threshold::Percent(bps) => (u128::from(balance_before) * u128::from(bps) / u128::from(BPS)) as u64,
        }
    }

    /// Records an outflow of `amount` at `now`, or refuses it and leaves the state unchanged.
    pub fn record(&mut self, now: i64, amount: u64, balance_before: u64) -> core::result::Result<(), BreakerError> {
        let total = self.decayed_total(now).checked_add(amount).ok_or(BreakerError::Overflow)?;
        if total > self.limit(balance_before) {
            return Err(BreakerError::Tripped);
        }
        self.last_total = total;
        self.last_ts = now.max(self.last_ts);
        Ok(())
    }

    /// Replaces the configuration, keeping the running total, so a new configuration cannot be
    /// used to reset what already left.
    pub fn reconfigure(&mut self, config: BreakerConfig) -> core::result::Result<(), BreakerError> {
        config.validate()?;
        self.config = config;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn absolute(max: u64) -> WindowedBreaker {
        WindowedBreaker::new(BreakerConfig { window_secs: 100, threshold: Threshold::Absolute(max) }).unwrap()
    }

    #[test]
    fn trips_above_the_threshold_within_a_window() {
        let mut b = absolute(1_000);
        b.record(1_000, 600, 0).unwrap();
        assert_eq!(b.record(1_000, 401, 0), Err(BreakerError::Tripped));
        assert_eq!(b.last_total, 600, "a refused outflow changes nothing");
        b.record(1_000, 400, 0).unwrap();
    }

    #[test]
    fn previous_total_decays_linearly() {
        let mut b = absolute(1_000);
        b.record(0, 1_000, 0).unwrap();
        assert_eq!(b.decayed_total(25), 750);
        assert_eq!(b.record(25, 251, 0), Err(BreakerError::Tripped));
        b.record(25, 250, 0).unwrap();
        assert_eq!(b.decayed_total(125), 0);
        b.record(125, 1_000, 0).unwrap();
    }

    #[test]
    fn percent_threshold_follows_the_balance() {
        let mut b = WindowedBreaker::new(BreakerConfig { window_secs: 10, threshold: Threshold::Percent(1_000) }).unwrap();
        assert_eq!(b.record(5, 101, 1_000), Err(BreakerError::Tripped));
        b.record(5, 100, 1_000).unwrap();
    }

    #[test]
    fn invalid_configs_are_refused() {
        let zero = BreakerConfig { window_secs: 0, threshold: Threshold::Absolute(1) };
        assert_eq!(WindowedBreaker::new(zero), Err(BreakerError::InvalidConfig));
        let too_much = BreakerConfig { window_secs: 1, threshold: Threshold::Percent(10_001) };
        assert_eq!(WindowedBreaker::new(too_much), Err(BreakerError::InvalidConfig));
    }

    #[test]
    fn tightness_compares_threshold_and_window() {
        let base = BreakerConfig { window_secs: 100, threshold: Threshold::Absolute(1_000) };
        let with = |window_secs, threshold| BreakerConfig { window_secs, threshold };
        assert!(base.is_at_least_as_tight_as(&base));
        assert!(with(100, Threshold::Absolute(999)).is_at_least_as_tight_as(&base));
        assert!(with(101, Threshold::Absolute(1_000)).is_at_least_as_tight_as(&base));
        assert!(!with(99, Threshold::Absolute(1_000)).is_at_least_as_tight_as(&base), "a shorter window decays faster");
        assert!(!with(100, Threshold::Absolute(1_001)).is_at_least_as_tight_as(&base));
        assert!(!with(1_000, Threshold::Percent(1)).is_at_least_as_tight_as(&base), "kinds do not compare");
        let percent = with(100, Threshold::Percent(500));
        assert!(with(100, Threshold::Percent(499)).is_at_least_as_tight_as(&percent));
        assert!(!with(100, Threshold::Percent(501)).is_at_least_as_tight_as(&percent));
        assert_eq!(base.absolute_threshold(), Some(1_000));
        assert_eq!(percent.absolute_threshold(), None);
    }

    /// The most that left in any span of `window` seconds of `outflows` (time, amount).
    fn most_in_any_window(outflows: &[(i64, u64)], window: i64) -> u64 {
        outflows
            .iter()
            .map(|(start, _)| outflows.iter().filter(|(t, _)| *t >= *start && *t < start + window).map(|(_, a)| a).sum())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn never_more_than_twice_the_threshold_per_window() {
        // Greedy outflows (as much as allowed, at every step of several spacings) reach but
        // never pass twice the threshold within one window.
        for step in [1i64, 3, 7, 10, 25, 50, 99] {
            let mut b = absolute(1_000);
            let mut outflows = Vec::new();
            for t in (0..1_000).step_by(step as usize) {
                let room = 1_000 - b.decayed_total(t);
                if room > 0 {
                    b.record(t, room, 0).unwrap();
                    outflows.push((t, room));
                }
            }
            let most = most_in_any_window(&outflows, 100);
            assert!(most <= 2_000, "step {step}: {most} left within one window");
            if step == 1 {
                assert!(most > 1_900, "the bound is reached: {most}");
            }
        }
    }

    #[test]
    fn clock_going_backwards_does_not_decay() {
        let mut b = absolute(100);
        b.record(50, 100, 0).unwrap();
        assert_eq!(b.record(40, 1, 0), Err(BreakerError::Tripped));
    }
}
