//! The programs together: the treasury emits an epoch into two reward-pool vaults by weight, the
//! oracles post a root that the emission funds (and cannot post one it does not), and owners
//! claim exactly their leaves until the vault is empty.
use anchor_lang::prelude::Pubkey;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_merkle::{leaf_hash, MerkleTree};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::oracles::{signed_by, Oracle};
use fieldproof_tests::tokens::SPL_TOKEN;
use fieldproof_tests::{assert_program_error, Bank};
use reward_pool::errors::RewardPoolError;
use reward_pool::instructions::{ClaimArgs, CreatePoolArgs, PostRootArgs};
use reward_pool::state::{Pool, CLAIM_SEED, POOL_SEED, VAULT_SEED};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use treasury::state::{Params, Recipient, Schedule, TREASURY_SEED};

const EPOCH_SECS: i64 = 86_400;
const EMISSION: u64 = 1_000_000;

/// At most one epoch's emission may leave a pool or the treasury per day.
fn breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 86_400, threshold: Threshold::Absolute(EMISSION) }
}

async fn create_pool(bank: &mut Bank, mint: Pubkey, id: u16, oracles: &[Oracle]) -> (Pubkey, Pubkey) {
    let pool = Pubkey::find_program_address(&[POOL_SEED, mint.as_ref(), &id.to_le_bytes()], &reward_pool::ID).0;
    let vault = Pubkey::find_program_address(&[VAULT_SEED, pool.as_ref()], &reward_pool::ID).0;
    let authority = Keypair::new();
    let ix = anchor_ix(
        reward_pool::ID,
        reward_pool::accounts::CreatePool {
            payer: bank.payer().pubkey(),
            authority: authority.pubkey(),
            pool,
            vault,
            mint,
            token_program: SPL_TOKEN,
            system_program: anchor_lang::system_program::ID,
        },
        reward_pool::instruction::CreatePool {
            args: CreatePoolArgs {
                id,
                guardian: Pubkey::new_unique(),
                oracles: oracles.iter().map(Oracle::pubkey).collect(),
                threshold: 2,
                dispute_window_secs: 0,
                breaker: breaker(),
            },
        },
    );
    bank.send(&[ix], &[&authority]).await.expect("create pool");
    (pool, vault)
}

async fn post_root(bank: &mut Bank, pool: Pubkey, vault: Pubkey, oracles: &[&Oracle], tree: &MerkleTree, total: u64) -> Result<(), TransactionError> {
    let state: Pool = bank.account(pool).await;
    let args = PostRootArgs {
        config_version: state.config_version,
        epoch: state.active.epoch + 1,
        root: tree.root(),
        cumulative_total: total,
        leaf_count: tree.leaf_count() as u64,
        content_hash: [7; 32],
        expires_at: bank.now().await + 600,
    };
    let message = args.message(pool);
    let post = anchor_ix(
        reward_pool::ID,
        reward_pool::accounts::PostRoot { pool, vault, instructions: solana_sdk_ids::sysvar::instructions::ID },
        reward_pool::instruction::PostRoot { args },
    );
    bank.send(&[signed_by(&message.to_bytes(), oracles), post], &[]).await
}

