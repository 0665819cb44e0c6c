//! The Fieldproof oracle: collects signed device reports, stores them durably, verifies them
//! off-chain and turns them into reward epochs.
pub mod storage;
