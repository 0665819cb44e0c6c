//! One module per command: its arguments, its work over the SDK, and its outcome for people and
//! scripts.
pub mod activate_root;
pub mod assert_location;
pub mod bootstrap;
pub mod buy_dc;
pub mod claim;
pub mod create_lookup_table;
pub mod dc_config;
pub mod delegate_dc;
pub mod device_status;
pub mod devices;
pub mod heartbeat;
pub mod issue_device;
pub mod maker;
pub mod oracle_set;
pub mod pool;
pub mod pool_config;
pub mod price_submitters;
pub mod rewards;
pub mod role;
pub mod set_destination;
pub mod submit_reports;
pub mod transfer_device;
pub mod treasury_params;
pub mod veto_root;
pub mod watch;
pub mod withdraw_dc;
