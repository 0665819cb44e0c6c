//! Devices issued as real Bubblegum cNFTs and located by their owner, through the SDK's builders,
//! on a node with Bubblegum, account compression and noop loaded (`scripts/test-rpc.sh`). The
//! in-process bank has no Bubblegum, so these tests are ignored there; the registry's every
//! rejection is tested natively against Bubblegum under tests/bubblegum.
mod bank;

use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use bank::{World, SPL_TOKEN, TOKEN_2022};
use ed25519_dalek::{Signer as _, SigningKey};
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, InitializeArgs, InitializePriceOracleArgs, MintDataCreditsAccounts, PriceSource};
use fieldproof_sdk::device_registry::{
    self, AssertLocationArgs, DcFee, DeviceInfo, DeviceKind, DeviceStatus, IssueDeviceArgs, MakerArgs, NetworkArgs, NetworkConfig,
    OnboardingMessage, OwnershipProof, SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID,
};
use fieldproof_sdk::{BreakerConfig, Pubkey, SdkError, Threshold};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const ONBOARDING_FEE: u64 = 50;
const LOCATION_FEE: u64 = 10;
/// A resolution-8 H3 cell (San Francisco).
const H3_CELL: u64 = 0x8828308281fffff;
/// The device tree: the smallest account compression allows, no canopy, so a proof is three
/// nodes an empty tree's hashes make up.
const TREE_DEPTH: u32 = 3;
const TREE_BUFFER: u32 = 8;

/// Bytes of an account-compression V1 tree account without canopy: header, then the tree's
/// sequence number, active index and buffer size, its changelog buffer and rightmost path.
fn tree_account_size(depth: usize, buffer: usize) -> usize {
    let change_log = 32 + 32 * depth + 8;
    let rightmost_path = 32 * depth + 32 + 8;
    56 + 24 + buffer * change_log + rightmost_path
}

fn keccak_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

/// The proof and root of the only leaf of a tree, at index 0: every sibling is an empty subtree.
fn lone_leaf_proof(leaf: [u8; 32], depth: u32) -> (Vec<[u8; 32]>, [u8; 32]) {
    let (mut empty, mut node, mut proof) = ([0u8; 32], leaf, Vec::new());
    for _ in 0..depth {
        proof.push(empty);
        node = keccak_pair(&node, &empty);
        empty = keccak_pair(&empty, &empty);
    }
    (proof, node)
}

struct Network {
    world: World,
    authority: Keypair,
    network: Pubkey,
    config: NetworkConfig,
    dc: DataCreditsConfig,
    dc_config: Pubkey,
    maker_id: Pubkey,
    maker_key: SigningKey,
    network_mint: Pubkey,
    network_source: Pubkey,
}

