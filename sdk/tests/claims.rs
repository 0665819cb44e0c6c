//! Claims through the SDK: the device cNFT's current owner is paid what the active root grants
//! the device, once; anybody else is refused; many devices are claimed in few transactions; a
//! destination redirects the payments; the tree's own history serves ownership proofs and follows
//! a transfer. Devices are real Bubblegum cNFTs, so these tests run on a
//! node (`scripts/test-rpc.sh`) and are ignored in process; the rules' every corner is tested
//! natively against Bubblegum under tests/bubblegum.

use fieldproof_tests::{device_network, keys, pool_world, world};
use std::sync::Arc;

use world::{World, SPL_TOKEN};
use ed25519_dalek::SigningKey;
use fieldproof_sdk::device_registry::DeviceInfo;
use fieldproof_sdk::merkle::MerkleTree;
use fieldproof_sdk::reward_pool::{self, ClaimAccounts, ClaimRecord};
use fieldproof_sdk::{transaction_size, AccountFilter, Chain, OwnershipSource, Pubkey, RewardLeaf, SdkError, TreeHistory, MAX_TRANSACTION_BYTES};
use device_network::Network;
use pool_world::{rewards, PoolWorld};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

/// A device network and a reward pool on one chain, with `devices` devices issued to `owner`.
struct Claims {
    network: Network,
    pool: PoolWorld,
    devices: Vec<DeviceInfo>,
}

impl Claims {
    async fn new(owner: &Pubkey, devices: u8) -> Self {
        let world = Arc::new(World::start().await);
        let network = Network::on(world.clone()).await;
        let pool = PoolWorld::of_network_token(world, network.network_mint, network.authority.insecure_clone(), 0).await;
        network.give_dc(&network.world.payer().pubkey(), 1_000_000).await;
        let mut issued = Vec::new();
        for seed in 0..devices {
            let address = network.issue(&SigningKey::from_bytes(&[seed + 1; 32]), owner).await.expect("issue");
            issued.push(network.device(&address).await);
        }
        Self { network, pool, devices: issued }
    }

    fn world(&self) -> &World {
        &self.network.world
    }

    /// Posts epoch `epoch` granting the devices `amounts`, in order; returns the reward tree.
    async fn post(&self, epoch: u64, amounts: &[u64]) -> MerkleTree {
        let leaves: Vec<(Pubkey, u64)> = self.devices.iter().zip(amounts).map(|(d, a)| (d.asset, *a)).collect();
        let tree = rewards(&leaves);
        let args = self.pool.root_args(epoch, &tree, amounts.iter().sum()).await;
        self.pool.post(args, &[0, 1]).await.expect("post root");
        tree
    }

    fn leaf(&self, tree: &MerkleTree, i: usize, cumulative_amount: u64) -> RewardLeaf {
        RewardLeaf { asset: self.devices[i].asset, cumulative_amount, proof: tree.proof(i).unwrap() }
    }

