//! Registration of our Anchor programs as native processors in solana-program-test.
//!
//! Anchor's `entry` ties every account lifetime to one `'info`, while `processor!` hands out a
//! slice with independent lifetimes. The accounts live for the whole call, so re-borrowing the
//! slice under one lifetime is sound. Kept apart from modules that import Anchor's prelude so the
//! two `processor!`/`Pubkey` worlds do not collide.
use solana_program_test::{processor, ProgramTest};

type AccountInfo<'a> = anchor_lang::solana_program::account_info::AccountInfo<'a>;
type Pubkey = anchor_lang::solana_program::pubkey::Pubkey;
type ProgramResult = anchor_lang::solana_program::entrypoint::ProgramResult;

macro_rules! anchor_processor {
    ($name:ident, $program:ident) => {
        fn $name<'a, 'b, 'c, 'd>(program_id: &'a Pubkey, accounts: &'b [AccountInfo<'c>], data: &'d [u8]) -> ProgramResult {
            // SAFETY: see the module documentation; all three borrows outlive the call.
            let (program_id, accounts, data): (&'c Pubkey, &'c [AccountInfo<'c>], &'c [u8]) =
                unsafe {
                (
                    std::mem::transmute::<&'a Pubkey, &'c Pubkey>(program_id),
                    std::mem::transmute::<&'b [AccountInfo<'c>], &'c [AccountInfo<'c>]>(accounts),
                    std::mem::transmute::<&'d [u8], &'c [u8]>(data),
                )
            };
            $program::entry(program_id, accounts, data)
        }
    };
}

anchor_processor!(reward_pool_entry, reward_pool);
anchor_processor!(treasury_entry, treasury);
anchor_processor!(data_credits_entry, data_credits);
anchor_processor!(device_registry_entry, device_registry);

/// A program-test bank with the four programs loaded natively; SPL Token, Token-2022 and the
/// associated token program come built in.
pub fn program_test() -> ProgramTest {
    let mut test = ProgramTest::default();
    // ProgramTest installs a debug-level logger of every transaction; keep test output readable
    // unless RUST_LOG asks for more.
    agave_logger::setup_with_default("error");
    test.prefer_bpf(false);
    test.add_program("reward_pool", reward_pool::ID, processor!(reward_pool_entry));
    test.add_program("treasury", treasury::ID, processor!(treasury_entry));
    test.add_program("data_credits", data_credits::ID, processor!(data_credits_entry));
    test.add_program("device_registry", device_registry::ID, processor!(device_registry_entry));
    test
}
