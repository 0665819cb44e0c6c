//! One file per instruction: its accounts, arguments and handler side by side.
// Every module exports a `handler`; they are called by path, so the glob clash is harmless.
#![allow(ambiguous_glob_reexports)]

pub mod accept_role;
pub mod activate_root;
pub mod apply_oracle_set;
pub mod apply_pool_config;
pub mod cancel_oracle_set;
pub mod cancel_pool_config;
pub mod cancel_role;
pub mod claim;
pub mod create_pool;
pub mod post_root;
pub mod propose_oracle_set;
pub mod propose_pool_config;
pub mod propose_role;
pub mod raise_timelock;
pub mod set_destination;
pub mod tighten_pool_config;
pub mod veto_root;

pub use accept_role::*;
pub use activate_root::*;
pub use apply_oracle_set::*;
pub use apply_pool_config::*;
pub use cancel_oracle_set::*;
pub use cancel_pool_config::*;
pub use cancel_role::*;
pub use claim::*;
pub use create_pool::*;
pub use post_root::*;
pub use propose_oracle_set::*;
pub use propose_pool_config::*;
pub use propose_role::*;
pub use raise_timelock::*;
pub use set_destination::*;
pub use tighten_pool_config::*;
pub use veto_root::*;