    fn owners_account(&self, owner: &Pubkey) -> Pubkey {
        anchor_spl::associated_token::get_associated_token_address(owner, &self.pool.mint)
    }
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn the_owner_is_paid_once_then_only_the_increase_and_nobody_else_is() {
    let owner = keys::keypair();
    let c = Claims::new(&owner.pubkey(), 3).await;
    let (world, client, payer) = (c.world(), &c.world().client, c.world().payer());
    let tree = c.post(1, &[100, 200, 300]).await;

    let (paid, signature) = client.claim(&payer, &owner, &c.pool.pool, &c.leaf(&tree, 1, 200), &c.network.tree).await.expect("claim");
    world.record(&signature).await;
    assert_eq!(paid, 200);
    assert_eq!(world.token_balance(c.owners_account(&owner.pubkey())).await, 200);
    let record: ClaimRecord = client.claim_record(&c.pool.pool, &c.devices[1].asset).await.unwrap().expect("claim record");
    assert_eq!((record.pool, record.asset, record.claimed), (c.pool.pool, c.devices[1].asset, 200));

    // The client refuses locally what the program would refuse, before any fee is paid.
    let again = client.claim(&payer, &owner, &c.pool.pool, &c.leaf(&tree, 1, 200), &c.network.tree).await;
    assert!(matches!(again, Err(SdkError::NothingToClaim { claimed: 200, .. })), "{again:?}");
    let forged = client.claim(&payer, &owner, &c.pool.pool, &c.leaf(&tree, 1, 201), &c.network.tree).await;
    assert!(matches!(forged, Err(SdkError::InvalidProof { cumulative_amount: 201, .. })), "{forged:?}");
    let intruder = keys::keypair();
    let stolen = client.claim(&payer, &intruder, &c.pool.pool, &c.leaf(&tree, 0, 100), &c.network.tree).await;
    assert!(matches!(stolen, Err(SdkError::NotDeviceOwner { owner: o, .. }) if o == owner.pubkey()), "{stolen:?}");

    // Sent anyway: the program names its refusal of the paid leaf, and account compression
    // refuses the intruder's leaf, whose hash is not in the tree.
    let ownership = client.prove_ownership(&owner.pubkey(), &c.devices[1].asset, &c.network.tree).await.unwrap();
    let accounts = |who: &Keypair, recipient| ClaimAccounts {
        payer: payer.pubkey(),
        owner: who.pubkey(),
        pool: c.pool.pool,
        mint: c.pool.mint,
        recipient,
        token_program: SPL_TOKEN,
    };
    let raw = reward_pool::claim(accounts(&owner, c.owners_account(&owner.pubkey())), &ownership, 200, tree.proof(1).unwrap());
    assert_eq!(world::refusal(world.send(&[raw], &[&owner]).await, "reward_pool"), "NothingToClaim");
    let ownership = client.prove_ownership(&owner.pubkey(), &c.devices[0].asset, &c.network.tree).await.unwrap();
    let theirs = world.create_token_account(SPL_TOKEN, &c.pool.mint, &intruder.pubkey()).await;
    let raw = reward_pool::claim(accounts(&intruder, theirs), &ownership, 100, tree.proof(0).unwrap());
    match world.send(&[raw], &[&intruder]).await {
        Err(SdkError::Transaction(TransactionError::InstructionError(0, InstructionError::Custom(_)))) => {}
        other => panic!("expected account compression's refusal, got {other:?}"),
    }
    assert_eq!(world.token_balance(theirs).await, 0);

    // A second epoch raises one device's cumulative amount: only the difference is paid.
    let tree = c.post(2, &[100, 250, 300]).await;
    let (paid, _) = client.claim(&payer, &owner, &c.pool.pool, &c.leaf(&tree, 1, 250), &c.network.tree).await.unwrap();
    assert_eq!(paid, 50);
    assert_eq!(world.token_balance(c.owners_account(&owner.pubkey())).await, 250);
    assert_eq!(c.pool.pool().await.total_claimed, 250);

    // Claim records are found by program-account queries: discriminator (8), then the pool.
    let filters = [AccountFilter::Memcmp { offset: 8, bytes: c.pool.pool.to_bytes().to_vec() }];
    let found = client.chain().get_program_accounts(&reward_pool::ID, &filters).await.unwrap();
    let found: Vec<Pubkey> = found.into_iter().map(|(address, _)| address).collect();
    assert_eq!(found, vec![reward_pool::claim_record_address(&c.pool.pool, &c.devices[1].asset)]);
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn claim_all_packs_claims_into_few_transactions_under_the_size_limit() {
    let owner = keys::keypair();
    let c = Claims::new(&owner.pubkey(), 6).await;
    let (client, payer) = (&c.world().client, c.world().payer());
    let amounts: Vec<u64> = (10..16).collect();
    let tree = c.post(1, &amounts).await;
    let leaves: Vec<RewardLeaf> = amounts.iter().enumerate().map(|(i, a)| c.leaf(&tree, i, *a)).collect();

    // How many claims of one owner fit a transaction, to know the batching the client must reach.
    let mut claims = Vec::new();
    for leaf in &leaves {
        let ownership = client.prove_ownership(&owner.pubkey(), &leaf.asset, &c.network.tree).await.unwrap();
        let prepared = client.prepare_claim(&payer.pubkey(), &c.pool.pool, leaf, &ownership).await.unwrap();
        claims.push(prepared.instructions.last().unwrap().clone());
    }
    let per_transaction = (1..=claims.len()).take_while(|&n| transaction_size(&claims[..n], &payer.pubkey()) <= MAX_TRANSACTION_BYTES).last().unwrap();
    assert!(per_transaction > 1 && per_transaction < claims.len(), "the test needs several transactions of several claims: {per_transaction}");

    let summary = client.claim_all(&payer, &owner, &c.pool.pool, &leaves, &c.network.tree).await.expect("claim all");
    for signature in &summary.transactions {
        c.world().record(signature).await;
    }
    let total: u64 = amounts.iter().sum();
    assert_eq!((summary.paid, summary.claimed.len()), (total, leaves.len()));
    // The first transaction also creates the owner's token account, so allow one more.
    let ceiling = leaves.len().div_ceil(per_transaction);
    assert!(summary.transactions.len() == ceiling || summary.transactions.len() == ceiling + 1, "{} transactions for {ceiling}", summary.transactions.len());
    assert_eq!(c.world().token_balance(c.owners_account(&owner.pubkey())).await, total);

    // Run again: everything is paid, nothing is sent.
    let again = client.claim_all(&payer, &owner, &c.pool.pool, &leaves, &c.network.tree).await.unwrap();
    assert_eq!((again.paid, again.transactions.len(), again.nothing_to_claim.len()), (0, 0, leaves.len()));
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn a_destination_set_by_the_owner_receives_the_claims() {
    let owner = keys::keypair();
    let c = Claims::new(&owner.pubkey(), 1).await;
    let (world, client, payer) = (c.world(), &c.world().client, c.world().payer());
    let asset = c.devices[0].asset;
    let destination = world.create_token_account(SPL_TOKEN, &c.pool.mint, &keys::pubkey()).await;

    // Only the owner sets it: the client checks first, the program through the tree.
    let intruder = keys::keypair();
    let refused = client.set_destination(&payer, &intruder, &c.pool.pool, &asset, destination, &c.network.tree).await;
    assert!(matches!(refused, Err(SdkError::NotDeviceOwner { .. })), "{refused:?}");
    let mut ownership = client.prove_ownership(&owner.pubkey(), &asset, &c.network.tree).await.unwrap();
    ownership.device.tree = c.network.network;
    let ix = reward_pool::set_destination(&payer.pubkey(), &owner.pubkey(), &c.pool.pool, &ownership, destination);
    assert_eq!(world::refusal(world.send(&[ix], &[&owner]).await, "reward_pool"), "WrongTree");

    let signature = client.set_destination(&payer, &owner, &c.pool.pool, &asset, destination, &c.network.tree).await.expect("set destination");
    world.record(&signature).await;
    let record = client.claim_record(&c.pool.pool, &asset).await.unwrap().unwrap();
    assert_eq!((record.destination, record.destination_owner), (destination, owner.pubkey()));

    let tree = c.post(1, &[40]).await;
    let ownership = client.prove_ownership(&owner.pubkey(), &asset, &c.network.tree).await.unwrap();
    let prepared = client.prepare_claim(&payer.pubkey(), &c.pool.pool, &c.leaf(&tree, 0, 40), &ownership).await.unwrap();
    assert_eq!(prepared.recipient, destination);
    assert_eq!(prepared.instructions.len(), 1, "no token account to create");
    world.send(&prepared.instructions, &[&owner]).await.unwrap();
    assert_eq!(world.token_balance(destination).await, 40);
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn the_trees_history_serves_the_proofs_and_follows_a_transfer() {
    let owner = keys::keypair();
    let c = Claims::new(&owner.pubkey(), 3).await;
    let (world, client, payer) = (c.world(), &c.world().client, c.world().payer());
    let history = TreeHistory::new(world::rpc_chain(world.rpc_url().expect("on a node")));
    for device in &c.devices {
        assert_eq!(history.asset_proof(device).await.expect("replayed"), c.network.tree.asset_proof(device).await.unwrap());
    }

    // The owner gives device 0 away: the history follows, the old owner is refused, the new one paid.
    let buyer = keys::keypair();
    c.network.transfer(&c.devices[0], &owner, &buyer.pubkey()).await;
    let seen = history.asset_proof(&c.devices[0]).await.expect("replayed after the transfer");
    assert_eq!(seen, c.network.tree.asset_proof(&c.devices[0]).await.unwrap());
    assert_eq!(seen.owner, buyer.pubkey());
    let (network, history_ref) = (&c.network.network, &history);
    let devices = |owner: Pubkey| async move {
        client.devices_of(network, &owner, history_ref).await.unwrap().into_iter().map(|(_, d)| d.asset).collect::<Vec<_>>()
    };
    assert_eq!(devices(buyer.pubkey()).await, vec![c.devices[0].asset]);
    let mut kept = vec![c.devices[1].asset, c.devices[2].asset];
    kept.sort();
    assert_eq!(devices(owner.pubkey()).await, kept);

    let tree = c.post(1, &[70, 0, 0]).await;
    let refused = client.claim(&payer, &owner, &c.pool.pool, &c.leaf(&tree, 0, 70), &history).await;
    assert!(matches!(refused, Err(SdkError::NotDeviceOwner { owner: o, .. }) if o == buyer.pubkey()), "{refused:?}");
    let (paid, _) = client.claim(&payer, &buyer, &c.pool.pool, &c.leaf(&tree, 0, 70), &history).await.expect("the new owner claims");
    assert_eq!(paid, 70);
    assert_eq!(world.token_balance(c.owners_account(&buyer.pubkey())).await, 70);
}

/// A network of 2^20 devices: the device tree is 20 deep with a canopy of 14 levels (the tree
/// account holds the top of every proof, so an owner passes 6 nodes), the reward tree has 2^20
/// leaves (a 20-hash reward proof), and the owner pays their own claim. It fits one transaction
/// only through the pool's lookup table.
#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn a_claim_in_a_network_of_2_pow_20_devices_fits_one_transaction_through_the_pools_lookup_table() {
    use fieldproof_sdk::merkle::{leaf_hash, root_from_proof};
    use fieldproof_sdk::{claim_lookup_addresses, Client};

    let world = Arc::new(World::start().await);
    let network = Network::with_tree(world.clone(), (20, 64, 14)).await;
    let pool = PoolWorld::of_network_token(world.clone(), network.network_mint, network.authority.insecure_clone(), 0).await;
    network.give_dc(&world.payer().pubkey(), 1_000_000).await;
    let owner = keys::keypair();
    let address = network.issue(&SigningKey::from_bytes(&[1; 32]), &owner.pubkey()).await.expect("issue");
    let device = network.device(&address).await;
    let fund = anchor_lang::solana_program::system_instruction::transfer(&world.payer().pubkey(), &owner.pubkey(), 1_000_000_000);
    world.send(&[fund], &[]).await.unwrap();

    // The device's leaf among 2^20: its 20 siblings stand for the other 2^20 - 1 devices.
    let amount = 77;
    let proof: Vec<[u8; 32]> = (0..20u8).map(|level| leaf_hash(&[level; 32], u64::from(level))).collect();
    let root = root_from_proof(leaf_hash(&device.asset.to_bytes(), amount), &proof);
    let args = fieldproof_sdk::reward_pool::PostRootArgs {
        config_version: pool.pool().await.config_version,
        epoch: 1,
        root,
        cumulative_total: amount,
        leaf_count: 1 << 20,
        content_hash: [1; 32],
        expires_at: world.clock().await.unix_timestamp + 3_600,
    };
    pool.post(args, &[0, 1]).await.expect("post root");
    let leaf = RewardLeaf { asset: device.asset, cumulative_amount: amount, proof };
    let history = TreeHistory::new(world::rpc_chain(world.rpc_url().expect("on a node")));
    let ownership = world.client.prove_ownership(&owner.pubkey(), &device.asset, &history).await.expect("ownership");
    assert_eq!(ownership.nodes.len(), 6, "the canopy holds the top 14 levels");

    // Without the table the claim does not fit; the operator makes one, and it does.
    let without = world.client.plan_claims(&owner.pubkey(), &owner.pubkey(), &pool.pool, std::slice::from_ref(&leaf), &history).await;
    assert!(matches!(without, Err(SdkError::TransactionTooLarge { .. })), "{without:?}");
    let addresses = claim_lookup_addresses(&pool.pool, &pool.pool().await, &SPL_TOKEN, &[device.tree]);
    let table = world.client.create_lookup_table(&world.payer(), &addresses).await.expect("lookup table");
    assert_eq!(world.client.lookup_table(&table.key).await.unwrap().addresses, addresses);
    let client = Client::new(world.chain()).with_lookup_tables(vec![table.clone()]);
    let plan = client.plan_claims(&owner.pubkey(), &owner.pubkey(), &pool.pool, std::slice::from_ref(&leaf), &history).await.expect("plan");
    let claim = plan.transactions.last().unwrap();
    assert_eq!(claim.last().unwrap().program_id, fieldproof_sdk::reward_pool::ID);
    let size = fieldproof_sdk::versioned_transaction_size(claim, &owner.pubkey(), &[table]).unwrap();
    println!("claim in a 2^20-device network: {size} bytes (limit 1232), {} transaction(s) with the token account's creation", plan.transactions.len());
    assert!(size <= MAX_TRANSACTION_BYTES);

    let summary = client.claim_all(&owner, &owner, &pool.pool, &[leaf], &history).await.expect("claim");
    for signature in &summary.transactions {
        world.record(signature).await;
    }
    assert_eq!(summary.paid, amount);
    let paid_to = anchor_spl::associated_token::get_associated_token_address(&owner.pubkey(), &pool.mint);
    assert_eq!(world.token_balance(paid_to).await, amount);
}
