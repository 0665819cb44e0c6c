//! One file per instruction: its accounts, arguments and handler side by side.
// Every module exports a `handler`; they are called by path, so the glob clash is harmless.
#![allow(ambiguous_glob_reexports)]

pub mod accept_role;
pub mod apply_config;
pub mod apply_price_submitters;
pub mod burn_delegated;
pub mod burn_fee;
pub mod cancel_config;
pub mod cancel_price_submitters;
pub mod cancel_role;
pub mod delegate_data_credits;
pub mod initialize;
pub mod initialize_price_oracle;
pub mod mint_data_credits;
pub mod propose_config;
pub mod propose_price_submitters;
pub mod propose_role;
pub mod raise_timelock;
pub mod request_withdrawal;
pub mod submit_price;
pub mod tighten_config;
pub mod withdraw_delegated;

pub use accept_role::*;
pub use apply_config::*;
pub use apply_price_submitters::*;
pub use burn_delegated::*;
pub use burn_fee::*;
pub use cancel_config::*;
pub use cancel_price_submitters::*;
pub use cancel_role::*;
pub use delegate_data_credits::*;
pub use initialize::*;
pub use initialize_price_oracle::*;
pub use mint_data_credits::*;
pub use propose_config::*;
pub use propose_price_submitters::*;
pub use propose_role::*;
pub use raise_timelock::*;
pub use request_withdrawal::*;
pub use submit_price::*;
pub use tighten_config::*;
pub use withdraw_delegated::*;
