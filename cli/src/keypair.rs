//! Signing keys from a file or standard input, in the Solana CLI's format (a JSON array of the
//! 64 secret-and-public key bytes).
use std::path::Path;

use solana_keypair::{read_keypair, read_keypair_file, Keypair};

use crate::failure::Failure;

/// Reads the keypair at `path`, or from standard input when `path` is `-`.
pub fn load(path: &Path) -> Result<Keypair, Failure> {
    let read = if path == Path::new("-") { read_keypair(&mut std::io::stdin().lock()) } else { read_keypair_file(path) };
    read.map_err(|e| Failure::BadInput(format!("cannot read a keypair from {}: {e}", path.display())))
}
