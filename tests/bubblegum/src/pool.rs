//! A reward pool beside the registry's network, with roots posted by a 2-of-3 oracle quorum,
//! for the claims that are bound to the device cNFT's current owner.
use anchor_lang::prelude::Pubkey;
use device_registry::ownership::OwnershipProof;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_merkle::{leaf_hash, MerkleTree};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::oracles::{signed_by, Oracle};
use reward_pool::instructions::{ClaimArgs, CreatePoolArgs, PostRootArgs};
use reward_pool::state::{CLAIM_SEED, POOL_SEED, VAULT_SEED};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::registry::{Device, Registry, SPL_COMPRESSION};

pub const FUNDING: u64 = 1_000_000;

/// One epoch's rewards: each asset's cumulative amount, and the reward tree over them.
pub struct Rewards {
    pub leaves: Vec<(Pubkey, u64)>,
    pub tree: MerkleTree,
}

impl Rewards {
    pub fn new(leaves: Vec<(Pubkey, u64)>) -> Self {
        let tree = MerkleTree::new(leaves.iter().map(|(asset, amount)| leaf_hash(&asset.to_bytes(), *amount)).collect());
        Self { leaves, tree }
    }

    fn index_of(&self, asset: &Pubkey) -> usize {
        self.leaves.iter().position(|(a, _)| a == asset).expect("the asset has a leaf")
    }

    pub fn amount(&self, asset: &Pubkey) -> u64 {
        self.leaves[self.index_of(asset)].1
    }

    pub fn proof(&self, asset: &Pubkey) -> Vec<[u8; 32]> {
        self.tree.proof(self.index_of(asset)).expect("a proof")
    }
}

pub struct RewardPool {
    pub token_program: Pubkey,
    pub mint: Pubkey,
    pub pool: Pubkey,
    pub vault: Pubkey,
    oracles: Vec<Oracle>,
    epoch: u64,
}

pub fn claim_record(pool: &Pubkey, asset: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[CLAIM_SEED, pool.as_ref(), asset.as_ref()], &reward_pool::ID).0
}

