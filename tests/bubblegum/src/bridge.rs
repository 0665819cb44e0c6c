//! Runs the Solana 1.16 Bubblegum stack (mpl-bubblegum 0.11, spl-account-compression 0.2,
//! spl-noop 0.2) natively beside the agave 3.x program-test bank.
//!
//! Two worlds meet here. `AccountInfo` is `#[repr(C)]` with the same fields in the same order in
//! solana-program 1.16 and solana-account-info 3 (key, lamports, data, owner, rent epoch, three
//! flags), and `Pubkey` is `[u8; 32]` in both, so the bank's account slices are re-read as 1.16
//! ones on the way in. The old crates reach the runtime through their own syscall stubs, which
//! default to silent no-ops off-chain; [`install`] replaces them with ones that forward CPIs,
//! sysvars and logs to the 3.x stubs program-test installed.
use anchor_lang::prelude::{Clock, Rent, SolanaSysvar};
use anchor_lang::solana_program as sp3;
use solana_program_116 as sp1;

type ProgramResult3 = Result<(), sp3::program_error::ProgramError>;

fn error_to_3(e: sp1::program_error::ProgramError) -> sp3::program_error::ProgramError {
    sp3::program_error::ProgramError::from(u64::from(e))
}

fn error_to_1(e: sp3::program_error::ProgramError) -> sp1::program_error::ProgramError {
    sp1::program_error::ProgramError::from(u64::from(e))
}

/// Re-reads 3.x account infos as 1.16 ones (see the module documentation).
///
/// # Safety
/// Both types must keep their identical `#[repr(C)]` layout; checked by [`layouts_match`].
unsafe fn accounts_to_1<'a, 'b>(accounts: &'b [sp3::account_info::AccountInfo<'a>]) -> &'b [sp1::account_info::AccountInfo<'a>] {
    std::slice::from_raw_parts(accounts.as_ptr().cast(), accounts.len())
}

/// # Safety
/// As [`accounts_to_1`], the other way.
unsafe fn accounts_to_3<'a, 'b>(accounts: &'b [sp1::account_info::AccountInfo<'a>]) -> &'b [sp3::account_info::AccountInfo<'a>] {
    std::slice::from_raw_parts(accounts.as_ptr().cast(), accounts.len())
}

/// Size and field offsets agree, so the casts above read the same memory the same way.
pub fn layouts_match() -> bool {
    use std::mem::{offset_of, size_of};
    type A1<'a> = sp1::account_info::AccountInfo<'a>;
    type A3<'a> = sp3::account_info::AccountInfo<'a>;
    size_of::<A1>() == size_of::<A3>()
        && offset_of!(A1, key) == offset_of!(A3, key)
        && offset_of!(A1, lamports) == offset_of!(A3, lamports)
        && offset_of!(A1, data) == offset_of!(A3, data)
        && offset_of!(A1, owner) == offset_of!(A3, owner)
        && offset_of!(A1, is_signer) == offset_of!(A3, is_signer)
        && offset_of!(A1, is_writable) == offset_of!(A3, is_writable)
        && offset_of!(A1, executable) == offset_of!(A3, executable)
}

struct ForwardingStubs;

impl sp1::program_stubs::SyscallStubs for ForwardingStubs {
    fn sol_log(&self, message: &str) {
        sp3::log::sol_log(message);
    }

    fn sol_log_data(&self, fields: &[&[u8]]) {
        sp3::log::sol_log_data(fields);
    }

