//! The reward-pool program: addresses, instruction builders, root posting and claim leaves.
//!
//! Every builder fills the program's own generated `accounts::*` and `instruction::*` types, so
//! a change to an instruction's accounts or arguments breaks this module's build rather than
//! producing transactions the program refuses.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use ed25519_dalek::{Signer as _, SigningKey};
use reward_pool::accounts as program_accounts;
use reward_pool::instruction as program_instruction;
use reward_pool::state::{CLAIM_SEED, POOL_SEED, VAULT_SEED};

use crate::device_registry::{DeviceOwnership, SPL_ACCOUNT_COMPRESSION_ID};

pub use reward_pool::instructions::{ClaimArgs, CreatePoolArgs, OracleSetArgs, PostRootArgs};
pub use reward_pool::message::RootMessage;
pub use reward_pool::state::{
    ClaimRecord, OracleSet, PendingGuardian, PendingOracleSet, PendingPoolConfig, PendingRoot, Pool, PoolConfig, Role, RootState,
    MAX_DISPUTE_WINDOW_SECS, MAX_EPOCH_STEP, MAX_TIMELOCK_SECS,
};
pub use reward_pool::ID;

/// The pool of reward stream `id` paid in `mint`.
pub fn pool_address(mint: &Pubkey, id: u16) -> Pubkey {
    Pubkey::find_program_address(&[POOL_SEED, mint.as_ref(), &id.to_le_bytes()], &ID).0
}

/// The token account holding `pool`'s rewards.
pub fn vault_address(pool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, pool.as_ref()], &ID).0
}

/// What has been paid for `asset` from `pool`.
pub fn claim_record_address(pool: &Pubkey, asset: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[CLAIM_SEED, pool.as_ref(), asset.as_ref()], &ID).0
}

