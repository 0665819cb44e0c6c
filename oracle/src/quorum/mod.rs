//! Oracles in quorum: each computes every epoch independently from its own store, signs its
//! root, and takes its peers' signatures only when they sign the very same root message; the
//! pool's threshold of them posts the root. A peer that computed something else is not counted,
//! and its first differing leaf is logged.
mod active_files;
pub mod api;
pub mod config;
mod driver;
mod emission;
pub mod record;

pub use active_files::{ActiveFileError, ActiveFiles};
pub use config::QuorumConfig;
pub use driver::{EpochDriver, Peer, QuorumError};
pub use emission::{emission_for, EmissionError};
pub use record::{EpochRecord, EpochStatus};
