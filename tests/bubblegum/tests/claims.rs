//! reward-pool claims bound to the device cNFT's current owner, against real Bubblegum and
//! account compression: only the owner claims, a transfer moves the claim to the new owner,
//! a destination lapses with the sale, and a claim for a 2^20-device network fits one
//! transaction.
use anchor_lang::prelude::Pubkey;
use fieldproof_bubblegum_tests::pool::{claim_record, RewardPool, Rewards, FUNDING};
use fieldproof_bubblegum_tests::registry::*;
use fieldproof_tests::assert_program_error;
use fieldproof_tests::bank::with_account;
use fieldproof_tests::tokens::SPL_TOKEN;
use reward_pool::errors::RewardPoolError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Depth 5, buffer 8, canopy 2, as the registry tests.
async fn registry() -> Registry {
    Registry::new(5, 8, 2).await
}

/// account compression's ConcurrentMerkleTreeError: the leaf is not in the tree at that root.
const LEAF_NOT_IN_TREE: u32 = 6000 + spl_account_compression::error::AccountCompressionError::ConcurrentMerkleTreeError as u32;

async fn token_account(r: &mut Registry, pool: &RewardPool, owner: &Pubkey) -> Pubkey {
    r.bank.create_token_account(pool.token_program, &pool.mint, owner).await
}

#[tokio::test]
async fn only_the_cnft_owner_claims() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    let rewards = Rewards::new(vec![(device.info.asset, 100), (Pubkey::new_unique(), 50)]);
    pool.post(&mut r, &rewards).await;

    let intruder = Keypair::new();
    let intruders = token_account(&mut r, &pool, &intruder.pubkey()).await;
    assert_eq!(custom_error(pool.claim(&mut r, &device, &intruder, intruders, &rewards).await), LEAF_NOT_IN_TREE);
    assert_eq!(r.bank.token_balance(intruders).await, 0);

    let owners = token_account(&mut r, &pool, &owner.pubkey()).await;
    // The owner cannot have it paid to someone else's account either.
    let result = pool.claim(&mut r, &device, &owner, intruders, &rewards).await;
    assert_program_error(result, RewardPoolError::WrongRecipient);
    pool.claim(&mut r, &device, &owner, owners, &rewards).await.expect("the owner claims");
    assert_eq!(r.bank.token_balance(owners).await, 100);
    assert_program_error(pool.claim(&mut r, &device, &owner, owners, &rewards).await, RewardPoolError::NothingToClaim);
}

#[tokio::test]
async fn after_a_transfer_the_new_owner_claims_and_the_old_one_cannot() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let (seller, buyer) = (Keypair::new(), Keypair::new());
    let device = r.issue(&seller.pubkey()).await;
    let sellers = token_account(&mut r, &pool, &seller.pubkey()).await;
    let buyers = token_account(&mut r, &pool, &buyer.pubkey()).await;
    let first = Rewards::new(vec![(device.info.asset, 100)]);
    pool.post(&mut r, &first).await;
    pool.claim(&mut r, &device, &seller, sellers, &first).await.expect("the seller claims epoch 1");

    r.transfer(&device, &seller, &buyer.pubkey()).await;
    let second = Rewards::new(vec![(device.info.asset, 250)]);
    pool.post(&mut r, &second).await;
    assert_eq!(custom_error(pool.claim(&mut r, &device, &seller, sellers, &second).await), LEAF_NOT_IN_TREE);
    pool.claim(&mut r, &device, &buyer, buyers, &second).await.expect("the buyer claims");
    assert_eq!((r.bank.token_balance(sellers).await, r.bank.token_balance(buyers).await), (100, 150));
}

