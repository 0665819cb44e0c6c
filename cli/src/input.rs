//! What the commands read from their arguments: addresses, reward files, H3 cells.
use fieldproof_sdk::{BreakerConfig, Pubkey, RewardFile, Threshold};

use crate::failure::Failure;

/// `text` as an address, or a failure naming `what` it should have been.
pub fn address(what: &str, text: &str) -> Result<Pubkey, Failure> {
    text.parse().map_err(|_| Failure::BadInput(format!("{what} is not a base58 address: {text:?}")))
}

/// The reward file at `path`.
pub fn reward_file(path: &std::path::Path) -> Result<RewardFile, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure::BadInput(format!("cannot read reward file {}: {e}", path.display())))?;
    RewardFile::from_json(&text).map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))
}

/// An H3 cell index in hex, as `--h3` takes it.
pub fn parse_h3(text: &str) -> Result<u64, String> {
    u64::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|e| format!("not a hex H3 cell index: {e}"))
}

/// The pool a command acts on.
#[derive(Debug, clap::Args)]
pub struct PoolArg {
    /// The pool's address.
    #[arg(long)]
    pub pool: String,
}

/// A circuit breaker's settings on the command line: each one given replaces the current one.
#[derive(Debug, Default, clap::Args)]
pub struct BreakerChange {
    /// The breaker's window, in seconds.
    #[arg(long)]
    pub breaker_window_secs: Option<u64>,
    /// At most this many base units per window.
    #[arg(long, conflicts_with = "breaker_percent")]
    pub breaker_absolute: Option<u64>,
    /// At most this share of the balance per window, in basis points.
    #[arg(long)]
    pub breaker_percent: Option<u16>,
}

impl BreakerChange {
    /// `current` with the settings given replaced.
    pub fn applied_to(&self, current: BreakerConfig) -> BreakerConfig {
        let threshold = match (self.breaker_absolute, self.breaker_percent) {
            (Some(amount), _) => Threshold::Absolute(amount),
            (None, Some(bps)) => Threshold::Percent(bps),
            (None, None) => current.threshold,
        };
        BreakerConfig { window_secs: self.breaker_window_secs.unwrap_or(current.window_secs), threshold }
    }
}

/// A breaker for people and for scripts: `absolute 100 per 3600 s`, and its JSON.
pub fn breaker_text(breaker: &BreakerConfig) -> (String, serde_json::Value) {
    match breaker.threshold {
        Threshold::Absolute(amount) => (
            format!("at most {amount} per {} s", breaker.window_secs),
            serde_json::json!({"window_secs": breaker.window_secs, "absolute": amount}),
        ),
        Threshold::Percent(bps) => (
            format!("at most {bps} bps of the balance per {} s", breaker.window_secs),
            serde_json::json!({"window_secs": breaker.window_secs, "percent_bps": bps}),
        ),
    }
}
