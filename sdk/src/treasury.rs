//! The treasury program: addresses and instruction builders (see the crate docs on drift).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use treasury::accounts as program_accounts;
use treasury::instruction as program_instruction;
use treasury::state::TREASURY_SEED;

use crate::data_credits::epoch_burns_address as data_credits_epoch_burns;

pub use treasury::emission::{split, Split};
pub use treasury::instructions::InitializeArgs;
pub use treasury::state::{Params, PendingGuardian, PendingParams, Recipient, Role, Schedule, Treasury, MAX_TIMELOCK_SECS};
pub use treasury::ID;

/// The treasury of the network token `mint`.
pub fn treasury_address(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[TREASURY_SEED, mint.as_ref()], &ID).0
}

fn instruction(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// Creates the treasury of `mint`, taking over the mint authority from `mint_authority`. The
/// data-credits config `args.params.dc_config` must exist, with the same epochs; the program
/// checks the recipients' token accounts, so they follow as read-only accounts.
pub fn initialize(payer: &Pubkey, mint_authority: &Pubkey, mint: &Pubkey, token_program: &Pubkey, args: InitializeArgs) -> Instruction {
    let recipients = recipient_metas(&args.params, false);
    let mut ix = instruction(
        program_accounts::Initialize {
            payer: *payer,
            mint_authority: *mint_authority,
            treasury: treasury_address(mint),
            mint: *mint,
            dc_config: args.params.dc_config,
            token_program: *token_program,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::Initialize { args },
    );
    ix.accounts.extend(recipients);
    ix
}

/// The recipients' token accounts of `params`, in order, as the instructions' trailing accounts.
fn recipient_metas(params: &Params, writable: bool) -> Vec<AccountMeta> {
    params
        .recipients
        .iter()
        .map(|r| if writable { AccountMeta::new(r.token_account, false) } else { AccountMeta::new_readonly(r.token_account, false) })
        .collect()
}

/// Emits `epoch`'s tokens into the recipients of `treasury`'s parameters (a permissionless
/// crank). When the split follows usage, data-credits' burn totals of the epoch are passed
/// along.
pub fn emit_epoch(treasury: &Treasury, epoch: u64) -> Instruction {
    let epoch_burns = (treasury.params.usage_bps > 0).then(|| data_credits_epoch_burns(&treasury.params.dc_config, epoch));
    let mut ix = instruction(
        program_accounts::EmitEpoch {
            treasury: treasury_address(&treasury.mint),
            mint: treasury.mint,
            epoch_burns,
            token_program: treasury.token_program,
        },
        program_instruction::EmitEpoch { epoch },
    );
    ix.accounts.extend(recipient_metas(&treasury.params, true));
    ix
}

/// Proposes new parameters (the authority); they apply after the time lock, and the guardian can
/// cancel them until then. The program checks the data-credits config they name and the new
/// recipients' token accounts, so those follow as read-only accounts.
pub fn propose_params(mint: &Pubkey, authority: &Pubkey, params: Params) -> Instruction {
    let recipients = recipient_metas(&params, false);
    let mut ix = instruction(
        program_accounts::ProposeParams { treasury: treasury_address(mint), authority: *authority, dc_config: params.dc_config },
        program_instruction::ProposeParams { params },
    );
    ix.accounts.extend(recipients);
    ix
}

/// Applies the pending parameters once the time lock has passed (the authority).
pub fn apply_params(mint: &Pubkey, authority: &Pubkey) -> Instruction {
    instruction(program_accounts::ApplyParams { treasury: treasury_address(mint), authority: *authority }, program_instruction::ApplyParams {})
}

/// Cancels the pending parameters (the guardian or the authority).
pub fn cancel_params(mint: &Pubkey, signer: &Pubkey) -> Instruction {
    instruction(program_accounts::CancelParams { treasury: treasury_address(mint), signer: *signer }, program_instruction::CancelParams {})
}

/// Proposes `new_holder` for `role` (the authority); `new_holder` then accepts: at once for the
/// authority, after the time lock for the guardian (which the guardian can cancel).
pub fn propose_role(mint: &Pubkey, authority: &Pubkey, role: Role, new_holder: Pubkey) -> Instruction {
    instruction(
        program_accounts::ProposeRole { treasury: treasury_address(mint), authority: *authority },
        program_instruction::ProposeRole { role, new_holder },
    )
}

/// Accepts a proposed `role` (the proposed holder).
pub fn accept_role(mint: &Pubkey, new_holder: &Pubkey, role: Role) -> Instruction {
    instruction(
        program_accounts::AcceptRole { treasury: treasury_address(mint), new_holder: *new_holder },
        program_instruction::AcceptRole { role },
    )
}

/// Drops a pending role change: a new guardian by the guardian or the authority, a new authority
/// by the authority.
pub fn cancel_role(mint: &Pubkey, signer: &Pubkey, role: Role) -> Instruction {
    instruction(
        program_accounts::CancelRole { treasury: treasury_address(mint), signer: *signer },
        program_instruction::CancelRole { role },
    )
}
