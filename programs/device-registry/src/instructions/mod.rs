//! One file per instruction: its accounts, arguments and handler side by side.
// Every module exports a `handler`; they are called by path, so the glob clash is harmless.
#![allow(ambiguous_glob_reexports)]

pub mod accept_role;
pub mod approve_maker;
pub mod assert_location;
pub mod cancel_role;
pub mod initialize_network;
pub mod issue_device;
pub mod propose_role;
pub mod revoke_maker;
pub mod set_active_tree;
pub mod set_device_status;
pub mod update_network;

pub use accept_role::*;
pub use approve_maker::*;
pub use assert_location::*;
pub use cancel_role::*;
pub use initialize_network::*;
pub use issue_device::*;
pub use propose_role::*;
pub use revoke_maker::*;
pub use set_active_tree::*;
pub use set_device_status::*;
pub use update_network::*;
