//! A network with one Bubblegum tree delegated to the registry, one approved maker, and the
//! instruction builders the tests share.
use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account;
use data_credits::instructions::InitializeArgs;
use data_credits::state::{PriceSource, CONFIG_SEED, DC_MINT_SEED, EPOCH_BURNS_SEED};
use device_registry::instructions::{AssertLocationArgs, IssueDeviceArgs, MakerArgs, NetworkArgs};
use device_registry::onboarding::OnboardingMessage;
use device_registry::ownership::{leaf_schema, OwnershipProof};
use device_registry::state::*;
use ed25519_dalek::{Signer as _, SigningKey};
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::tokens::{SPL_TOKEN, TOKEN_2022};
use fieldproof_tests::Bank;
use solana_account::{AccountSharedData, ReadableAccount, WritableAccount};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::device_tree::DeviceTree;

pub const BUBBLEGUM: Pubkey = mpl_bubblegum::ID;
pub const SPL_COMPRESSION: Pubkey = device_registry::bubblegum::SPL_ACCOUNT_COMPRESSION_ID;
pub const SPL_NOOP: Pubkey = device_registry::bubblegum::SPL_NOOP_ID;
pub const ONBOARDING_FEE: u64 = 50;
pub const LOCATION_FEE: u64 = 10;
pub const METADATA_URI: &str = "https://fieldproof.example/device.json";
/// A resolution-8 H3 cell (San Francisco).
pub const H3_CELL: u64 = 0x8828308281fffff;

/// Bytes of an account-compression tree account (V1 header, tree, canopy).
pub fn tree_account_size(depth: u32, buffer: u32, canopy: u32) -> usize {
    let (d, b) = (depth as usize, buffer as usize);
    let header = 56;
    let change_log = 32 + 32 * d + 8;
    let rightmost_path = 32 * d + 32 + 8;
    let tree = 24 + b * change_log + rightmost_path;
    let canopy = ((1usize << (canopy + 1)) - 2) * 32;
    header + tree + canopy
}

/// A network token of `token_program` whose mint authority is `authority`, and its data-credits
/// config by that authority (Pyth-priced, burn epochs of a day from now); returns (mint, config,
/// DC mint).
pub async fn create_dc_config(bank: &mut Bank, authority: &Keypair, token_program: Pubkey) -> (Pubkey, Pubkey, Pubkey) {
    let payer = bank.payer();
    let network_mint = bank.create_mint(token_program, &authority.pubkey(), 6).await;
    let dc_config = Pubkey::find_program_address(&[CONFIG_SEED, network_mint.as_ref()], &data_credits::ID).0;
    let dc_mint = Pubkey::find_program_address(&[DC_MINT_SEED, dc_config.as_ref()], &data_credits::ID).0;
    let now = bank.now().await;
    let init_dc = anchor_ix(
        data_credits::ID,
        data_credits::accounts::Initialize {
            payer: payer.pubkey(),
            authority: authority.pubkey(),
            network_mint,
            config: dc_config,
            dc_mint,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        data_credits::instruction::Initialize {
            args: InitializeArgs {
                burn_authority: authority.pubkey(),
                guardian: Pubkey::new_unique(),
                timelock_secs: 3_600,
                price_source: PriceSource::Pyth { feed_id: [7; 32] },
                max_price_staleness_secs: 60,
                epoch_start: now,
                epoch_length_secs: 86_400,
                breaker: BreakerConfig { window_secs: 3_600, threshold: Threshold::Absolute(u64::MAX) },
            },
        },
    );
    bank.send(&[init_dc], &[authority]).await.expect("initialize data credits");
    (network_mint, dc_config, dc_mint)
}

/// A Bubblegum tree (`depth` levels, a changelog buffer of `buffer`, `canopy` levels kept in
/// the account) created by `creator`; returns (tree, tree config).
pub async fn create_tree(bank: &mut Bank, creator: &Keypair, depth: u32, buffer: u32, canopy: u32) -> (Pubkey, Pubkey) {
    let payer = bank.payer();
    let tree = Keypair::new();
    let size = tree_account_size(depth, buffer, canopy);
    let rent = bank.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(size);
    let allocate =
        anchor_lang::solana_program::system_instruction::create_account(&payer.pubkey(), &tree.pubkey(), rent, size as u64, &SPL_COMPRESSION);
    let tree_config = mpl_bubblegum::accounts::TreeConfig::find_pda(&tree.pubkey()).0;
    let create_tree = mpl_bubblegum::instructions::CreateTreeConfigBuilder::new()
        .tree_config(tree_config)
        .merkle_tree(tree.pubkey())
        .payer(payer.pubkey())
        .tree_creator(creator.pubkey())
        .log_wrapper(SPL_NOOP)
        .compression_program(SPL_COMPRESSION)
        .max_depth(depth)
        .max_buffer_size(buffer)
        .public(false)
        .instruction();
    bank.send(&[allocate, create_tree], &[&tree, creator]).await.expect("create Bubblegum tree");
    (tree.pubkey(), tree_config)
}

/// A device issued in the tests, with what its owner needs to prove ownership.
#[derive(Clone)]
pub struct Device {
    pub key: SigningKey,
    pub account: Pubkey,
    pub info: DeviceInfo,
}

impl Device {
    pub fn pubkey(&self) -> Pubkey {
        Pubkey::new_from_array(self.key.verifying_key().to_bytes())
    }
}

pub struct Registry {
    pub bank: Bank,
    /// The network token's mint authority, which created the DC config and so governs it, the
    /// network and its pools.
    pub authority: Keypair,
    /// The network token, whose pools pay the network's devices.
    pub network_mint: Pubkey,
    pub network_token_program: Pubkey,
    pub dc_config: Pubkey,
    pub dc_mint: Pubkey,
    pub network: Pubkey,
    pub tree: Pubkey,
    pub tree_config: Pubkey,
    pub canopy: u32,
    pub device_tree: DeviceTree,
    pub maker_id: Pubkey,
    pub maker_key: SigningKey,
    pub maker: Pubkey,
}

pub fn device_pda(network: &Pubkey, device_key: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[DEVICE_SEED, network.as_ref(), &device_key_hash(device_key)], &device_registry::ID).0
}