    fn sol_invoke_signed(
        &self,
        instruction: &sp1::instruction::Instruction,
        account_infos: &[sp1::account_info::AccountInfo],
        signers_seeds: &[&[&[u8]]],
    ) -> sp1::entrypoint::ProgramResult {
        let instruction = sp3::instruction::Instruction {
            program_id: sp3::pubkey::Pubkey::new_from_array(instruction.program_id.to_bytes()),
            accounts: instruction
                .accounts
                .iter()
                .map(|m| sp3::instruction::AccountMeta {
                    pubkey: sp3::pubkey::Pubkey::new_from_array(m.pubkey.to_bytes()),
                    is_signer: m.is_signer,
                    is_writable: m.is_writable,
                })
                .collect(),
            data: instruction.data.clone(),
        };
        // SAFETY: identical layouts (layouts_match), same accounts for the duration of the call.
        let account_infos = unsafe { accounts_to_3(account_infos) };
        sp3::program::invoke_signed(&instruction, account_infos, signers_seeds).map_err(error_to_1)
    }

    fn sol_get_clock_sysvar(&self, var_addr: *mut u8) -> u64 {
        let Ok(clock) = Clock::get() else { return sp1::program_error::UNSUPPORTED_SYSVAR };
        let clock = sp1::clock::Clock {
            slot: clock.slot,
            epoch_start_timestamp: clock.epoch_start_timestamp,
            epoch: clock.epoch,
            leader_schedule_epoch: clock.leader_schedule_epoch,
            unix_timestamp: clock.unix_timestamp,
        };
        // SAFETY: the caller passes a pointer to a 1.16 Clock (Sysvar::get).
        unsafe { var_addr.cast::<sp1::clock::Clock>().write(clock) };
        sp1::entrypoint::SUCCESS
    }

    fn sol_get_rent_sysvar(&self, var_addr: *mut u8) -> u64 {
        let Ok(rent) = Rent::get() else { return sp1::program_error::UNSUPPORTED_SYSVAR };
        // 1.16's Rent has only the old field names.
        #[allow(deprecated)]
        let rent = sp1::rent::Rent {
            lamports_per_byte_year: rent.lamports_per_byte_year,
            exemption_threshold: rent.exemption_threshold,
            burn_percent: rent.burn_percent,
        };
        // SAFETY: the caller passes a pointer to a 1.16 Rent (Sysvar::get).
        unsafe { var_addr.cast::<sp1::rent::Rent>().write(rent) };
        sp1::entrypoint::SUCCESS
    }

    fn sol_get_stack_height(&self) -> u64 {
        sp3::instruction::get_stack_height() as u64
    }
}

/// Points the 1.16 crates' syscalls at the 3.x bank, once per process.
///
/// Once, because 1.16 holds its stubs' read lock for the whole of a CPI and the old program
/// called takes it again: a second `set_syscall_stubs` from a test starting in parallel queues
/// for the write lock between the two reads, and std's writer-preferring `RwLock` then deadlocks
/// both (the bank's request times out, and every later test waits forever).
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    assert!(layouts_match(), "AccountInfo layouts of solana-program 1.16 and 3.x differ");
    INSTALLED.call_once(|| {
        sp1::program_stubs::set_syscall_stubs(Box::new(ForwardingStubs));
    });
}

macro_rules! old_processor {
    ($name:ident, $entry:path) => {
        pub fn $name<'a, 'b, 'c, 'd>(
            program_id: &'a sp3::pubkey::Pubkey,
            accounts: &'b [sp3::account_info::AccountInfo<'c>],
            data: &'d [u8],
        ) -> ProgramResult3 {
            let program_id = sp1::pubkey::Pubkey::new_from_array(program_id.to_bytes());
            // SAFETY: identical layouts (checked in `install`); the bank's accounts outlive the
            // call, so one lifetime for all of them (what Anchor's `entry` wants) is sound.
            let accounts: &'c [sp1::account_info::AccountInfo<'c>] =
                unsafe { std::mem::transmute(accounts_to_1(accounts)) };
            let program_id: &'c sp1::pubkey::Pubkey = unsafe { std::mem::transmute(&program_id) };
            let data: &'c [u8] = unsafe { std::mem::transmute(data) };
            $entry(program_id, accounts, data).map_err(error_to_3)
        }
    };
}

old_processor!(bubblegum_entry, bubblegum_program::entry);
old_processor!(compression_entry, spl_account_compression::entry);
old_processor!(noop_entry, spl_noop::noop);
