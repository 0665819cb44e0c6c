//! One file per instruction: its accounts, arguments and handler side by side.
// Every module exports a `handler`; they are called by path, so the glob clash is harmless.
#![allow(ambiguous_glob_reexports)]

pub mod accept_authority;
pub mod apply_params;
pub mod cancel_params;
pub mod emit_epoch;
pub mod initialize;
pub mod propose_authority;
pub mod propose_params;

pub use accept_authority::*;
pub use apply_params::*;
pub use cancel_params::*;
pub use emit_epoch::*;
pub use initialize::*;
pub use propose_authority::*;
pub use propose_params::*;