#[tokio::test]
async fn a_destination_is_set_by_the_owner_and_lapses_when_the_device_is_sold() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let (seller, buyer, stranger) = (Keypair::new(), Keypair::new(), Keypair::new());
    let device = r.issue(&seller.pubkey()).await;
    let vault_of_seller = token_account(&mut r, &pool, &Pubkey::new_unique()).await;
    let sellers = token_account(&mut r, &pool, &seller.pubkey()).await;
    let buyers = token_account(&mut r, &pool, &buyer.pubkey()).await;

    let refused = pool.set_destination(&mut r, &device, &stranger, stranger.pubkey()).await;
    assert_eq!(custom_error(refused), LEAF_NOT_IN_TREE);
    pool.set_destination(&mut r, &device, &seller, vault_of_seller).await.expect("the owner sets a destination");
    let first = Rewards::new(vec![(device.info.asset, 100)]);
    pool.post(&mut r, &first).await;
    assert_program_error(pool.claim(&mut r, &device, &seller, sellers, &first).await, RewardPoolError::WrongRecipient);
    pool.claim(&mut r, &device, &seller, vault_of_seller, &first).await.expect("paid to the destination");
    assert_eq!(r.bank.token_balance(vault_of_seller).await, 100);

    // Sold: the seller's destination no longer applies; the buyer is paid directly.
    r.transfer(&device, &seller, &buyer.pubkey()).await;
    let second = Rewards::new(vec![(device.info.asset, 180)]);
    pool.post(&mut r, &second).await;
    assert_program_error(pool.claim(&mut r, &device, &buyer, vault_of_seller, &second).await, RewardPoolError::WrongRecipient);
    pool.claim(&mut r, &device, &buyer, buyers, &second).await.expect("the buyer is paid directly");
    assert_eq!((r.bank.token_balance(vault_of_seller).await, r.bank.token_balance(buyers).await), (100, 80));
}

#[tokio::test]
async fn another_tree_or_compression_program_is_refused_by_name() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    let owners = token_account(&mut r, &pool, &owner.pubkey()).await;
    let rewards = Rewards::new(vec![(device.info.asset, 100)]);
    pool.post(&mut r, &rewards).await;

    let mut ix = pool.claim_ix(&r, &device, &owner.pubkey(), owners, &rewards, r.ownership(), r.proof_accounts(&device.info));
    ix.accounts[8].pubkey = r.tree_config; // merkle_tree
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RewardPoolError::WrongTree);
    let mut ix = pool.claim_ix(&r, &device, &owner.pubkey(), owners, &rewards, r.ownership(), r.proof_accounts(&device.info));
    ix.accounts[9].pubkey = SPL_NOOP; // compression_program
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RewardPoolError::WrongTreeOwner);
    // More proof nodes than the deepest tree has levels (30); one account 31 times keeps the
    // transaction small.
    let nodes = vec![AccountMeta::new_readonly(Pubkey::new_unique(), false); 31];
    let ix = pool.claim_ix(&r, &device, &owner.pubkey(), owners, &rewards, r.ownership(), nodes);
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RewardPoolError::OwnershipProofTooLong);
    assert_eq!(r.bank.token_balance(owners).await, 0);
}

/// A network of 2^20 devices: the device tree is 20 deep with a canopy of 14 levels (the tree
/// account holds the top of every proof, so an owner passes 6 nodes), and the reward tree has
/// 2^20 leaves (a 20-hash reward proof). The claim, paid by the owner, goes in a version-0
/// transaction whose lookup table holds the accounts every claim from the pool shares.
const DEPTH: u32 = 20;
const CANOPY: u32 = 14;
const BUFFER: u32 = 64;

