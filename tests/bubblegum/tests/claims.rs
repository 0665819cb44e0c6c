//! reward-pool claims bound to the device cNFT's current owner, against real Bubblegum and
//! account compression: only the owner claims, a transfer moves the claim to the new owner,
//! a destination lapses with the sale, and a claim for a 2^20-device network fits one
//! transaction.
use anchor_lang::prelude::Pubkey;
use fieldproof_bubblegum_tests::pool::{RewardPool, Rewards};
use fieldproof_bubblegum_tests::registry::*;
use fieldproof_tests::assert_program_error;
use fieldproof_tests::tokens::SPL_TOKEN;
use reward_pool::errors::RewardPoolError;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Depth 5, buffer 8, canopy 2, as the registry tests.
async fn registry() -> Registry {
    Registry::new(5, 8, 2).await
}

/// account compression's ConcurrentMerkleTreeError: the leaf is not in the tree at that root.
const LEAF_NOT_IN_TREE: u32 = 6000 + spl_account_compression::error::AccountCompressionError::ConcurrentMerkleTreeError as u32;

async fn token_account(r: &mut Registry, pool: &RewardPool, owner: &Pubkey) -> Pubkey {
    r.bank.create_token_account(SPL_TOKEN, &pool.mint, owner).await
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
    assert_eq!(r.bank.token_balance(owners).await, 0);
}