fn instruction(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// Creates the pool `args.id` for `mint` and its vault. `mint` is the token of a device network
/// (its data-credits config and network are derived from it) and `authority` is that network's
/// authority, which the program requires. `token_program` owns `mint` (SPL Token or Token-2022).
pub fn create_pool(payer: &Pubkey, authority: &Pubkey, mint: &Pubkey, token_program: &Pubkey, args: CreatePoolArgs) -> Instruction {
    let pool = pool_address(mint, args.id);
    let dc_config = crate::data_credits::config_address(mint);
    instruction(
        program_accounts::CreatePool {
            payer: *payer,
            authority: *authority,
            network: crate::device_registry::network_address(&dc_config),
            dc_config,
            pool,
            vault: vault_address(&pool),
            mint: *mint,
            token_program: *token_program,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::CreatePool { args },
    )
}

/// Posts a root. Must directly follow the Ed25519 precompile instruction carrying the oracle
/// signatures over `args.message(pool)`; [`post_root_with_signatures`] builds both. A pending
/// root whose dispute window has passed is activated by it; while the pending root is still in
/// its window the program refuses (`PendingRootInDisputeWindow`): wait until
/// `pool.pending.activates_at`, then post.
pub fn post_root(pool: &Pubkey, args: PostRootArgs) -> Instruction {
    instruction(
        program_accounts::PostRoot {
            pool: *pool,
            vault: vault_address(pool),
            instructions: solana_sdk_ids::sysvar::instructions::ID,
        },
        program_instruction::PostRoot { args },
    )
}

/// One oracle's signature over a root message: its ed25519 public key and signature.
pub type OracleSignature = ([u8; 32], [u8; 64]);

/// Signs the root message of `args` for `pool` with one oracle key.
pub fn sign_root(oracle: &SigningKey, pool: &Pubkey, args: &PostRootArgs) -> OracleSignature {
    let message = args.message(*pool).to_bytes();
    (oracle.verifying_key().to_bytes(), oracle.sign(&message).to_bytes())
}

/// The two instructions that post a root: the Ed25519 precompile check of `signatures` (at least
/// the pool's threshold of distinct oracles) over the root message, then `post_root`. They must
/// be sent in this order in one transaction.
pub fn post_root_with_signatures(pool: &Pubkey, args: PostRootArgs, signatures: &[OracleSignature]) -> [Instruction; 2] {
    let message = args.message(*pool).to_bytes();
    [fieldproof_ed25519::signatures_instruction(&message, signatures), post_root(pool, args)]
}

/// Makes `pool`'s pending root active once its dispute window has passed; anyone may send it.
pub fn activate_root(pool: &Pubkey) -> Instruction {
    instruction(program_accounts::ActivateRoot { pool: *pool }, program_instruction::ActivateRoot {})
}

/// Vetoes `pool`'s pending root (the guardian only). It bumps the pool's config version: every
/// signature gathered before, the vetoed root's included, can no longer be posted.
pub fn veto_root(pool: &Pubkey, guardian: &Pubkey) -> Instruction {
    instruction(program_accounts::VetoRoot { pool: *pool, guardian: *guardian }, program_instruction::VetoRoot {})
}

/// The accounts of a claim besides the device's and those derived from the pool.
#[derive(Clone, Copy, Debug)]
pub struct ClaimAccounts {
    /// Pays the transaction and, on the first claim, the claim record's rent.
    pub payer: Pubkey,
    /// The device cNFT's current owner.
    pub owner: Pubkey,
    /// The pool claimed from.
    pub pool: Pubkey,
    /// The pool's reward mint.
    pub mint: Pubkey,
    /// The owner's token account of `mint`, or the destination the owner set.
    pub recipient: Pubkey,
    /// The program owning `mint`.
    pub token_program: Pubkey,
}

/// Claims `cumulative_amount` (the device's leaf of the active root, proven by `proof`) minus
/// what was already paid for the device, for its current owner as `ownership` proves.
pub fn claim(accounts: ClaimAccounts, ownership: &DeviceOwnership, cumulative_amount: u64, proof: Vec<[u8; 32]>) -> Instruction {
    let mut ix = instruction(
        program_accounts::Claim {
            payer: accounts.payer,
            owner: accounts.owner,
            pool: accounts.pool,
            device: ownership.address,
            claim_record: claim_record_address(&accounts.pool, &ownership.device.asset),
            vault: vault_address(&accounts.pool),
            mint: accounts.mint,
            recipient: accounts.recipient,
            merkle_tree: ownership.device.tree,
            compression_program: SPL_ACCOUNT_COMPRESSION_ID,
            token_program: accounts.token_program,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::Claim { args: ClaimArgs { cumulative_amount, proof, ownership: ownership.proof } },
    );
    ix.accounts.extend(ownership.node_accounts());
    ix
}

/// Makes the device's future claims from `pool` pay `destination` (a token account of the
/// pool's mint) instead of the owner's own account, until the device changes hands;
/// `Pubkey::default()` undoes it. `ownership` proves `owner` owns the device now.
pub fn set_destination(payer: &Pubkey, owner: &Pubkey, pool: &Pubkey, ownership: &DeviceOwnership, destination: Pubkey) -> Instruction {
    let mut ix = instruction(
        program_accounts::SetDestination {
            payer: *payer,
            owner: *owner,
            pool: *pool,
            device: ownership.address,
            claim_record: claim_record_address(pool, &ownership.device.asset),
            merkle_tree: ownership.device.tree,
            compression_program: SPL_ACCOUNT_COMPRESSION_ID,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::SetDestination { destination, ownership: ownership.proof },
    );
    ix.accounts.extend(ownership.node_accounts());
    ix
}

/// Proposes a new oracle set (the authority): 2 to 10 keys, a strict majority threshold. It may
/// be applied after the pool's time lock, and the guardian can cancel it until then.
pub fn propose_oracle_set(pool: &Pubkey, authority: &Pubkey, oracle_set: OracleSetArgs) -> Instruction {
    instruction(
        program_accounts::ProposeOracleSet { pool: *pool, authority: *authority },
        program_instruction::ProposeOracleSet { oracle_set },
    )
}

/// Applies the pending oracle set once its time lock has passed (the authority).
pub fn apply_oracle_set(pool: &Pubkey, authority: &Pubkey) -> Instruction {
    instruction(program_accounts::ApplyOracleSet { pool: *pool, authority: *authority }, program_instruction::ApplyOracleSet {})
}

/// Cancels the pending oracle set (the guardian or the authority).
pub fn cancel_oracle_set(pool: &Pubkey, signer: &Pubkey) -> Instruction {
    instruction(program_accounts::CancelOracleSet { pool: *pool, signer: *signer }, program_instruction::CancelOracleSet {})
}

/// Proposes `new_holder` for `role` (the authority); `new_holder` then accepts: at once for the
/// authority, after the pool's time lock for the guardian (which the guardian can cancel).
pub fn propose_role(pool: &Pubkey, authority: &Pubkey, role: Role, new_holder: Pubkey) -> Instruction {
    instruction(
        program_accounts::ProposeRole { pool: *pool, authority: *authority },
        program_instruction::ProposeRole { role, new_holder },
    )
}

/// Accepts a proposed `role` (the proposed holder).
pub fn accept_role(pool: &Pubkey, new_holder: &Pubkey, role: Role) -> Instruction {
    instruction(program_accounts::AcceptRole { pool: *pool, new_holder: *new_holder }, program_instruction::AcceptRole { role })
}

/// Drops a pending role change: a new guardian by the guardian or the authority, a new authority
/// by the authority.
pub fn cancel_role(pool: &Pubkey, signer: &Pubkey, role: Role) -> Instruction {
    instruction(program_accounts::CancelRole { pool: *pool, signer: *signer }, program_instruction::CancelRole { role })
}

/// Tightens the dispute window and the vault's circuit breaker at once (the authority); the
/// program refuses any part that loosens (`ChangeLoosensSafety`): propose it instead.
pub fn tighten_pool_config(pool: &Pubkey, authority: &Pubkey, config: PoolConfig) -> Instruction {
    instruction(program_accounts::TightenPoolConfig { pool: *pool, authority: *authority }, program_instruction::TightenPoolConfig { config })
}

/// Proposes a dispute window and breaker (the authority), loosening ones included; they may be
/// applied after the pool's time lock, and the guardian can cancel them until then.
pub fn propose_pool_config(pool: &Pubkey, authority: &Pubkey, config: PoolConfig) -> Instruction {
    instruction(program_accounts::ProposePoolConfig { pool: *pool, authority: *authority }, program_instruction::ProposePoolConfig { config })
}

/// Applies the pending configuration once its time lock has passed (the authority).
pub fn apply_pool_config(pool: &Pubkey, authority: &Pubkey) -> Instruction {
    instruction(program_accounts::ApplyPoolConfig { pool: *pool, authority: *authority }, program_instruction::ApplyPoolConfig {})
}

/// Cancels the pending configuration (the guardian or the authority).
pub fn cancel_pool_config(pool: &Pubkey, signer: &Pubkey) -> Instruction {
    instruction(program_accounts::CancelPoolConfig { pool: *pool, signer: *signer }, program_instruction::CancelPoolConfig {})
}

/// Raises the pool's time lock to `timelock_secs` at once (the authority); it never goes down.
pub fn raise_timelock(pool: &Pubkey, authority: &Pubkey, timelock_secs: i64) -> Instruction {
    instruction(program_accounts::RaiseTimelock { pool: *pool, authority: *authority }, program_instruction::RaiseTimelock { timelock_secs })
}
