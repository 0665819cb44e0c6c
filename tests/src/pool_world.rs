//! A reward pool of one SPL token, funded, with three oracles of which two must sign a root.
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use fieldproof_sdk::merkle::{leaf_hash, MerkleTree};
use fieldproof_sdk::reward_pool::{self, CreatePoolArgs, Pool, PostRootArgs};
use fieldproof_sdk::{BreakerConfig, Pubkey, SdkError, Threshold};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::world::{dc_args, World, SPL_TOKEN, TIMELOCK_SECS};

/// What the pool's vault is funded with.
pub const FUNDING: u64 = 1_000_000;

pub struct PoolWorld {
    pub world: Arc<World>,
    pub mint: Pubkey,
    pub pool: Pubkey,
    pub authority: Keypair,
    pub guardian: Keypair,
    pub oracles: Vec<SigningKey>,
}

pub fn oracle_pubkey(key: &SigningKey) -> Pubkey {
    Pubkey::new_from_array(key.verifying_key().to_bytes())
}

pub fn breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) }
}

impl PoolWorld {
    /// A funded pool in a world of its own.
    pub async fn new(dispute_window_secs: i64) -> Self {
        Self::on(Arc::new(World::start().await), dispute_window_secs).await
    }

    /// A funded pool of a new network token in `world`, shared with other fixtures.
    pub async fn on(world: Arc<World>, dispute_window_secs: i64) -> Self {
        let mint_authority = crate::keys::keypair();
        let mint = world.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
        let price = fieldproof_sdk::data_credits::PriceSource::Pyth { feed_id: [7; 32] };
        world.create_network_of(&mint, &mint_authority, dc_args(price, 0, 86_400)).await;
        Self::of_network_token(world, mint, mint_authority, dispute_window_secs).await
    }

    /// A pool of the network token `mint`, whose device network exists and whose mint and
    /// network authority is `authority` (it creates the pool and funds its vault).
    pub async fn of_network_token(world: Arc<World>, mint: Pubkey, authority: Keypair, dispute_window_secs: i64) -> Self {
        let guardian = crate::keys::keypair();
        let oracles: Vec<SigningKey> = (1..=3).map(|s| SigningKey::from_bytes(&[s; 32])).collect();
        let args = CreatePoolArgs {
            id: 7,
            guardian: guardian.pubkey(),
            oracles: oracles.iter().map(oracle_pubkey).collect(),
            threshold: 2,
            dispute_window_secs,
            breaker: breaker(),
            timelock_secs: TIMELOCK_SECS,
        };
        let ix = reward_pool::create_pool(&world.payer().pubkey(), &authority.pubkey(), &mint, &SPL_TOKEN, args);
        world.send(&[ix], &[&authority]).await.expect("create pool");
        let pool = reward_pool::pool_address(&mint, 7);
        world.mint_tokens(SPL_TOKEN, &mint, &reward_pool::vault_address(&pool), &authority, FUNDING).await;
        Self { world, mint, pool, authority, guardian, oracles }
    }

    pub async fn pool(&self) -> Pool {
        self.world.client.pool(&self.pool).await.expect("pool decodes")
    }

    pub async fn root_args(&self, epoch: u64, tree: &MerkleTree, total: u64) -> PostRootArgs {
        PostRootArgs {
            config_version: self.pool().await.config_version,
            epoch,
            root: tree.root(),
            cumulative_total: total,
            leaf_count: tree.leaf_count() as u64,
            content_hash: [epoch as u8; 32],
            expires_at: self.world.clock().await.unix_timestamp + 3_600,
        }
    }

    pub async fn post(&self, args: PostRootArgs, signers: &[usize]) -> Result<(), SdkError> {
        let signatures: Vec<_> = signers.iter().map(|&i| reward_pool::sign_root(&self.oracles[i], &self.pool, &args)).collect();
        match self.world.client.post_root(&self.world.payer(), &self.pool, args.clone(), &signatures).await {
            Ok(signature) => {
                self.world.record(&signature).await;
                Ok(())
            }
            Err(refused) => {
                self.world.record_refusal(&reward_pool::post_root_with_signatures(&self.pool, args, &signatures), &refused);
                Err(refused)
            }
        }
    }
}

pub fn rewards(leaves: &[(Pubkey, u64)]) -> MerkleTree {
    MerkleTree::new(leaves.iter().map(|(asset, amount)| leaf_hash(&asset.to_bytes(), *amount)).collect())
}
