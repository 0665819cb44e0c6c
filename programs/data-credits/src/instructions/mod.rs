//! One file per instruction: its accounts, arguments and handler side by side.
// Every module exports a `handler`; they are called by path, so the glob clash is harmless.
#![allow(ambiguous_glob_reexports)]

pub mod accept_role;
pub mod burn_delegated;
pub mod burn_fee;
pub mod delegate_data_credits;
pub mod initialize;
pub mod initialize_price_oracle;
pub mod mint_data_credits;
pub mod propose_role;
pub mod set_price_submitters;
pub mod submit_price;
pub mod update_config;

pub use accept_role::*;
pub use burn_delegated::*;
pub use burn_fee::*;
pub use delegate_data_credits::*;
pub use initialize::*;
pub use initialize_price_oracle::*;
pub use mint_data_credits::*;
pub use propose_role::*;
pub use set_price_submitters::*;
pub use submit_price::*;
pub use update_config::*;
