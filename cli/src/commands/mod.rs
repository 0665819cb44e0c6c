//! One module per command: its work over the SDK, and its outcome for people and scripts.
pub mod assert_location;
pub mod bootstrap;
pub mod claim;
pub mod create_lookup_table;
pub mod devices;
pub mod heartbeat;
pub mod pool;
pub mod rewards;
pub mod set_destination;