impl Network {
    /// A data-credits configuration priced by one submitted price, a network with a Bubblegum
    /// tree delegated to it, and an approved maker; the payer holds network tokens.
    async fn new() -> Self {
        let world = World::start().await;
        let payer = world.payer().pubkey();
        let mint_authority = Keypair::new();
        let network_mint = world.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
        let network_source = world.create_token_account(SPL_TOKEN, &network_mint, &payer).await;
        world.mint_tokens(SPL_TOKEN, &network_mint, &network_source, &mint_authority, 100_000_000).await;

        let authority = Keypair::new();
        let dc_config = data_credits::config_address(&network_mint);
        let args = InitializeArgs {
            burn_authority: Pubkey::new_unique(),
            price_source: PriceSource::Quorum { oracle: data_credits::price_oracle_address(&dc_config) },
            max_price_staleness_secs: 600,
            epoch_start: world.clock().await.unix_timestamp,
            epoch_length_secs: 86_400,
            breaker: BreakerConfig { window_secs: 3_600, threshold: Threshold::Absolute(u64::MAX) },
        };
        world.send(&[data_credits::initialize(&payer, &authority.pubkey(), &network_mint, args)], &[&authority]).await.expect("initialize DC");
        let submitter = Keypair::new();
        let oracle = InitializePriceOracleArgs { submitters: vec![submitter.pubkey()], min_submissions: 1, expo: -8 };
        world.send(&[data_credits::initialize_price_oracle(&payer, &authority.pubkey(), &dc_config, oracle)], &[&authority]).await.expect("price oracle");
        world.send(&[data_credits::submit_price(&submitter.pubkey(), &dc_config, 150_000_000)], &[&submitter]).await.expect("price");

        let args = NetworkArgs { onboarding_fee: ONBOARDING_FEE, location_fee: LOCATION_FEE, metadata_uri: "https://fieldproof.example/device.json".into() };
        world.send(&[device_registry::initialize_network(&payer, &authority.pubkey(), &dc_config, args)], &[&authority]).await.expect("network");
        let network = device_registry::network_address(&dc_config);

        // The operator creates the tree with Bubblegum and hands it to the registry.
        let tree = Keypair::new();
        let size = tree_account_size(TREE_DEPTH as usize, TREE_BUFFER as usize);
        let rent = anchor_lang::prelude::Rent::default().minimum_balance(size);
        let allocate =
            anchor_lang::solana_program::system_instruction::create_account(&payer, &tree.pubkey(), rent, size as u64, &SPL_ACCOUNT_COMPRESSION_ID);
        let tree_config = device_registry::tree_config_address(&tree.pubkey());
        let create = mpl_bubblegum::instructions::CreateTreeConfigBuilder::new()
            .tree_config(tree_config)
            .merkle_tree(tree.pubkey())
            .payer(payer)
            .tree_creator(authority.pubkey())
            .log_wrapper(SPL_NOOP_ID)
            .compression_program(SPL_ACCOUNT_COMPRESSION_ID)
            .max_depth(TREE_DEPTH)
            .max_buffer_size(TREE_BUFFER)
            .public(false)
            .instruction();
        world.send(&[allocate, create], &[&tree, &authority]).await.expect("create the Bubblegum tree");
        let delegate = mpl_bubblegum::instructions::SetTreeDelegateBuilder::new()
            .tree_config(tree_config)
            .tree_creator(authority.pubkey())
            .new_tree_delegate(network)
            .merkle_tree(tree.pubkey())
            .instruction();
        let activate = device_registry::set_active_tree(&network, &authority.pubkey(), &tree.pubkey(), &tree_config);
        world.send(&[delegate, activate], &[&authority]).await.expect("hand the tree to the registry");

        let maker_id = Pubkey::new_unique();
        let maker_key = SigningKey::from_bytes(&[42; 32]);
        let maker = MakerArgs { id: maker_id, attestation_key: Pubkey::new_from_array(maker_key.verifying_key().to_bytes()), quota: 10 };
        world.send(&[device_registry::approve_maker(&payer, &network, &authority.pubkey(), maker)], &[&authority]).await.expect("maker");

        let config: NetworkConfig = world.client.account(&network).await.expect("network decodes");
        let dc: DataCreditsConfig = world.client.account(&dc_config).await.expect("DC config decodes");
        Self { world, authority, network, config, dc, dc_config, maker_id, maker_key, network_mint, network_source }
    }

    async fn fee(&self) -> DcFee {
        let epoch = (self.world.clock().await.unix_timestamp - self.dc.epoch_start) as u64 / self.dc.epoch_length_secs as u64;
        DcFee { dc_config: self.dc_config, dc_mint: self.config.dc_mint, epoch }
    }

    /// Mints DC worth `network_amount` of the payer's network tokens into `owner`'s DC account.
    async fn give_dc(&self, owner: &Pubkey, network_amount: u64) {
        let payer = self.world.payer().pubkey();
        let create = create_associated_token_account_idempotent(&payer, owner, &self.config.dc_mint, &TOKEN_2022);
        let accounts = MintDataCreditsAccounts {
            payer,
            network_mint: self.network_mint,
            network_token_program: SPL_TOKEN,
            price_account: data_credits::price_oracle_address(&self.dc_config),
            source: self.network_source,
            recipient: data_credits::dc_account_address(owner, &self.config.dc_mint),
        };
        self.world.send(&[create, data_credits::mint_data_credits(accounts, network_amount)], &[]).await.expect("mint DC");
    }

    async fn dc_balance(&self, owner: &Pubkey) -> u64 {
        self.world.token_balance(data_credits::dc_account_address(owner, &self.config.dc_mint)).await
    }

    /// Issues a device to `owner` under the device's and the maker's signatures.
    async fn issue(&self, device_key: &SigningKey, owner: &Pubkey) -> Result<Pubkey, SdkError> {
        let device = Pubkey::new_from_array(device_key.verifying_key().to_bytes());
        let args = IssueDeviceArgs { device_key: device, kind: DeviceKind::Hotspot, nonce: 7 };
        let message = OnboardingMessage {
            network: self.network,
            device_key: device,
            owner: *owner,
            kind: args.kind,
            maker: device_registry::maker_address(&self.network, &self.maker_id),
            nonce: args.nonce,
        };
        let digest = message.digest();
        let sign = |key: &SigningKey| (key.verifying_key().to_bytes(), key.sign(&digest).to_bytes());
        let signatures = [sign(device_key), sign(&self.maker_key)];
        let payer = self.world.payer().pubkey();
        let ixs = device_registry::issue_device(&payer, &self.network, &self.config, &self.maker_id, owner, args, &signatures, self.fee().await);
        self.world.send(&ixs, &[]).await?;
        Ok(device_registry::device_address(&self.network, &device))
    }

