//! One file per instruction: its accounts, arguments and handler side by side.
// Every module exports a `handler`; they are called by path, so the glob clash is harmless.
#![allow(ambiguous_glob_reexports)]

pub mod accept_role;
pub mod apply_params;
pub mod cancel_params;
pub mod cancel_role;
pub mod emit_epoch;
pub mod initialize;
pub mod propose_params;
pub mod propose_role;

pub use accept_role::*;
pub use apply_params::*;
pub use cancel_params::*;
pub use cancel_role::*;
pub use emit_epoch::*;
pub use initialize::*;
pub use propose_params::*;
pub use propose_role::*;
