//! The commands over the in-process bank: a real pool with a posted root, claimed from a reward
//! file; nothing left to claim; a wrong pool; the rewards table after paying.
#[path = "../../tests/bank/mod.rs"]
mod bank;

use bank::{World, SPL_TOKEN};
use ed25519_dalek::SigningKey;
use fieldproof_cli::{execute, Command, Context, Failure};
use fieldproof_sdk::reward_pool::{self, CreatePoolArgs, PostRootArgs};
use fieldproof_sdk::{BanksChain, BreakerConfig, Client, Pubkey, RewardFile, Threshold};
use solana_keypair::Keypair;
use solana_signer::Signer;

struct Pool {
    world: World,
    pool: Pubkey,
    mint: Pubkey,
    dir: tempfile::TempDir,
    owner: Keypair,
}

impl Pool {
    /// A funded pool whose active root is `leaves`' reward file, written to `rewards.json`.
    async fn with_rewards(leaves: &[(Pubkey, u64)]) -> Self {
        let world = World::start().await;
        let mint_authority = Keypair::new();
        let mint = world.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
        let oracles: Vec<SigningKey> = (1..=2).map(|s| SigningKey::from_bytes(&[s; 32])).collect();
        let args = CreatePoolArgs {
            id: 1,
            guardian: Pubkey::new_unique(),
            oracles: oracles.iter().map(|k| Pubkey::new_from_array(k.verifying_key().to_bytes())).collect(),
            threshold: 2,
            dispute_window_secs: 0,
            breaker: BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) },
        };
        let authority = Keypair::new();
        world.send(&[reward_pool::create_pool(&world.payer().pubkey(), &authority.pubkey(), &mint, &SPL_TOKEN, args)], &[&authority]).await.unwrap();
        let pool = reward_pool::pool_address(&mint, 1);
        world.mint_tokens(SPL_TOKEN, &mint, &reward_pool::vault_address(&pool), &mint_authority, 1_000_000).await;

        let file = RewardFile::new(pool, 1, leaves.to_vec()).unwrap();
        let root = PostRootArgs {
            config_version: world.client.pool(&pool).await.unwrap().config_version,
            epoch: 1,
            root: file.root(),
            cumulative_total: u64::try_from(file.cumulative_total()).unwrap(),
            leaf_count: leaves.len() as u64,
            content_hash: [1; 32],
            expires_at: world.clock().await.unix_timestamp + 3_600,
        };
        let signatures: Vec<_> = oracles.iter().map(|k| reward_pool::sign_root(k, &pool, &root)).collect();
        world.client.post_root(&world.payer(), &pool, root, &signatures).await.unwrap();

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rewards.json"), file.to_json()).unwrap();
        // The owner pays their own fees: fund them from the bank's payer.
        let owner = Keypair::new();
        let fund = anchor_lang::solana_program::system_instruction::transfer(&world.payer().pubkey(), &owner.pubkey(), 1_000_000_000);
        world.send(&[fund], &[]).await.unwrap();
        solana_keypair::write_keypair_file(&owner, dir.path().join("owner.json")).unwrap();
        Self { world, pool, mint, dir, owner }
    }

    fn context(&self) -> Context<BanksChain> {
        Context { client: Client::new(BanksChain::new(self.world.ctx().banks_client.clone())), keypair: self.dir.path().join("owner.json"), progress: false }
    }

    fn rewards_file(&self) -> std::path::PathBuf {
        self.dir.path().join("rewards.json")
    }
}

#[tokio::test]
async fn claim_pays_then_there_is_nothing_to_claim() {
    let assets: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    let pool = Pool::with_rewards(&[(assets[0], 100), (assets[1], 250), (assets[2], 7)]).await;
    let ctx = pool.context();
    let claim = Command::Claim { file: pool.rewards_file(), assets: vec![assets[0].to_string(), assets[1].to_string()] };

    let outcome = execute(&claim, &ctx).await.expect("claim");
    assert_eq!(outcome.json["paid"], 350);
    assert_eq!(outcome.json["transactions"].as_array().unwrap().len(), 1, "two small claims share one transaction");
    assert!(outcome.human.starts_with("claimed 350 for 2 device(s) in 1 transaction(s)"), "{}", outcome.human);
    let ata = anchor_spl::associated_token::get_associated_token_address(&pool.owner.pubkey(), &pool.mint);
    assert_eq!(pool.world.token_balance(ata).await, 350);

    let again = execute(&claim, &ctx).await.unwrap_err();
    assert!(matches!(again, Failure::NothingToClaim(_)), "{again:?}");
    assert_eq!(again.exit_code(), 6);
    assert_eq!(pool.world.token_balance(ata).await, 350, "nothing moved");

    let table = execute(&Command::Rewards { file: pool.rewards_file(), assets: vec![] }, &ctx).await.unwrap();
    let rows = table.json["rewards"].as_array().unwrap();
    let row = |i: usize| (rows[i]["granted"].as_u64(), rows[i]["paid"].as_u64(), rows[i]["claimable"].as_u64());
    assert_eq!((row(0), row(1), row(2)), ((Some(100), Some(100), Some(0)), (Some(250), Some(250), Some(0)), (Some(7), Some(0), Some(7))));
}

#[tokio::test]
async fn pool_shows_the_active_root_and_a_wrong_pool_is_not_found() {
    let asset = Pubkey::new_unique();
    let pool = Pool::with_rewards(&[(asset, 40)]).await;
    let ctx = pool.context();
    let shown = execute(&Command::Pool { pool: pool.pool.to_string() }, &ctx).await.unwrap();
    assert_eq!((shown.json["active"]["epoch"].as_u64(), shown.json["active"]["cumulative_total"].as_u64()), (Some(1), Some(40)));
    assert_eq!(shown.json["threshold"], 2);

    let missing = execute(&Command::Pool { pool: Pubkey::new_unique().to_string() }, &ctx).await.unwrap_err();
    assert_eq!(missing.exit_code(), 5, "{missing}");
    // The mint is an account, but not a pool.
    let not_a_pool = execute(&Command::Pool { pool: pool.mint.to_string() }, &ctx).await.unwrap_err();
    assert_eq!(not_a_pool.exit_code(), 5, "{not_a_pool}");
}

#[tokio::test]
async fn set_destination_redirects_the_next_claim() {
    let asset = Pubkey::new_unique();
    let pool = Pool::with_rewards(&[(asset, 90)]).await;
    let ctx = pool.context();
    let elsewhere = pool.world.create_token_account(SPL_TOKEN, &pool.mint, &Pubkey::new_unique()).await;
    let set = Command::SetDestination { pool: pool.pool.to_string(), asset: asset.to_string(), to: elsewhere.to_string() };
    execute(&set, &ctx).await.expect("set destination");
    execute(&Command::Claim { file: pool.rewards_file(), assets: vec![asset.to_string()] }, &ctx).await.expect("claim");
    assert_eq!(pool.world.token_balance(elsewhere).await, 90);
}