    async fn device(&self, address: &Pubkey) -> DeviceInfo {
        self.world.client.account(address).await.expect("device decodes")
    }

    /// `owner` asserts the device's location, proving ownership against the tree's root.
    async fn assert_location(&self, device: &DeviceInfo, owner: &Keypair) -> Result<(), SdkError> {
        let leaf = device_registry::leaf_schema(device, &owner.pubkey(), None).hash();
        let (proof, root) = lone_leaf_proof(leaf, TREE_DEPTH);
        let args = AssertLocationArgs { h3_cell: H3_CELL, elevation: 12, gain: 40, ownership: OwnershipProof { root, delegate: None } };
        let ix = device_registry::assert_location(&self.world.payer().pubkey(), &owner.pubkey(), device, args, &proof, self.fee().await);
        self.world.send(&[ix], &[owner]).await
    }
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn a_device_is_issued_as_a_cnft_located_by_its_owner_and_deactivated() {
    let n = Network::new().await;
    let payer = n.world.payer().pubkey();
    n.give_dc(&payer, 1_000_000).await;
    let paid = n.dc_balance(&payer).await;
    let owner = Keypair::new();
    let device_key = SigningKey::from_bytes(&[9; 32]);

    let address = n.issue(&device_key, &owner.pubkey()).await.expect("issue");
    let device = n.device(&address).await;
    assert_eq!((device.network, device.tree, device.leaf_nonce), (n.network, n.config.active_tree, 0));
    assert_eq!(device.asset, mpl_bubblegum::utils::get_asset_id(&n.config.active_tree, 0));
    assert_eq!(device.status, DeviceStatus::Active);
    assert_eq!(n.dc_balance(&payer).await, paid - ONBOARDING_FEE);
    match n.issue(&device_key, &owner.pubkey()).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("device_registry", "DeviceAlreadyRegistered")),
        other => panic!("a device key is registered once, got {other:?}"),
    }

    // Someone else cannot prove the owner's leaf; the owner can, and pays the fee.
    let intruder = Keypair::new();
    n.give_dc(&intruder.pubkey(), 1_000_000).await;
    // Account compression refuses the intruder's leaf; its code is not read as a registry error.
    match n.assert_location(&device, &intruder).await {
        Err(SdkError::Transaction(TransactionError::InstructionError(0, InstructionError::Custom(_)))) => {}
        other => panic!("expected account compression's refusal, got {other:?}"),
    }
    assert_eq!(n.device(&address).await.location_asserts, 0);
    n.give_dc(&owner.pubkey(), 1_000_000).await;
    let before = n.dc_balance(&owner.pubkey()).await;
    n.assert_location(&device, &owner).await.expect("the owner asserts");
    let located = n.device(&address).await;
    assert_eq!((located.location.h3_cell, located.location.elevation, located.location.gain, located.location_asserts), (H3_CELL, 12, 40, 1));
    assert_eq!(n.dc_balance(&owner.pubkey()).await, before - LOCATION_FEE);

    // The network authority deactivates a spoofer: no more location asserts.
    let ix = device_registry::set_device_status(&n.network, &n.authority.pubkey(), &device.device_key, DeviceStatus::Inactive);
    n.world.send(&[ix], &[&n.authority]).await.expect("deactivate");
    match n.assert_location(&device, &owner).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("device_registry", "DeviceInactive")),
        other => panic!("expected DeviceInactive, got {other:?}"),
    }
    let ix = device_registry::set_device_status(&n.network, &n.authority.pubkey(), &device.device_key, DeviceStatus::Active);
    n.world.send(&[ix], &[&n.authority]).await.expect("reactivate");
    assert_eq!(n.device(&address).await.status, DeviceStatus::Active);
    let ix = device_registry::set_device_status(&n.network, &n.authority.pubkey(), &device.device_key, DeviceStatus::Active);
    match n.world.send(&[ix], &[&n.authority]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("device_registry", "StatusUnchanged")),
        other => panic!("expected StatusUnchanged, got {other:?}"),
    }
}