#[tokio::test]
async fn a_claim_in_a_network_of_2_pow_20_devices_fits_one_transaction() {
    use fieldproof_merkle::{leaf_hash, root_from_proof};
    use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
    use solana_transaction::versioned::VersionedTransaction;

    let mut r = Registry::new(DEPTH, BUFFER, CANOPY).await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    let owners = token_account(&mut r, &pool, &owner.pubkey()).await;
    r.bank.airdrop(owner.pubkey(), 1_000_000_000).await;

    // The device's leaf among 2^20: its 20 siblings stand for the other 2^20 - 1 devices.
    let amount = 77;
    let reward_proof: Vec<[u8; 32]> = (0..20u8).map(|level| leaf_hash(&[level; 32], u64::from(level))).collect();
    let root = root_from_proof(leaf_hash(&device.info.asset.to_bytes(), amount), &reward_proof);
    pool.post_root(&mut r, root, amount, 1 << 20).await;

    let nodes = r.proof_accounts(&device.info);
    assert_eq!(nodes.len(), (DEPTH - CANOPY) as usize);
    let args = reward_pool::instructions::ClaimArgs { cumulative_amount: amount, proof: reward_proof, ownership: r.ownership() };
    let ix = pool.claim_ix_with(&r, &owner.pubkey(), &device, &owner.pubkey(), owners, args, nodes);

    let table = AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses: vec![
            pool.pool,
            pool.vault,
            pool.mint,
            r.tree,
            SPL_COMPRESSION,
            SPL_TOKEN,
            anchor_lang::system_program::ID,
        ],
    };
    let blockhash = r.bank.ctx.last_blockhash;
    let size_of = |ix: &Instruction| {
        let message = v0::Message::try_compile(&owner.pubkey(), std::slice::from_ref(ix), std::slice::from_ref(&table), blockhash).expect("compile");
        let transaction = VersionedTransaction::try_new(VersionedMessage::V0(message), &[&owner]).expect("sign");
        bincode::serialize(&transaction).expect("serialize").len()
    };
    let size = size_of(&ix);
    println!("claim in a 2^20-device network: {size} bytes (limit 1232)");
    assert!(size <= 1232, "the claim transaction is {size} bytes");
    // A device with a Bubblegum delegate set names it in the proof: 32 bytes more, still one
    // transaction (the SDK sends a first claim's token-account creation apart when both do not fit).
    let mut delegated = reward_pool::instructions::ClaimArgs { cumulative_amount: amount, proof: vec![[0; 32]; 20], ownership: r.ownership() };
    delegated.ownership.delegate = Some(Pubkey::new_unique());
    let delegated = pool.claim_ix_with(&r, &owner.pubkey(), &device, &owner.pubkey(), owners, delegated, r.proof_accounts(&device.info));
    assert!(size_of(&delegated) <= 1232, "a delegated claim is {} bytes", size_of(&delegated));

    // The same instruction executes: the owner is paid.
    r.bank.send(&[ix], &[&owner]).await.expect("claim");
    assert_eq!(r.bank.token_balance(owners).await, amount);
}

// Claims of the reward pool's own rules, with the owner proven as above.

/// Issues `count` devices to `owner`, and a reward file granting them `amounts` beside leaves
/// of devices nobody claims here.
async fn devices_with_rewards(r: &mut Registry, owner: &Pubkey, amounts: &[u64]) -> (Vec<Device>, Rewards) {
    let mut devices = Vec::new();
    for _ in amounts {
        devices.push(r.issue(owner).await);
    }
    let mut leaves: Vec<(Pubkey, u64)> = devices.iter().zip(amounts).map(|(d, a)| (d.info.asset, *a)).collect();
    leaves.push((Pubkey::new_unique(), 7));
    (devices, Rewards::new(leaves))
}

fn same_assets(previous: &Rewards, amounts: &[u64]) -> Rewards {
    Rewards::new(previous.leaves.iter().zip(amounts.iter().chain(std::iter::repeat(&7))).map(|((asset, _), a)| (*asset, *a)).collect())
}

#[tokio::test]
async fn a_claim_pays_the_cumulative_amount_once_and_then_only_the_increase() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let (devices, first) = devices_with_rewards(&mut r, &owner.pubkey(), &[100, 250]).await;
    pool.post(&mut r, &first).await;
    let to = token_account(&mut r, &pool, &owner.pubkey()).await;

    pool.claim(&mut r, &devices[1], &owner, to, &first).await.expect("claim");
    assert_eq!(r.bank.token_balance(to).await, 250);
    assert_eq!(r.bank.token_balance(pool.vault).await, FUNDING - 250);
    let record: reward_pool::state::ClaimRecord = r.bank.account(claim_record(&pool.pool, &devices[1].info.asset)).await;
    assert_eq!((record.claimed, record.asset, record.pool), (250, devices[1].info.asset, pool.pool));
    assert_program_error(pool.claim(&mut r, &devices[1], &owner, to, &first).await, RewardPoolError::NothingToClaim);

    let second = same_assets(&first, &[100, 400]);
    pool.post(&mut r, &second).await;
    // The old root's proof is dead once a newer root is active.
    assert_program_error(pool.claim(&mut r, &devices[0], &owner, to, &first).await, RewardPoolError::InvalidProof);
    pool.claim(&mut r, &devices[1], &owner, to, &second).await.expect("the increase");
    assert_eq!(r.bank.token_balance(to).await, 400);
}

