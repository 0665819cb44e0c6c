//! The programs together, with devices as real cNFTs: the treasury emits an epoch into two
//! reward-pool vaults by weight, the oracles post a root that the emission funds (and cannot
//! post one it does not), and each device's owner claims exactly its leaf until the vault is
//! empty.
use anchor_lang::prelude::Pubkey;
use fieldproof_bubblegum_tests::pool::{RewardPool, Rewards};
use fieldproof_bubblegum_tests::registry::*;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_tests::assert_program_error;
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::tokens::SPL_TOKEN;
use reward_pool::errors::RewardPoolError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use treasury::state::{Params, Recipient, Schedule, TREASURY_SEED};

const EPOCH_SECS: i64 = 86_400;
const EMISSION: u64 = 1_000_000;

/// At most one epoch's emission may leave a pool or the treasury per day.
fn breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 86_400, threshold: Threshold::Absolute(EMISSION) }
}

#[tokio::test]
async fn treasury_emission_funds_the_pools_and_owners_claims_drain_exactly_the_root() {
    let mut r = Registry::new(5, 8, 2).await;
    let (mint, mint_authority) = (r.network_mint, r.authority.insecure_clone());
    let mut coverage = RewardPool::unfunded(&mut r, 0, 0, breaker()).await;
    let mapping = RewardPool::unfunded(&mut r, 1, 0, breaker()).await;

    // The treasury takes the mint authority and emits epoch 0 into the two vaults, 3:1. Its
    // epochs are the network's data-credits epochs, which started when the registry was set up.
    let treasury = Pubkey::find_program_address(&[TREASURY_SEED, mint.as_ref()], &treasury::ID).0;
    let dc: data_credits::state::DataCreditsConfig = r.bank.account(r.dc_config).await;
    let params = Params {
        schedule: Schedule {
            start_ts: dc.epoch_start,
            epoch_length_secs: EPOCH_SECS,
            initial_emission: EMISSION,
            halving_interval_epochs: 0,
            max_supply: u64::MAX,
        },
        recipients: vec![
            Recipient { token_account: coverage.vault, weight: 3, category: 0 },
            Recipient { token_account: mapping.vault, weight: 1, category: 1 },
        ],
        usage_bps: 0,
        dc_config: r.dc_config,
        // Absolute: a percent-of-supply limit would block the first emission (supply 0).
        breaker: breaker(),
        timelock_secs: 3_600,
    };
    let vaults = [coverage.vault, mapping.vault];
    let mut init = anchor_ix(
        treasury::ID,
        treasury::accounts::Initialize {
            payer: r.bank.payer().pubkey(),
            mint_authority: mint_authority.pubkey(),
            treasury,
            mint,
            dc_config: r.dc_config,
            token_program: SPL_TOKEN,
            system_program: anchor_lang::system_program::ID,
        },
        treasury::instruction::Initialize {
            args: treasury::instructions::InitializeArgs { authority: Pubkey::new_unique(), guardian: Pubkey::new_unique(), params },
        },
    );
    init.accounts.extend(vaults.iter().map(|v| AccountMeta::new_readonly(*v, false)));
    r.bank.send(&[init], &[&mint_authority]).await.expect("initialize treasury");

    // Four devices, each with its own owner, issued in epoch 0 (their fees are booked in it).
    let owners: Vec<Keypair> = (0..4).map(|_| Keypair::new()).collect();
    let mut devices = Vec::new();
    for owner in &owners {
        devices.push(r.issue(&owner.pubkey()).await);
    }

    r.bank.advance_clock(EPOCH_SECS).await;
    let mut emit: Instruction = anchor_ix(
        treasury::ID,
        treasury::accounts::EmitEpoch { treasury, mint, epoch_burns: None, token_program: SPL_TOKEN },
        treasury::instruction::EmitEpoch { epoch: 0 },
    );
    emit.accounts.extend(vaults.iter().map(|v| AccountMeta::new(*v, false)));
    r.bank.send(&[emit], &[]).await.expect("emit epoch 0");
    assert_eq!(r.bank.token_balance(coverage.vault).await, 750_000);
    assert_eq!(r.bank.token_balance(mapping.vault).await, 250_000);

    // The devices are rewarded with exactly what the coverage pool got.
    let amounts = [400_000, 200_000, 100_000, 50_000];
    let rewards = Rewards::new(devices.iter().zip(amounts).map(|(d, a)| (d.info.asset, a)).collect());

    // A root promising more than the emission funded is refused.
    let inflated = coverage.try_post_root(&mut r, rewards.tree.root(), 750_001, 4).await;
    assert_program_error(inflated, RewardPoolError::TotalExceedsFunding);
    coverage.post(&mut r, &rewards).await;

    for ((device, owner), amount) in devices.iter().zip(&owners).zip(amounts) {
        let to = r.bank.create_token_account(SPL_TOKEN, &mint, &owner.pubkey()).await;
        coverage.claim(&mut r, device, owner, to, &rewards).await.expect("the owner claims");
        assert_eq!(r.bank.token_balance(to).await, amount);
    }
    assert_eq!(r.bank.token_balance(coverage.vault).await, 0, "the vault paid out exactly the root's total");
    assert_eq!(r.bank.token_balance(mapping.vault).await, 250_000, "the other pool is untouched");
    assert_eq!(r.bank.mint_supply(mint).await, EMISSION);
}
