//! Native tests of the device registry and of reward claims against the real Bubblegum and
//! account-compression programs (see [`bridge`]): fixtures for a network with a Bubblegum tree
//! delegated to the registry, an approved maker, DC balances, and a reference copy of the
//! device tree that yields the proofs an indexer (or the oracle) would serve.
pub mod bridge;
pub mod device_tree;
pub mod pool;
pub mod registry;

use solana_program_test::{processor, ProgramTest};

/// program-test with our four programs and the Bubblegum stack, all native.
pub fn program_test() -> ProgramTest {
    bridge::install();
    let mut test = fieldproof_tests::native_programs::program_test();
    test.add_program("mpl_bubblegum", registry::BUBBLEGUM, processor!(bridge::bubblegum_entry));
    test.add_program("spl_account_compression", registry::SPL_COMPRESSION, processor!(bridge::compression_entry));
    test.add_program("spl_noop", registry::SPL_NOOP, processor!(bridge::noop_entry));
    test
}