pub fn maker_pda(network: &Pubkey, id: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[MAKER_SEED, network.as_ref(), id.as_ref()], &device_registry::ID).0
}

pub fn custom_error(result: Result<(), TransactionError>) -> u32 {
    use solana_instruction::error::InstructionError;
    match result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => code,
        other => panic!("expected a custom program error, got {other:?}"),
    }
}

impl Registry {
    /// A network whose tree has `depth` levels, a changelog buffer of `buffer` and a canopy of
    /// `canopy` levels, its token an SPL Token mint.
    pub async fn new(depth: u32, buffer: u32, canopy: u32) -> Self {
        Self::with_token_program(depth, buffer, canopy, SPL_TOKEN).await
    }

    /// [`new`](Self::new), the network token a mint of `token_program`.
    pub async fn with_token_program(depth: u32, buffer: u32, canopy: u32, token_program: Pubkey) -> Self {
        let ctx = crate::program_test().start_with_context().await;
        let mut bank = Bank::from_context(ctx);
        let payer = bank.payer();
        let authority = Keypair::new();

        let (network_mint, dc_config, dc_mint) = create_dc_config(&mut bank, &authority, token_program).await;

        let network = Pubkey::find_program_address(&[NETWORK_SEED, dc_config.as_ref()], &device_registry::ID).0;
        let init_network = anchor_ix(
            device_registry::ID,
            device_registry::accounts::InitializeNetwork {
                payer: payer.pubkey(),
                authority: authority.pubkey(),
                network,
                dc_config,
                system_program: anchor_lang::system_program::ID,
            },
            device_registry::instruction::InitializeNetwork {
                args: NetworkArgs {
                    onboarding_fee: ONBOARDING_FEE,
                    location_fee: LOCATION_FEE,
                    metadata_uri: METADATA_URI.to_string(),
                },
            },
        );
        bank.send(&[init_network], &[&authority]).await.expect("initialize network");

        // The authority creates the tree with Bubblegum, then makes the network PDA its delegate.
        let (tree, tree_config) = create_tree(&mut bank, &authority, depth, buffer, canopy).await;
        let delegate = mpl_bubblegum::instructions::SetTreeDelegateBuilder::new()
            .tree_config(tree_config)
            .tree_creator(authority.pubkey())
            .new_tree_delegate(network)
            .merkle_tree(tree)
            .instruction();
        let set_active = anchor_ix(
            device_registry::ID,
            device_registry::accounts::SetActiveTree {
                network,
                authority: authority.pubkey(),
                merkle_tree: tree,
                tree_config,
            },
            device_registry::instruction::SetActiveTree {},
        );
        bank.send(&[delegate, set_active], &[&authority]).await.expect("delegate tree to the registry");

        let maker_id = Pubkey::new_unique();
        let maker_key = SigningKey::from_bytes(&[42; 32]);
        let maker = maker_pda(&network, &maker_id);
        let mut registry = Self {
            bank,
            authority,
            network_mint,
            network_token_program: token_program,
            dc_config,
            dc_mint,
            network,
            tree,
            tree_config,
            canopy,
            device_tree: DeviceTree::new(depth),
            maker_id,
            maker_key,
            maker,
        };
        let key = registry.maker_attestation_key();
        registry.approve_maker(key, 100).await.expect("approve maker");
        registry
    }

