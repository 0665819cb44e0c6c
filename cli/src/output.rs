//! What a command prints: lines for a terminal, or one JSON object with `--json`.
use serde_json::Value;

/// A command's result, for people and for scripts.
#[derive(Debug)]
pub struct Outcome {
    /// Lines for a terminal.
    pub human: String,
    /// The same facts as JSON.
    pub json: Value,
}

/// `bytes` in lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