#[tokio::test]
async fn a_wrong_amount_or_proof_pays_nothing_and_creates_nothing() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let (devices, rewards) = devices_with_rewards(&mut r, &owner.pubkey(), &[10, 20, 30]).await;
    let unrewarded = r.issue(&owner.pubkey()).await;
    pool.post(&mut r, &rewards).await;
    let to = token_account(&mut r, &pool, &owner.pubkey()).await;
    let asset = devices[2].info.asset;

    let mut wrong_proof = rewards.proof(&asset);
    wrong_proof[0][0] ^= 1;
    let cases: Vec<(&Device, u64, Vec<[u8; 32]>, RewardPoolError)> = vec![
        (&devices[2], 30, wrong_proof, RewardPoolError::InvalidProof),
        (&devices[2], 31, rewards.proof(&asset), RewardPoolError::InvalidProof),
        (&unrewarded, 30, rewards.proof(&asset), RewardPoolError::InvalidProof),
        (&devices[2], 30, vec![[0; 32]; 33], RewardPoolError::ProofTooLong),
    ];
    for (device, amount, proof, error) in cases {
        let result = pool
            .claim_args(&mut r, device, &owner, to, |ownership| reward_pool::instructions::ClaimArgs { cumulative_amount: amount, proof, ownership })
            .await;
        assert_program_error(result, error);
        assert!(!r.bank.exists(claim_record(&pool.pool, &device.info.asset)).await, "no claim record was created");
    }
    assert_eq!(r.bank.token_balance(to).await, 0);
    assert_eq!(r.bank.token_balance(pool.vault).await, FUNDING);
}

#[tokio::test]
async fn claims_never_pay_more_than_the_root_total() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let (devices, rewards) = devices_with_rewards(&mut r, &owner.pubkey(), &[150, 150]).await;
    // Lying oracles: the leaves add up to 307 but the root says 200.
    pool.post_root(&mut r, rewards.tree.root(), 200, rewards.leaves.len() as u64).await;
    let to = token_account(&mut r, &pool, &owner.pubkey()).await;
    pool.claim(&mut r, &devices[0], &owner, to, &rewards).await.expect("first claim");
    assert_program_error(pool.claim(&mut r, &devices[1], &owner, to, &rewards).await, RewardPoolError::ExceedsRootTotal);
    assert_eq!(r.bank.token_balance(to).await, 150);
}

#[tokio::test]
async fn the_circuit_breaker_trips_and_recovers_after_the_window() {
    use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
    let mut r = registry().await;
    let mut pool = RewardPool::with(&mut r, 0, BreakerConfig { window_secs: 1_000, threshold: Threshold::Absolute(1_000) }).await;
    let owner = Keypair::new();
    let (devices, rewards) = devices_with_rewards(&mut r, &owner.pubkey(), &[600, 600, 600]).await;
    pool.post(&mut r, &rewards).await;
    let to = token_account(&mut r, &pool, &owner.pubkey()).await;

    pool.claim(&mut r, &devices[0], &owner, to, &rewards).await.expect("first claim");
    assert_program_error(pool.claim(&mut r, &devices[1], &owner, to, &rewards).await, RewardPoolError::CircuitBreakerTripped);
    assert!(!r.bank.exists(claim_record(&pool.pool, &devices[1].info.asset)).await);
    // Linear decay: after 30% of the window 600 * 0.7 = 420 remain, and 420 + 600 > 1000.
    r.bank.advance_clock(300).await;
    assert_program_error(pool.claim(&mut r, &devices[1], &owner, to, &rewards).await, RewardPoolError::CircuitBreakerTripped);
    // After 40%, 360 remain and 360 + 600 fits.
    r.bank.advance_clock(100).await;
    pool.claim(&mut r, &devices[1], &owner, to, &rewards).await.expect("after the decay");
    assert_eq!(r.bank.token_balance(to).await, 1_200);
    assert_program_error(pool.claim(&mut r, &devices[2], &owner, to, &rewards).await, RewardPoolError::CircuitBreakerTripped);
}

