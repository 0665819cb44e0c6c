//! Keys that are the same in every run of a test, so that what depends on them is too: above
//! all the program-derived addresses, whose canonical bump search costs compute units per bump
//! tried. With random keys an instruction's units swing by thousands from run to run; with these,
//! a run measures what the last one did, and a budget 10% above it catches a 10% regression
//! (docs/compute-units.md).
//!
//! The keys of a test thread derive from the test binary's name, the thread's (the test's) name
//! and a count of the keys it drew before, so two tests never share a key, on one node either.
use std::cell::RefCell;

use solana_keypair::Keypair;
use solana_signer::Signer;

type Pubkey = anchor_lang::prelude::Pubkey;

thread_local! {
    static DRAWN: RefCell<(Option<[u8; 32]>, u64)> = const { RefCell::new((None, 0)) };
}

/// What the keys of this thread derive from: the binary's name without cargo's hash suffix, and
/// the thread's name.
fn thread_seed() -> [u8; 32] {
    let binary = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())).unwrap_or_default();
    let binary = binary.rsplit_once('-').map_or(binary.as_str(), |(name, _)| name).to_owned();
    let thread = std::thread::current().name().unwrap_or("main").to_owned();
    solana_sha256_hasher::hashv(&[b"fieldproof:test-keys", binary.as_bytes(), &[0], thread.as_bytes()]).to_bytes()
}

/// The next 32 bytes of this thread's key sequence.
fn next_secret() -> [u8; 32] {
    DRAWN.with(|drawn| {
        let mut drawn = drawn.borrow_mut();
        let seed = *drawn.0.get_or_insert_with(thread_seed);
        drawn.1 += 1;
        solana_sha256_hasher::hashv(&[&seed, &drawn.1.to_le_bytes()]).to_bytes()
    })
}

/// The next keypair of this test.
pub fn keypair() -> Keypair {
    Keypair::new_from_array(next_secret())
}

/// The next address of this test that nobody holds a key of (an ed25519 public key all the same).
pub fn pubkey() -> Pubkey {
    keypair().pubkey()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn_on(thread: &str) -> Vec<Pubkey> {
        std::thread::Builder::new().name(thread.into()).spawn(|| (0..3).map(|_| pubkey()).collect()).unwrap().join().unwrap()
    }

    #[test]
    fn a_test_draws_the_same_distinct_keys_every_time_and_another_test_others() {
        let first = drawn_on("a test");
        assert_eq!(drawn_on("a test"), first, "the same test, run again");
        assert!(first[0] != first[1] && first[1] != first[2]);
        let other = drawn_on("another test");
        assert!(first.iter().all(|k| !other.contains(k)));
    }
}
