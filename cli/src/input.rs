//! What the commands read from their arguments: addresses, reward files, H3 cells.
use fieldproof_sdk::{Pubkey, RewardFile};

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
