//! A device network on a node with Bubblegum, account compression and noop loaded
//! (`scripts/test-rpc.sh`): data credits priced by one submitted price, a registry network whose
//! active tree is a Bubblegum tree delegated to it, an approved maker, and a mirror of the tree
//! that serves ownership proofs as an index of the tree would. The in-process bank has no
//! Bubblegum, so the tests using it are ignored there.
use std::sync::{Arc, Mutex};

use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use ed25519_dalek::SigningKey;
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, InitializeArgs, InitializePriceOracleArgs, MintDataCreditsAccounts, PriceSource};
use fieldproof_sdk::device_registry::{
    self, AssertLocationArgs, DcFee, DeviceInfo, DeviceKind, IssueDeviceArgs, MakerArgs, NetworkArgs, NetworkConfig, OnboardingMessage,
    OwnershipProof,
};
use fieldproof_sdk::ownership::tree_account_size;
use fieldproof_sdk::{AssetProof, BreakerConfig, OwnershipSource, OwnershipSourceError, Pubkey, SdkError, Threshold};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::world::{World, SPL_TOKEN, TOKEN_2022};

pub const ONBOARDING_FEE: u64 = 50;
pub const LOCATION_FEE: u64 = 10;
/// A resolution-8 H3 cell (San Francisco).
pub const H3_CELL: u64 = 0x8828308281fffff;
/// The device tree's shape: depth, changelog buffer, canopy depth.
pub type TreeShape = (u32, u32, u32);
/// The usual device tree: 32 leaves, the top two levels in the canopy, so an ownership proof is
/// three nodes.
pub const SMALL_TREE: TreeShape = (5, 8, 2);

fn keccak_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

/// What the tests know of the device tree: every leaf appended, with its owner now. It serves
/// ownership proofs from its own copy of the tree, as an index of the tree would.
#[derive(Default)]
pub struct TreeMirror {
    depth: u32,
    leaves: Mutex<Vec<(DeviceInfo, Pubkey)>>,
}

impl TreeMirror {
    pub fn append(&self, device: DeviceInfo, owner: Pubkey) {
        let mut leaves = self.leaves.lock().unwrap();
        assert_eq!(leaves.len() as u64, device.leaf_nonce, "the mirror missed a leaf");
        leaves.push((device, owner));
    }

    /// The leaf of `asset` now belongs to `to` (after a transfer the mirror did not send).
    pub fn transfer(&self, asset: &Pubkey, to: Pubkey) {
        let mut leaves = self.leaves.lock().unwrap();
        let leaf = leaves.iter_mut().find(|(device, _)| device.asset == *asset).expect("a mirrored leaf");
        leaf.1 = to;
    }

    /// The path of leaf `index` (bottom up) and the root, the tree's other leaves as they are.
    fn path(&self, index: usize) -> (Vec<[u8; 32]>, [u8; 32]) {
        let leaves = self.leaves.lock().unwrap();
        let mut level: Vec<[u8; 32]> = (0..1usize << self.depth)
            .map(|i| leaves.get(i).map_or([0; 32], |(device, owner)| device_registry::leaf_schema(&device.leaf(), owner, None).hash()))
            .collect();
        let (mut path, mut at) = (Vec::new(), index);
        while level.len() > 1 {
            path.push(level[at ^ 1]);
            level = level.chunks(2).map(|pair| keccak_pair(&pair[0], &pair[1])).collect();
            at /= 2;
        }
        (path, level[0])
    }
}

impl OwnershipSource for TreeMirror {
    async fn asset_proof(&self, device: &DeviceInfo) -> Result<AssetProof, OwnershipSourceError> {
        let index = usize::try_from(device.leaf_nonce).unwrap();
        let owner = match self.leaves.lock().unwrap().get(index) {
            Some((known, owner)) if known.asset == device.asset => *owner,
            _ => return Err(OwnershipSourceError::UnknownAsset { asset: device.asset, reason: "not in the mirror".into() }),
        };
        let (path, root) = self.path(index);
        Ok(AssetProof { tree: device.tree, owner, delegate: owner, root, path })
    }
}

pub struct Network {
    pub world: Arc<World>,
    pub authority: Keypair,
    pub network: Pubkey,
    pub config: NetworkConfig,
    pub dc: DataCreditsConfig,
    pub dc_config: Pubkey,
    pub maker_id: Pubkey,
    pub maker_key: SigningKey,
    pub network_mint: Pubkey,
    pub network_source: Pubkey,
    pub canopy: u32,
    pub tree: TreeMirror,
}

impl Network {
    /// A data-credits configuration priced by one submitted price, a network with a Bubblegum
    /// tree delegated to it, and an approved maker; the payer holds network tokens.
    pub async fn new() -> Self {
        Self::on(Arc::new(World::start().await)).await
    }

    /// The network in `world`, shared with other fixtures.
    pub async fn on(world: Arc<World>) -> Self {
        Self::with_tree(world, SMALL_TREE).await
    }

