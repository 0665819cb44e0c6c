//! The treasury program: addresses and instruction builders (see the crate docs on drift).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use treasury::accounts as program_accounts;
use treasury::instruction as program_instruction;
use treasury::state::TREASURY_SEED;

pub use treasury::instructions::InitializeArgs;
pub use treasury::state::{Params, PendingParams, Recipient, Schedule, Treasury};
pub use treasury::ID;

/// The treasury of the network token `mint`.
pub fn treasury_address(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[TREASURY_SEED, mint.as_ref()], &ID).0
}

fn instruction(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// Creates the treasury of `mint`, taking over the mint authority from `mint_authority`.
pub fn initialize(payer: &Pubkey, mint_authority: &Pubkey, mint: &Pubkey, token_program: &Pubkey, args: InitializeArgs) -> Instruction {
    instruction(
        program_accounts::Initialize {
            payer: *payer,
            mint_authority: *mint_authority,
            treasury: treasury_address(mint),
            mint: *mint,
            token_program: *token_program,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::Initialize { args },
    )
}

/// Emits `epoch`'s tokens into the recipients of the treasury's parameters (a permissionless
/// crank). `recipients` are their token accounts in the parameters' order; `epoch_burns` is
/// data-credits' burn totals of the epoch when the split follows usage.
pub fn emit_epoch(mint: &Pubkey, token_program: &Pubkey, epoch: u64, epoch_burns: Option<Pubkey>, recipients: &[Pubkey]) -> Instruction {
    let mut ix = instruction(
        program_accounts::EmitEpoch { treasury: treasury_address(mint), mint: *mint, epoch_burns, token_program: *token_program },
        program_instruction::EmitEpoch { epoch },
    );
    ix.accounts.extend(recipients.iter().map(|r| AccountMeta::new(*r, false)));
    ix
}

/// Proposes new parameters (the authority); they apply after the time lock.
pub fn propose_params(mint: &Pubkey, authority: &Pubkey, params: Params) -> Instruction {
    instruction(
        program_accounts::ProposeParams { treasury: treasury_address(mint), authority: *authority },
        program_instruction::ProposeParams { params },
    )
}

/// Applies the pending parameters once the time lock has passed (the authority).
pub fn apply_params(mint: &Pubkey, authority: &Pubkey) -> Instruction {
    instruction(program_accounts::ApplyParams { treasury: treasury_address(mint), authority: *authority }, program_instruction::ApplyParams {})
}

/// Cancels the pending parameters (the authority).
pub fn cancel_params(mint: &Pubkey, authority: &Pubkey) -> Instruction {
    instruction(program_accounts::CancelParams { treasury: treasury_address(mint), authority: *authority }, program_instruction::CancelParams {})
}

/// Proposes `new_authority` (the authority); it then accepts.
pub fn propose_authority(mint: &Pubkey, authority: &Pubkey, new_authority: Pubkey) -> Instruction {
    instruction(
        program_accounts::ProposeAuthority { treasury: treasury_address(mint), authority: *authority },
        program_instruction::ProposeAuthority { new_authority },
    )
}

/// Accepts the proposed authority role (the proposed authority).
pub fn accept_authority(mint: &Pubkey, new_authority: &Pubkey) -> Instruction {
    instruction(
        program_accounts::AcceptAuthority { treasury: treasury_address(mint), new_authority: *new_authority },
        program_instruction::AcceptAuthority {},
    )
}
