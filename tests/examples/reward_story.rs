//! The reward story, run in an in-process bank with the real programs: a pool with a 2-of-3
//! oracle quorum is funded, the oracles compute an epoch's reward tree for a fleet of devices,
//! two of them co-sign its root, it is posted, and every owner claims exactly their reward.
//!
//! `cargo run -p fieldproof-tests --example reward_story [devices]`
use anchor_lang::prelude::Pubkey;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_merkle::{leaf_hash, MerkleTree};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::oracles::{signed_by, Oracle};
use fieldproof_tests::tokens::SPL_TOKEN;
use fieldproof_tests::Bank;
use reward_pool::instructions::{ClaimArgs, CreatePoolArgs, PostRootArgs};
use reward_pool::state::{Pool, CLAIM_SEED, POOL_SEED, VAULT_SEED};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let devices: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(8);
    let mut bank = Bank::start().await;
    let payer = bank.payer().pubkey();

    let mint_authority = Keypair::new();
    let mint = bank.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
    let authority = Keypair::new();
    let oracles: Vec<Oracle> = (1..=3).map(Oracle::from_seed).collect();
    let pool = Pubkey::find_program_address(&[POOL_SEED, mint.as_ref(), &0u16.to_le_bytes()], &reward_pool::ID).0;
    let vault = Pubkey::find_program_address(&[VAULT_SEED, pool.as_ref()], &reward_pool::ID).0;
    let create = anchor_ix(
        reward_pool::ID,
        reward_pool::accounts::CreatePool {
            payer,
            authority: authority.pubkey(),
            pool,
            vault,
            mint,
            token_program: SPL_TOKEN,
            system_program: anchor_lang::system_program::ID,
        },
        reward_pool::instruction::CreatePool {
            args: CreatePoolArgs {
                id: 0,
                guardian: Keypair::new().pubkey(),
                oracles: oracles.iter().map(Oracle::pubkey).collect(),
                threshold: 2,
                dispute_window_secs: 0,
                breaker: BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(5_000) },
            },
        },
    );
    bank.send(&[create], &[&authority]).await?;
    let funding = 1_000_000_000_000;
    bank.mint_tokens(SPL_TOKEN, &mint, &vault, &mint_authority, funding).await;
    println!("pool {pool}: 2-of-3 oracle quorum, vault funded with {} tokens", funding / 1_000_000);

    // The epoch's reward file: each device's cumulative reward.
    let owners: Vec<Keypair> = (0..devices).map(|_| Keypair::new()).collect();
    let leaves: Vec<(Pubkey, u64)> = (0..devices).map(|i| (Pubkey::new_unique(), 1_000_000 * (i as u64 + 1))).collect();
    let tree = MerkleTree::new(leaves.iter().map(|(asset, amount)| leaf_hash(&asset.to_bytes(), *amount)).collect());
    let total: u64 = leaves.iter().map(|(_, a)| a).sum();
    let args = PostRootArgs {
        config_version: bank.account::<Pool>(pool).await.config_version,
        epoch: 1,
        root: tree.root(),
        cumulative_total: total,
        leaf_count: devices as u64,
        content_hash: [0; 32],
        expires_at: bank.now().await + 3_600,
    };
    let message = args.message(pool);
    let signatures = signed_by(&message.to_bytes(), &[&oracles[0], &oracles[2]]);
    let post = anchor_ix(
        reward_pool::ID,
        reward_pool::accounts::PostRoot { pool, vault, instructions: solana_sdk_ids::sysvar::instructions::ID },
        reward_pool::instruction::PostRoot { args },
    );
    bank.send(&[signatures, post], &[]).await?;
    println!("epoch 1: root {} over {devices} devices, total {total}, signed by oracles 1 and 3", hex(&tree.root()));

    for (i, ((asset, amount), owner)) in leaves.iter().zip(&owners).enumerate() {
        let to = bank.create_token_account(SPL_TOKEN, &mint, &owner.pubkey()).await;
        let claim_record = Pubkey::find_program_address(&[CLAIM_SEED, pool.as_ref(), asset.as_ref()], &reward_pool::ID).0;
        let claim = anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::Claim {
                payer,
                owner: owner.pubkey(),
                pool,
                claim_record,
                vault,
                mint,
                recipient: to,
                token_program: SPL_TOKEN,
                system_program: anchor_lang::system_program::ID,
            },
            reward_pool::instruction::Claim {
                args: ClaimArgs { asset: *asset, cumulative_amount: *amount, proof: tree.proof(i).ok_or("no proof")? },
            },
        );
        bank.send(&[claim], &[owner]).await?;
        let got = bank.token_balance(to).await;
        assert_eq!(got, *amount, "owner received exactly the leaf amount");
        println!("device {asset}: claimed {got}");
    }
    let left = bank.token_balance(vault).await;
    println!("vault: {left} left = {funding} funded - {total} claimed");
    assert_eq!(left, funding - total);
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