#[tokio::test]
async fn treasury_emission_funds_the_pools_and_claims_drain_exactly_the_root() {
    let mut bank = Bank::start().await;
    let mint_authority = Keypair::new();
    let mint = bank.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
    let oracles: Vec<Oracle> = (1..=3).map(Oracle::from_seed).collect();
    let (coverage, coverage_vault) = create_pool(&mut bank, mint, 0, &oracles).await;
    let (_mapping, mapping_vault) = create_pool(&mut bank, mint, 1, &oracles).await;

    // The treasury takes the mint authority and emits epoch 0 into the two vaults, 3:1.
    let treasury = Pubkey::find_program_address(&[TREASURY_SEED, mint.as_ref()], &treasury::ID).0;
    let now = bank.now().await;
    let params = Params {
        schedule: Schedule {
            start_ts: now - EPOCH_SECS,
            epoch_length_secs: EPOCH_SECS,
            initial_emission: EMISSION,
            halving_interval_epochs: 0,
            max_supply: u64::MAX,
        },
        recipients: vec![
            Recipient { token_account: coverage_vault, weight: 3, category: 0 },
            Recipient { token_account: mapping_vault, weight: 1, category: 1 },
        ],
        usage_bps: 0,
        dc_config: Pubkey::default(),
        // Absolute, because a percent-of-supply limit would block the first emission (supply 0).
        breaker: breaker(),
        timelock_secs: 0,
    };
    let vaults = [coverage_vault, mapping_vault];
    let mut init = anchor_ix(
        treasury::ID,
        treasury::accounts::Initialize {
            payer: bank.payer().pubkey(),
            mint_authority: mint_authority.pubkey(),
            treasury,
            mint,
            token_program: SPL_TOKEN,
            system_program: anchor_lang::system_program::ID,
        },
        treasury::instruction::Initialize {
            args: treasury::instructions::InitializeArgs { authority: Pubkey::new_unique(), params },
        },
    );
    init.accounts.extend(vaults.iter().map(|v| AccountMeta::new_readonly(*v, false)));
    bank.send(&[init], &[&mint_authority]).await.expect("initialize treasury");
    let mut emit: Instruction = anchor_ix(
        treasury::ID,
        treasury::accounts::EmitEpoch { treasury, mint, epoch_burns: None, token_program: SPL_TOKEN },
        treasury::instruction::EmitEpoch { epoch: 0 },
    );
    emit.accounts.extend(vaults.iter().map(|v| AccountMeta::new(*v, false)));
    bank.send(&[emit], &[]).await.expect("emit epoch 0");
    assert_eq!(bank.token_balance(coverage_vault).await, 750_000);
    assert_eq!(bank.token_balance(mapping_vault).await, 250_000);

    // Rewards for four devices in the coverage pool, worth exactly what the pool received.
    let owners: Vec<Keypair> = (0..4).map(|_| Keypair::new()).collect();
    let leaves: Vec<(Pubkey, u64)> = [400_000, 200_000, 100_000, 50_000].iter().map(|a| (Pubkey::new_unique(), *a)).collect();
    let tree = MerkleTree::new(leaves.iter().map(|(asset, a)| leaf_hash(&asset.to_bytes(), *a)).collect());

    // A root promising more than the emission funded is refused.
    let inflated = post_root(&mut bank, coverage, coverage_vault, &[&oracles[0], &oracles[1]], &tree, 750_001).await;
    assert_program_error(inflated, RewardPoolError::TotalExceedsFunding);
    post_root(&mut bank, coverage, coverage_vault, &[&oracles[1], &oracles[2]], &tree, 750_000)
        .await
        .expect("post the funded root");

    for (i, ((asset, amount), owner)) in leaves.iter().zip(&owners).enumerate() {
        let to = bank.create_token_account(SPL_TOKEN, &mint, &owner.pubkey()).await;
        let claim = anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::Claim {
                payer: bank.payer().pubkey(),
                owner: owner.pubkey(),
                pool: coverage,
                claim_record: Pubkey::find_program_address(&[CLAIM_SEED, coverage.as_ref(), asset.as_ref()], &reward_pool::ID).0,
                vault: coverage_vault,
                mint,
                recipient: to,
                token_program: SPL_TOKEN,
                system_program: anchor_lang::system_program::ID,
            },
            reward_pool::instruction::Claim {
                args: ClaimArgs { asset: *asset, cumulative_amount: *amount, proof: tree.proof(i).unwrap() },
            },
        );
        bank.send(&[claim], &[owner]).await.expect("claim");
        assert_eq!(bank.token_balance(to).await, *amount);
    }
    assert_eq!(bank.token_balance(coverage_vault).await, 0, "the vault paid out exactly the root's total");
    assert_eq!(bank.token_balance(mapping_vault).await, 250_000, "the other pool is untouched");
    assert_eq!(bank.mint_supply(mint).await, EMISSION);
}