    /// The network in `world` with a device tree of `shape`.
    pub async fn with_tree(world: Arc<World>, (depth, buffer, canopy): TreeShape) -> Self {
        let payer = world.payer().pubkey();
        let mint_authority = crate::keys::keypair();
        let network_mint = world.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
        let network_source = world.create_token_account(SPL_TOKEN, &network_mint, &payer).await;
        world.mint_tokens(SPL_TOKEN, &network_mint, &network_source, &mint_authority, 100_000_000).await;

        // The mint authority creates the DC config and so governs it and the network.
        let authority = mint_authority;
        let dc_config = data_credits::config_address(&network_mint);
        let args = InitializeArgs {
            burn_authority: crate::keys::pubkey(),
            guardian: crate::keys::pubkey(),
            timelock_secs: crate::world::TIMELOCK_SECS,
            price_source: PriceSource::Quorum { oracle: data_credits::price_oracle_address(&dc_config) },
            max_price_staleness_secs: 600,
            epoch_start: world.clock().await.unix_timestamp,
            epoch_length_secs: 86_400,
            breaker: BreakerConfig { window_secs: 3_600, threshold: Threshold::Absolute(u64::MAX) },
        };
        world.send(&[data_credits::initialize(&payer, &authority.pubkey(), &network_mint, args)], &[&authority]).await.expect("initialize DC");
        let submitter = crate::keys::keypair();
        let oracle = InitializePriceOracleArgs { submitters: vec![submitter.pubkey()], min_submissions: 1, expo: -8 };
        world.send(&[data_credits::initialize_price_oracle(&payer, &authority.pubkey(), &dc_config, oracle)], &[&authority]).await.expect("price oracle");
        world.send(&[data_credits::submit_price(&submitter.pubkey(), &dc_config, 150_000_000)], &[&submitter]).await.expect("price");

        let args = NetworkArgs { onboarding_fee: ONBOARDING_FEE, location_fee: LOCATION_FEE, metadata_uri: "https://fieldproof.example/device.json".into() };
        world.send(&[device_registry::initialize_network(&payer, &authority.pubkey(), &dc_config, args)], &[&authority]).await.expect("network");
        let network = device_registry::network_address(&dc_config);

        // The operator creates the tree with Bubblegum and hands it to the registry.
        let tree = crate::keys::keypair();
        let rent = anchor_lang::prelude::Rent::default().minimum_balance(tree_account_size(depth, buffer, canopy));
        let create = device_registry::create_tree(&payer, &authority.pubkey(), &tree.pubkey(), (depth, buffer, canopy), rent);
        world.send(&create, &[&tree, &authority]).await.expect("create the Bubblegum tree");
        let hand = device_registry::hand_tree_to_network(&network, &authority.pubkey(), &authority.pubkey(), &tree.pubkey());
        world.send(&hand, &[&authority]).await.expect("hand the tree to the registry");

        let maker_id = crate::keys::pubkey();
        let maker_key = SigningKey::from_bytes(&[42; 32]);
        let maker = MakerArgs { id: maker_id, attestation_key: Pubkey::new_from_array(maker_key.verifying_key().to_bytes()), quota: 10 };
        world.send(&[device_registry::approve_maker(&payer, &network, &authority.pubkey(), maker)], &[&authority]).await.expect("maker");

        let config: NetworkConfig = world.client.account(&network).await.expect("network decodes");
        let dc: DataCreditsConfig = world.client.account(&dc_config).await.expect("DC config decodes");
        Self { world, authority, network, config, dc, dc_config, maker_id, maker_key, network_mint, network_source, canopy, tree: TreeMirror { depth, leaves: Mutex::default() } }
    }

    pub async fn fee(&self) -> DcFee {
        let epoch = (self.world.clock().await.unix_timestamp - self.dc.epoch_start) as u64 / self.dc.epoch_length_secs as u64;
        DcFee { dc_config: self.dc_config, dc_mint: self.config.dc_mint, epoch }
    }

    /// Mints DC worth `network_amount` of the payer's network tokens into `owner`'s DC account.
    pub async fn give_dc(&self, owner: &Pubkey, network_amount: u64) {
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

    pub async fn dc_balance(&self, owner: &Pubkey) -> u64 {
        self.world.token_balance(data_credits::dc_account_address(owner, &self.config.dc_mint)).await
    }

    /// Issues a device to `owner` under the device's and the maker's signatures.
    pub async fn issue(&self, device_key: &SigningKey, owner: &Pubkey) -> Result<Pubkey, SdkError> {
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
        let signatures = [device_registry::sign_onboarding(&message, device_key), device_registry::sign_onboarding(&message, &self.maker_key)];
        let payer = self.world.payer().pubkey();
        let ixs = device_registry::issue_device(&payer, &self.network, &self.config, &self.maker_id, owner, args, &signatures, self.fee().await);
        self.world.send(&ixs, &[]).await?;
        let address = device_registry::device_address(&self.network, &device);
        self.tree.append(self.device(&address).await, *owner);
        Ok(address)
    }

    pub async fn device(&self, address: &Pubkey) -> DeviceInfo {
        self.world.client.account(address).await.expect("device decodes")
    }

    /// `owner` gives the device cNFT to `to` with Bubblegum's `transfer`.
    pub async fn transfer(&self, device: &DeviceInfo, owner: &Keypair, to: &Pubkey) {
        let signature = self.world.client.transfer_device(&self.world.payer(), owner, &device.asset, to, &self.tree).await.expect("Bubblegum transfer");
        self.world.record(&signature).await;
        self.tree.transfer(&device.asset, *to);
    }

    /// `owner` asserts the device's location, proving ownership against the tree's root.
    pub async fn assert_location(&self, device: &DeviceInfo, owner: &Keypair) -> Result<(), SdkError> {
        // The tree's real path and root: for anyone but the owner, account compression computes
        // another leaf and refuses.
        let (proof, root) = self.tree.path(device.leaf_nonce as usize);
        let args = AssertLocationArgs { h3_cell: H3_CELL, elevation: 12, gain: 40, ownership: OwnershipProof { root, delegate: None } };
        let ix = device_registry::assert_location(&self.world.payer().pubkey(), &owner.pubkey(), device, args, &proof, self.fee().await);
        self.world.send(&[ix], &[owner]).await
    }
}