impl RewardPool {
    /// A funded pool with no dispute window, so posted roots are active at once.
    pub async fn new(r: &mut Registry) -> Self {
        Self::with(r, 0, BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) }).await
    }

    /// A funded pool 0 of the registry's network token, with `dispute_window_secs` and `breaker`.
    pub async fn with(r: &mut Registry, dispute_window_secs: i64, breaker: BreakerConfig) -> Self {
        let pool = Self::unfunded(r, 0, dispute_window_secs, breaker).await;
        let (token_program, mint, authority) = (r.network_token_program, r.network_mint, r.authority.insecure_clone());
        r.bank.mint_tokens(token_program, &mint, &pool.vault, &authority, FUNDING).await;
        pool
    }

    /// Pool `id` of the registry's network token, created by the network's authority, unfunded
    /// (a treasury's emission funds it).
    pub async fn unfunded(r: &mut Registry, id: u16, dispute_window_secs: i64, breaker: BreakerConfig) -> Self {
        let (token_program, mint) = (r.network_token_program, r.network_mint);
        let pool = Pubkey::find_program_address(&[POOL_SEED, mint.as_ref(), &id.to_le_bytes()], &reward_pool::ID).0;
        let vault = Pubkey::find_program_address(&[VAULT_SEED, pool.as_ref()], &reward_pool::ID).0;
        let oracles: Vec<Oracle> = (1..=3).map(Oracle::from_seed).collect();
        let authority = r.authority.insecure_clone();
        let create = anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::CreatePool {
                payer: r.bank.payer().pubkey(),
                authority: authority.pubkey(),
                network: r.network,
                dc_config: r.dc_config,
                pool,
                vault,
                mint,
                token_program,
                system_program: anchor_lang::system_program::ID,
            },
            reward_pool::instruction::CreatePool {
                args: CreatePoolArgs {
                    id,
                    guardian: Pubkey::new_unique(),
                    oracles: oracles.iter().map(Oracle::pubkey).collect(),
                    threshold: 2,
                    dispute_window_secs,
                    breaker,
                    timelock_secs: 3_600,
                },
            },
        );
        r.bank.send(&[create], &[&authority]).await.expect("create pool");
        Self { token_program, mint, pool, vault, oracles, epoch: 0 }
    }

    /// Posts `rewards` as the next epoch's root, signed by two of the three oracles.
    pub async fn post(&mut self, r: &mut Registry, rewards: &Rewards) {
        let total = rewards.leaves.iter().map(|(_, a)| a).sum();
        self.post_root(r, rewards.tree.root(), total, rewards.leaves.len() as u64).await;
    }

    /// Posts `root` over `leaf_count` leaves granting `total` as the next epoch's root.
    pub async fn post_root(&mut self, r: &mut Registry, root: [u8; 32], total: u64, leaf_count: u64) {
        self.try_post_root(r, root, total, leaf_count).await.expect("post root");
    }

    /// Like [`post_root`](Self::post_root), returning the refusal; the epoch is used up only
    /// when the root is accepted.
    pub async fn try_post_root(&mut self, r: &mut Registry, root: [u8; 32], total: u64, leaf_count: u64) -> Result<(), TransactionError> {
        let epoch = self.epoch + 1;
        let pool: reward_pool::state::Pool = r.bank.account(self.pool).await;
        let args = PostRootArgs {
            config_version: pool.config_version,
            epoch,
            root,
            cumulative_total: total,
            leaf_count,
            content_hash: [epoch as u8; 32],
            expires_at: r.bank.now().await + 3_600,
        };
        let signatures = signed_by(&args.message(self.pool).to_bytes(), &[&self.oracles[0], &self.oracles[2]]);
        let post = anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::PostRoot { pool: self.pool, vault: self.vault, instructions: solana_sdk_ids::sysvar::instructions::ID },
            reward_pool::instruction::PostRoot { args },
        );
        // With no dispute window the root is active as soon as it is posted.
        r.bank.send(&[signatures, post], &[]).await?;
        self.epoch = epoch;
        Ok(())
    }

    /// Activates the pending root once its dispute window is over.
    pub async fn activate(&self, r: &mut Registry) -> Result<(), TransactionError> {
        let activate = anchor_ix(reward_pool::ID, reward_pool::accounts::ActivateRoot { pool: self.pool }, reward_pool::instruction::ActivateRoot {});
        r.bank.send(&[activate], &[]).await
    }

    /// `claimant`'s claim of `device`'s reward in `rewards`, paid to `recipient`, proving
    /// ownership with `ownership` and `proof` (the registry's current ones unless a test
    /// passes stale ones).
    #[allow(clippy::too_many_arguments)]
    pub fn claim_ix(
        &self,
        r: &Registry,
        device: &Device,
        claimant: &Pubkey,
        recipient: Pubkey,
        rewards: &Rewards,
        ownership: OwnershipProof,
        proof: Vec<AccountMeta>,
    ) -> Instruction {
        let asset = device.info.asset;
        let args = ClaimArgs { cumulative_amount: rewards.amount(&asset), proof: rewards.proof(&asset), ownership };
        self.claim_ix_with(r, &r.bank.payer().pubkey(), device, claimant, recipient, args, proof)
    }

    /// The claim instruction for `args`, paid by `payer`, with the ownership proof's `nodes`
    /// appended.
    #[allow(clippy::too_many_arguments)]
    pub fn claim_ix_with(
        &self,
        r: &Registry,
        payer: &Pubkey,
        device: &Device,
        claimant: &Pubkey,
        recipient: Pubkey,
        args: ClaimArgs,
        nodes: Vec<AccountMeta>,
    ) -> Instruction {
        let mut ix = anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::Claim {
                payer: *payer,
                owner: *claimant,
                pool: self.pool,
                device: device.account,
                claim_record: claim_record(&self.pool, &device.info.asset),
                vault: self.vault,
                mint: self.mint,
                recipient,
                merkle_tree: r.tree,
                compression_program: SPL_COMPRESSION,
                token_program: self.token_program,
                system_program: anchor_lang::system_program::ID,
            },
            reward_pool::instruction::Claim { args },
        );
        ix.accounts.extend(nodes);
        ix
    }

    /// `claimant` claims `args` (any amount and proof) with the registry's current ownership
    /// proof.
    pub async fn claim_args(&self, r: &mut Registry, device: &Device, claimant: &Keypair, recipient: Pubkey, args_of: impl FnOnce(OwnershipProof) -> ClaimArgs) -> Result<(), TransactionError> {
        let args = args_of(r.ownership());
        let ix = self.claim_ix_with(r, &r.bank.payer().pubkey(), device, &claimant.pubkey(), recipient, args, r.proof_accounts(&device.info));
        r.bank.send(&[ix], &[claimant]).await
    }

    /// `claimant` claims with the registry's current ownership proof.
    pub async fn claim(&self, r: &mut Registry, device: &Device, claimant: &Keypair, recipient: Pubkey, rewards: &Rewards) -> Result<(), TransactionError> {
        let ix = self.claim_ix(r, device, &claimant.pubkey(), recipient, rewards, r.ownership(), r.proof_accounts(&device.info));
        r.bank.send(&[ix], &[claimant]).await
    }

    /// `owner` sends `device`'s rewards to `destination` from now on.
    pub async fn set_destination(&self, r: &mut Registry, device: &Device, owner: &Keypair, destination: Pubkey) -> Result<(), TransactionError> {
        let mut ix = anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::SetDestination {
                payer: r.bank.payer().pubkey(),
                owner: owner.pubkey(),
                pool: self.pool,
                device: device.account,
                claim_record: claim_record(&self.pool, &device.info.asset),
                merkle_tree: r.tree,
                compression_program: SPL_COMPRESSION,
                system_program: anchor_lang::system_program::ID,
            },
            reward_pool::instruction::SetDestination { destination, ownership: r.ownership() },
        );
        ix.accounts.extend(r.proof_accounts(&device.info));
        r.bank.send(&[ix], &[owner]).await
    }
}