#[tokio::test]
async fn only_the_active_root_pays() {
    use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
    let mut r = registry().await;
    let mut pool = RewardPool::with(&mut r, 3_600, BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) }).await;
    let owner = Keypair::new();
    let (devices, first) = devices_with_rewards(&mut r, &owner.pubkey(), &[100]).await;
    let to = token_account(&mut r, &pool, &owner.pubkey()).await;
    pool.post(&mut r, &first).await;
    assert_program_error(pool.claim(&mut r, &devices[0], &owner, to, &first).await, RewardPoolError::NoActiveRoot);
    r.bank.advance_clock(3_600).await;
    pool.activate(&mut r).await.expect("activate after the window");

    // A root still in its window does not pay; the active one does.
    let second = same_assets(&first, &[500]);
    pool.post(&mut r, &second).await;
    assert_program_error(pool.claim(&mut r, &devices[0], &owner, to, &second).await, RewardPoolError::InvalidProof);
    pool.claim(&mut r, &devices[0], &owner, to, &first).await.expect("the active root pays");
    assert_eq!(r.bank.token_balance(to).await, 100);
}

#[tokio::test]
async fn a_token_2022_pool_pays_claims() {
    use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
    use fieldproof_tests::tokens::TOKEN_2022;
    // The network's token is a Token-2022 mint, and so is its pool's.
    let mut r = Registry::with_token_program(5, 8, 2, TOKEN_2022).await;
    let breaker = BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) };
    let mut pool = RewardPool::with(&mut r, 0, breaker).await;
    let owner = Keypair::new();
    let (devices, rewards) = devices_with_rewards(&mut r, &owner.pubkey(), &[10, 20]).await;
    pool.post(&mut r, &rewards).await;
    let to = token_account(&mut r, &pool, &owner.pubkey()).await;
    pool.claim(&mut r, &devices[1], &owner, to, &rewards).await.expect("claim");
    assert_eq!(r.bank.token_balance(to).await, 20);
}

#[tokio::test]
async fn paid_out_rewards_still_count_as_funding() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    let rewards = Rewards::new(vec![(device.info.asset, FUNDING)]);
    pool.post(&mut r, &rewards).await;
    let to = token_account(&mut r, &pool, &owner.pubkey()).await;
    pool.claim(&mut r, &device, &owner, to, &rewards).await.expect("claim everything");
    assert_eq!(r.bank.token_balance(pool.vault).await, 0);
    // The vault is empty, yet a root carrying the paid total forward is within funding.
    pool.post(&mut r, &rewards).await;
}

#[tokio::test]
async fn another_devices_record_vault_or_mint_is_refused_by_name() {
    let mut r = registry().await;
    let mut pool = RewardPool::new(&mut r).await;
    let owner = Keypair::new();
    let (first, second) = (r.issue(&owner.pubkey()).await, r.issue(&owner.pubkey()).await);
    let owners = token_account(&mut r, &pool, &owner.pubkey()).await;
    let rewards = Rewards::new(vec![(first.info.asset, 100), (second.info.asset, 50)]);
    pool.post(&mut r, &rewards).await;
    pool.claim(&mut r, &first, &owner, owners, &rewards).await.expect("the first device's claim");

    let claim = pool.claim_ix(&r, &second, &owner.pubkey(), owners, &rewards, r.ownership(), r.proof_accounts(&second.info));
    let own_record = claim_record(&pool.pool, &second.info.asset);
    // The first device's record (it exists), or an address that is no device's record.
    let ix = with_account(claim.clone(), own_record, claim_record(&pool.pool, &first.info.asset));
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RewardPoolError::WrongClaimRecord);
    let ix = with_account(claim.clone(), own_record, Pubkey::new_unique());
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RewardPoolError::WrongClaimRecord);
    // Another token account of the pool's mint as the vault; another mint.
    let elsewhere = token_account(&mut r, &pool, &Pubkey::new_unique()).await;
    let ix = with_account(claim.clone(), pool.vault, elsewhere);
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RewardPoolError::WrongVault);
    let other_mint = r.bank.create_mint(pool.token_program, &Pubkey::new_unique(), 6).await;
    let ix = with_account(claim.clone(), pool.mint, other_mint);
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RewardPoolError::WrongMint);
    assert!(!r.bank.exists(own_record).await, "no record was created");
    assert_eq!(r.bank.token_balance(owners).await, 100);

    r.bank.send(&[claim], &[&owner]).await.expect("the second device's claim, as built");
    assert_eq!(r.bank.token_balance(owners).await, 150);
}