    pub fn maker_attestation_key(&self) -> Pubkey {
        Pubkey::new_from_array(self.maker_key.verifying_key().to_bytes())
    }

    pub async fn approve_maker(&mut self, attestation_key: Pubkey, quota: u64) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            device_registry::ID,
            device_registry::accounts::ApproveMaker {
                payer: self.bank.payer().pubkey(),
                network: self.network,
                authority: self.authority.pubkey(),
                maker: self.maker,
                system_program: anchor_lang::system_program::ID,
            },
            device_registry::instruction::ApproveMaker { args: MakerArgs { id: self.maker_id, attestation_key, quota } },
        );
        let authority = self.authority.insecure_clone();
        self.bank.send(&[ix], &[&authority]).await
    }

    pub async fn revoke_maker(&mut self) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            device_registry::ID,
            device_registry::accounts::RevokeMaker { network: self.network, authority: self.authority.pubkey(), maker: self.maker },
            device_registry::instruction::RevokeMaker {},
        );
        let authority = self.authority.insecure_clone();
        self.bank.send(&[ix], &[&authority]).await
    }

    pub fn dc_account(&self, owner: &Pubkey) -> Pubkey {
        get_associated_token_address_with_program_id(owner, &self.dc_mint, &TOKEN_2022)
    }

    /// Gives `owner` `amount` DC. DC come from data-credits' `mint_data_credits` at an oracle
    /// price (tested in data_credits.rs); here the balance and the mint's supply are written
    /// directly so these tests need no price feed.
    pub async fn give_dc(&mut self, owner: &Pubkey, amount: u64) -> Pubkey {
        let ata = self.dc_account(owner);
        if !self.bank.exists(ata).await {
            let ix = create_associated_token_account(&self.bank.payer().pubkey(), owner, &self.dc_mint, &TOKEN_2022);
            self.bank.send(&[ix], &[]).await.expect("create DC account");
        }
        // Token account: amount at 64..72. Mint: supply at 36..44.
        for (key, at) in [(ata, 64usize), (self.dc_mint, 36usize)] {
            let account = self.bank.raw_account(key).await.expect("DC account");
            let mut shared = AccountSharedData::from(account);
            let data = shared.data_as_mut_slice();
            let old = u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"));
            data[at..at + 8].copy_from_slice(&(old + amount).to_le_bytes());
            self.bank.ctx.set_account(&key, &shared);
        }
        ata
    }

    pub async fn dc_balance(&mut self, owner: &Pubkey) -> u64 {
        let ata = self.dc_account(owner);
        match self.bank.raw_account(ata).await {
            Some(account) => u64::from_le_bytes(account.data()[64..72].try_into().expect("8 bytes")),
            None => 0,
        }
    }

    fn fee_accounts(&self, dc_owner: &Pubkey) -> device_registry::accounts::DcFee {
        let epoch_burns =
            Pubkey::find_program_address(&[EPOCH_BURNS_SEED, self.dc_config.as_ref(), &0u64.to_le_bytes()], &data_credits::ID).0;
        device_registry::accounts::DcFee {
            dc_config: self.dc_config,
            dc_mint: self.dc_mint,
            dc_source: self.dc_account(dc_owner),
            epoch_burns,
            token_program: TOKEN_2022,
            data_credits_program: data_credits::ID,
        }
    }

    pub fn onboarding_digest(&self, device_key: &Pubkey, owner: &Pubkey, kind: DeviceKind, nonce: u64) -> [u8; 32] {
        OnboardingMessage { network: self.network, device_key: *device_key, owner: *owner, kind, maker: self.maker, nonce }.digest()
    }

    /// The Ed25519 check and issue_device, signed by `device_signer` and `maker_signer` over
    /// the onboarding digest of (`device`, `owner`, `kind`, `nonce`); fees paid by `payer`.
    pub fn issue_ixs(
        &self,
        payer: &Pubkey,
        device: &Pubkey,
        owner: &Pubkey,
        kind: DeviceKind,
        nonce: u64,
        signers: [&SigningKey; 2],
    ) -> Vec<Instruction> {
        let digest = self.onboarding_digest(device, owner, kind, nonce);
        let signatures: Vec<_> =
            signers.iter().map(|k| (k.verifying_key().to_bytes(), k.sign(&digest).to_bytes())).collect();
        let ed25519 = fieldproof_ed25519::signatures_instruction(&digest, &signatures);
        let issue = anchor_ix(
            device_registry::ID,
            device_registry::accounts::IssueDevice {
                payer: *payer,
                network: self.network,
                maker: self.maker,
                device: device_pda(&self.network, device),
                owner: *owner,
                tree_config: self.tree_config,
                merkle_tree: self.tree,
                bubblegum_program: BUBBLEGUM,
                log_wrapper: SPL_NOOP,
                compression_program: SPL_COMPRESSION,
                instructions: solana_sdk_ids::sysvar::instructions::ID,
                fee: self.fee_accounts(payer),
                system_program: anchor_lang::system_program::ID,
            },
            device_registry::instruction::IssueDevice { args: IssueDeviceArgs { device_key: *device, kind, nonce } },
        );
        vec![ed25519, issue]
    }

    /// Issues a new device to `owner`, fees paid by the bank's payer; tracks its leaf.
    pub async fn issue(&mut self, owner: &Pubkey) -> Device {
        let key = SigningKey::from_bytes(Keypair::new().secret_bytes());
        let device_key = Pubkey::new_from_array(key.verifying_key().to_bytes());
        let payer = self.bank.payer().pubkey();
        self.give_dc(&payer, ONBOARDING_FEE).await;
        let maker_key = self.maker_key.clone();
        let ixs = self.issue_ixs(&payer, &device_key, owner, DeviceKind::Hotspot, 1, [&key, &maker_key]);
        self.bank.send(&ixs, &[]).await.expect("issue device");
        let account = device_pda(&self.network, &device_key);
        let info: DeviceInfo = self.bank.account(account).await;
        self.record_owner(&info, owner);
        Device { key, account, info }
    }

    /// Updates the reference tree after `owner` became the owner of `device`.
    pub fn record_owner(&mut self, device: &DeviceInfo, owner: &Pubkey) {
        self.device_tree.set(device.leaf_nonce as u32, leaf_schema(&device.leaf(), owner, None).hash());
    }

    /// Proof nodes as read-only accounts, from the leaf up, canopy levels left out.
    pub fn proof_accounts(&self, device: &DeviceInfo) -> Vec<AccountMeta> {
        self.device_tree
            .proof(device.leaf_nonce as u32, self.canopy)
            .into_iter()
            .map(|node| AccountMeta::new_readonly(Pubkey::new_from_array(node), false))
            .collect()
    }

    pub fn ownership(&self) -> OwnershipProof {
        OwnershipProof { root: self.device_tree.root(), delegate: None }
    }

    pub fn assert_location_ix(&self, device: &Device, owner: &Pubkey, ownership: OwnershipProof, proof: Vec<AccountMeta>) -> Instruction {
        let args = AssertLocationArgs { h3_cell: H3_CELL, elevation: 12, gain: 40, ownership };
        self.assert_location_ix_with(device, owner, args, proof)
    }

    /// The location assert of `args` by `owner`, with the ownership proof's `proof` nodes.
    pub fn assert_location_ix_with(&self, device: &Device, owner: &Pubkey, args: AssertLocationArgs, proof: Vec<AccountMeta>) -> Instruction {
        let mut ix = anchor_ix(
            device_registry::ID,
            device_registry::accounts::AssertLocation {
                payer: self.bank.payer().pubkey(),
                owner: *owner,
                network: self.network,
                device: device.account,
                merkle_tree: self.tree,
                compression_program: SPL_COMPRESSION,
                fee: self.fee_accounts(owner),
                system_program: anchor_lang::system_program::ID,
            },
            device_registry::instruction::AssertLocation { args },
        );
        ix.accounts.extend(proof);
        ix
    }

    /// A Bubblegum transfer of `device` from `from` to `to`, proven against the current tree.
    pub async fn transfer(&mut self, device: &Device, from: &Keypair, to: &Pubkey) {
        let info = &device.info;
        let ix = mpl_bubblegum::instructions::TransferBuilder::new()
            .tree_config(self.tree_config)
            .leaf_owner(from.pubkey(), true)
            .leaf_delegate(from.pubkey(), false)
            .new_leaf_owner(*to)
            .merkle_tree(self.tree)
            .log_wrapper(SPL_NOOP)
            .compression_program(SPL_COMPRESSION)
            .root(self.device_tree.root())
            .data_hash(info.data_hash)
            .creator_hash(info.creator_hash)
            .nonce(info.leaf_nonce)
            .index(info.leaf_nonce as u32)
            .add_remaining_accounts(&self.proof_accounts(info))
            .instruction();
        self.bank.send(&[ix], &[from]).await.expect("Bubblegum transfer");
        self.record_owner(&device.info.clone(), to);
    }

    /// The tree's current root as account compression stores it (active changelog entry).
    pub async fn onchain_root(&mut self) -> [u8; 32] {
        let account = self.bank.raw_account(self.tree).await.expect("tree account");
        let data = account.data();
        let active_index = u64::from_le_bytes(data[56 + 8..56 + 16].try_into().expect("8 bytes")) as usize;
        let change_log = 32 + 32 * self.device_tree.depth as usize + 8;
        let at = 56 + 24 + active_index * change_log;
        data[at..at + 32].try_into().expect("32 bytes")
    }
}
