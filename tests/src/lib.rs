//! The in-process bank the native tests run the Fieldproof programs in, and the small set of
//! operations every program's tests need (token setup, a network token's DC config and device
//! network, sending, reading accounts, moving the clock, asserting named errors).
pub mod bank;
pub mod errors;
pub mod network;
pub mod native_programs;
pub mod oracles;
pub mod tokens;

pub use bank::Bank;
pub use errors::assert_program_error;
