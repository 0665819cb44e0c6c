//! What every test of Fieldproof runs on: the in-process bank the native tests run the programs
//! in, and the small set of operations every program's tests need (token setup, a network token's
//! DC config and device network, sending, reading accounts, moving the clock, asserting named
//! errors, keys that are the same in every run); with the `sdk` feature, the world of the tests
//! built on the SDK (an in-process bank or a node) and its device-network and reward-pool
//! fixtures.
pub mod bank;
#[cfg(feature = "sdk")]
pub mod device_network;
pub mod errors;
pub mod keys;
pub mod native_programs;
pub mod network;
pub mod oracles;
#[cfg(feature = "sdk")]
pub mod pool_world;
pub mod tokens;
#[cfg(feature = "sdk")]
pub mod world;

pub use bank::Bank;
pub use errors::assert_program_error;
