//! [`Client`]: typed reads, transaction sending (compute budget, priority fee, blockhash
//! refresh, confirmation, named program errors), the claim flow and root posting, over any
//! [`Chain`].
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AccountDeserialize, Owner};
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use solana_address_lookup_table_interface::state::AddressLookupTable;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;

use crate::accounts::decode_account;
use crate::chain::{Chain, ChainError};
use crate::program_errors::program_error_name;
use crate::data_credits::{self, DataCreditsConfig, MintDataCreditsAccounts};
use crate::device_registry::{self, AssertLocationArgs, DeviceInfo, DeviceOwnership, Location, NetworkConfig, OwnershipProof};
use crate::ownership::{tree_depths, OwnershipSource, OwnershipSourceError};
use crate::reward_pool::{self, ClaimAccounts, ClaimRecord, OracleSignature, Pool, PostRootArgs};
use crate::SdkError;

/// How a transaction is sent.
#[derive(Clone, Copy, Debug)]
pub struct SendOptions {
    /// Compute units to request (`SetComputeUnitLimit`); `None` leaves the runtime's default
    /// of 200,000 per instruction.
    pub compute_unit_limit: Option<u32>,
    /// Priority fee in micro-lamports per compute unit (`SetComputeUnitPrice`); 0 sends none.
    pub priority_fee_micro_lamports: u64,
    /// How many times a transaction whose blockhash expired before confirmation is re-signed
    /// with a fresh blockhash and sent again.
    pub blockhash_refreshes: u32,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self { compute_unit_limit: None, priority_fee_micro_lamports: 0, blockhash_refreshes: 3 }
    }
}

impl SendOptions {
    /// The compute-budget instructions these options put in front of a transaction.
    pub fn compute_budget_instructions(&self) -> Vec<Instruction> {
        let mut instructions = Vec::new();
        if let Some(units) = self.compute_unit_limit {
            instructions.push(ComputeBudgetInstruction::set_compute_unit_limit(units));
        }
        if self.priority_fee_micro_lamports > 0 {
            instructions.push(ComputeBudgetInstruction::set_compute_unit_price(self.priority_fee_micro_lamports));
        }
        instructions
    }
}

/// What a claim will pay, worked out before sending.
#[derive(Clone, Debug)]
pub struct PreparedClaim {
    /// The instructions to send (creating the owner's token account when it is missing, then
    /// the claim).
    pub instructions: Vec<Instruction>,
    /// Tokens the claim pays.
    pub amount: u64,
    /// The token account paid.
    pub recipient: Pubkey,
}

/// Most bytes a serialized transaction may have (the network's packet data size).
pub const MAX_TRANSACTION_BYTES: usize = 1232;

/// How many times a fee-burning transaction refused because the DC epoch turned while it was in
/// flight is built for the new epoch and sent again (an epoch lasts a minute at the shortest).
const EPOCH_TURN_RESENDS: u32 = 2;

/// One asset's leaf of a published reward file, with its proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewardLeaf {
    /// The device's asset id.
    pub asset: Pubkey,
    /// Its cumulative lifetime reward.
    pub cumulative_amount: u64,
    /// Siblings from the leaf up to the root.
    pub proof: Vec<[u8; 32]>,
}

/// The claims [`Client::plan_claims`] worked out, not yet sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClaimPlan {
    /// Tokens the transactions pay, over all assets.
    pub paid: u64,
    /// Assets the transactions pay, in the order given.
    pub claimed: Vec<Pubkey>,
    /// Assets skipped because everything their leaf grants was already paid.
    pub nothing_to_claim: Vec<Pubkey>,
    /// The instructions of each transaction, in the order to send them.
    pub transactions: Vec<Vec<Instruction>>,
}

/// What [`Client::claim_all`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimAllSummary {
    /// Tokens paid, over all assets.
    pub paid: u64,
    /// Assets paid, in the order given.
    pub claimed: Vec<Pubkey>,
    /// Assets skipped because everything their leaf grants was already paid.
    pub nothing_to_claim: Vec<Pubkey>,
    /// The transactions sent, in order.
    pub transactions: Vec<Signature>,
}

/// The serialized size of a legacy transaction holding `instructions` paid by `payer`.
pub fn transaction_size(instructions: &[Instruction], payer: &Pubkey) -> usize {
    let transaction = Transaction::new_with_payer(instructions, Some(payer));
    let signatures = usize::from(transaction.message.header.num_required_signatures);
    // A compact-u16 signature count (one byte below 128 signatures), the signatures, the message.
    1 + signatures * 64 + transaction.message_data().len()
}

/// The serialized size of the transaction holding `instructions` paid by `payer`: a version-0
/// one through `lookup_tables` when there are any, a legacy one otherwise. `None` when the
/// instructions cannot be compiled into a version-0 message.
pub fn versioned_transaction_size(instructions: &[Instruction], payer: &Pubkey, lookup_tables: &[AddressLookupTableAccount]) -> Option<usize> {
    if lookup_tables.is_empty() {
        return Some(transaction_size(instructions, payer));
    }
    let message = v0::Message::try_compile(payer, instructions, lookup_tables, Hash::default()).ok()?;
    let signatures = usize::from(message.header.num_required_signatures);
    Some(1 + signatures * 64 + VersionedMessage::V0(message).serialize().len())
}

/// The SDK's entry point over a [`Chain`].
pub struct Client<C> {
    chain: C,
    options: SendOptions,
    lookup_tables: Vec<AddressLookupTableAccount>,
}

impl<C: Chain> Client<C> {
    /// A client over `chain` with default [`SendOptions`].
    pub fn new(chain: C) -> Self {
        Self { chain, options: SendOptions::default(), lookup_tables: Vec::new() }
    }

    /// Sends every transaction with `options`.
    pub fn with_send_options(mut self, options: SendOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends every transaction as a version-0 one through `tables` (see
    /// [`lookup_table`](Self::lookup_table)): the accounts they hold take one byte each instead
    /// of 32, which is what lets a claim in a network of 2^20 devices fit a transaction.
    pub fn with_lookup_tables(mut self, tables: Vec<AddressLookupTableAccount>) -> Self {
        self.lookup_tables = tables;
        self
    }

    /// The chain this client talks to.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The account at `address` decoded as `T`; [`SdkError::AccountNotFound`] when missing.
    pub async fn account<T: AccountDeserialize + Owner>(&self, address: &Pubkey) -> Result<T, SdkError> {
        self.optional_account(address).await?.ok_or(SdkError::AccountNotFound(*address))
    }

    /// The account at `address` decoded as `T`, `None` when it does not exist.
    pub async fn optional_account<T: AccountDeserialize + Owner>(&self, address: &Pubkey) -> Result<Option<T>, SdkError> {
        match self.chain.get_account(address).await? {
            Some(account) => decode_account(address, &account).map(Some),
            None => Ok(None),
        }
    }

    /// Sends `instructions` in one transaction paid by `payer` and signed by `signers` too,
    /// preceded by the compute-budget instructions of the send options; re-signs with a fresh
    /// blockhash when the previous one expired unconfirmed. A Fieldproof program's refusal comes
    /// back as [`SdkError::Program`] with the error's name.
    pub async fn send(&self, instructions: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> Result<Signature, SdkError> {
        self.send_through(instructions, payer, signers, &self.lookup_tables).await
    }

    /// [`send`](Self::send) through `lookup_tables` (a legacy transaction when there are none).
    async fn send_through(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        lookup_tables: &[AddressLookupTableAccount],
    ) -> Result<Signature, SdkError> {
        let all = self.with_compute_budget(instructions);
        let mut keys: Vec<&Keypair> = vec![payer];
        keys.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let mut refreshes = 0;
        loop {
            let blockhash = self.chain.latest_blockhash().await?;
            let message = compile(&all, &payer.pubkey(), lookup_tables, blockhash)?;
            let transaction = VersionedTransaction::try_new(message, &keys).map_err(|e| SdkError::Signing(e.to_string()))?;
            match self.chain.send_transaction(&transaction).await {
                Ok(signature) => return Ok(signature),
                Err(ChainError::Expired) if refreshes < self.options.blockhash_refreshes => refreshes += 1,
                Err(ChainError::Transaction { error, logs }) => return Err(named_error(error, &logs, &all)),
                Err(other) => return Err(other.into()),
            }
        }
    }

    /// `instructions` behind the compute-budget instructions of the send options.
    fn with_compute_budget(&self, instructions: &[Instruction]) -> Vec<Instruction> {
        let mut all = self.options.compute_budget_instructions();
        all.extend_from_slice(instructions);
        all
    }

    /// The transaction [`send`](Self::send) would send for `instructions` paid by `payer`, on the
    /// latest blockhash and not signed: for a wallet to sign (every signature is left blank).
    /// It must land before its blockhash expires, about a minute.
    pub async fn unsigned_transaction(&self, instructions: &[Instruction], payer: &Pubkey) -> Result<VersionedTransaction, SdkError> {
        let blockhash = self.chain.latest_blockhash().await?;
        let message = compile(&self.with_compute_budget(instructions), payer, &self.lookup_tables, blockhash)?;
        let signatures = vec![Signature::default(); usize::from(message.header().num_required_signatures)];
        Ok(VersionedTransaction { signatures, message })
    }

    /// The address lookup table at `address`, to send through (see
    /// [`with_lookup_tables`](Self::with_lookup_tables)).
    pub async fn lookup_table(&self, address: &Pubkey) -> Result<AddressLookupTableAccount, SdkError> {
        let account = self.chain.get_account(address).await?.ok_or(SdkError::AccountNotFound(*address))?;
        let decode_error = |reason: String| SdkError::AccountDecode { address: *address, expected: "address lookup table", reason };
        if account.owner != solana_address_lookup_table_interface::program::ID {
            return Err(SdkError::WrongAccountOwner { address: *address, owner: account.owner, expected: solana_address_lookup_table_interface::program::ID });
        }
        let table = AddressLookupTable::deserialize(&account.data).map_err(|e| decode_error(e.to_string()))?;
        Ok(AddressLookupTableAccount { key: *address, addresses: table.addresses.to_vec() })
    }

    /// Creates an address lookup table of `addresses`, owned and paid by `authority`, and waits
    /// until it can be used (the slot after its last extension). A pool operator makes one of
    /// [`claim_lookup_addresses`] for the pool's claimants.
    pub async fn create_lookup_table(&self, authority: &Keypair, addresses: &[Pubkey]) -> Result<AddressLookupTableAccount, SdkError> {
        use solana_address_lookup_table_interface::instruction::{create_lookup_table, extend_lookup_table};
        // The table's address derives from a recent slot, which must be in the SlotHashes of the
        // bank that runs the creation: not the slot read (its own bank, where the preflight
        // simulation runs, does not list itself) and not a skipped one, so the slots just before
        // it are tried in turn.
        let slot = self.chain.clock().await?.slot;
        let mut back = 1;
        let address = loop {
            let (create, address) = create_lookup_table(authority.pubkey(), authority.pubkey(), slot.saturating_sub(back));
            match self.send_through(&[create], authority, &[], &[]).await {
                Ok(_) => break address,
                Err(SdkError::Transaction(TransactionError::InstructionError(0, InstructionError::InvalidInstructionData)))
                    if back < LOOKUP_TABLE_SLOT_TRIES => back += 1,
                Err(other) => return Err(other),
            }
        };
        for chunk in addresses.chunks(LOOKUP_TABLE_EXTEND_CHUNK) {
            let extend = extend_lookup_table(address, authority.pubkey(), Some(authority.pubkey()), chunk.to_vec());
            self.send_through(&[extend], authority, &[], &[]).await?;
        }
        let extended_at = self.chain.clock().await?.slot;
        while self.chain.clock().await?.slot <= extended_at {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        self.lookup_table(&address).await
    }

    /// The token amount an SPL Token or Token-2022 account holds; 0 when it does not exist.
    pub async fn token_amount(&self, account: &Pubkey) -> Result<u64, SdkError> {
        use anchor_spl::token_2022::spl_token_2022::{extension::StateWithExtensions, state::Account};
        let Some(data) = self.chain.get_account(account).await?.map(|a| a.data) else { return Ok(0) };
        StateWithExtensions::<Account>::unpack(&data)
            .map(|a| a.base.amount)
            .map_err(|e| SdkError::AccountDecode { address: *account, expected: "token account", reason: e.to_string() })
    }

    /// The pool at `pool`.
    pub async fn pool(&self, pool: &Pubkey) -> Result<Pool, SdkError> {
        self.account(pool).await
    }

    /// What has been paid for `asset` from `pool`; `None` before its first claim.
    pub async fn claim_record(&self, pool: &Pubkey, asset: &Pubkey) -> Result<Option<ClaimRecord>, SdkError> {
        self.optional_account(&reward_pool::claim_record_address(pool, asset)).await
    }

    /// The device whose cNFT is `asset`: its DeviceInfo address and account.
    pub async fn device_by_asset(&self, asset: &Pubkey) -> Result<(Pubkey, DeviceInfo), SdkError> {
        let found = self.chain.get_program_accounts(&device_registry::ID, &device_registry::device_by_asset_filters(asset)).await?;
        let (address, account) = found.into_iter().next().ok_or(SdkError::UnknownDevice(*asset))?;
        Ok((address, decode_account(&address, &account)?))
    }

    /// The devices of `network` whose cNFT `owner` holds now, as `index` sees them, by asset.
    pub async fn devices_of(&self, network: &Pubkey, owner: &Pubkey, index: &impl OwnershipSource) -> Result<Vec<(Pubkey, DeviceInfo)>, SdkError> {
        let accounts = self.chain.get_program_accounts(&device_registry::ID, &device_registry::network_devices_filters(network)).await?;
        let mut mine = Vec::new();
        for (address, account) in accounts {
            let device: DeviceInfo = decode_account(&address, &account)?;
            if index.asset_proof(&device).await?.owner == *owner {
                mine.push((address, device));
            }
        }
        mine.sort_by_key(|(_, device)| device.asset);
        Ok(mine)
    }

    /// Proves that `owner` owns the device cNFT `asset` now, with the leaf's path from `source`:
    /// the path is checked to be the device's tree's, its owner to be `owner`, and the levels the
    /// tree's canopy holds are dropped.
    pub async fn prove_ownership(&self, owner: &Pubkey, asset: &Pubkey, source: &impl OwnershipSource) -> Result<DeviceOwnership, SdkError> {
        let (address, device) = self.device_by_asset(asset).await?;
        let seen = source.asset_proof(&device).await?;
        if seen.tree != device.tree {
            return Err(SdkError::AssetIndex(OwnershipSourceError::Unexpected(format!(
                "the index puts asset {asset} in tree {}, the registry in {}",
                seen.tree, device.tree
            ))));
        }
        if seen.owner != *owner {
            return Err(SdkError::NotDeviceOwner { asset: *asset, owner: seen.owner });
        }
        let tree = self.chain.get_account(&device.tree).await?.ok_or(SdkError::AccountNotFound(device.tree))?;
        let (depth, canopy) = tree_depths(&tree.data).ok_or(SdkError::AccountDecode {
            address: device.tree,
            expected: "concurrent merkle tree",
            reason: format!("{} bytes do not hold a tree and a canopy", tree.data.len()),
        })?;
        if seen.path.len() != depth {
            return Err(SdkError::AssetIndex(OwnershipSourceError::Unexpected(format!(
                "a path of {} nodes for a tree of depth {depth}",
                seen.path.len()
            ))));
        }
        let delegate = (seen.delegate != seen.owner).then_some(seen.delegate);
        let nodes = seen.path[..depth - canopy].to_vec();
        Ok(DeviceOwnership { address, device, owner: *owner, proof: OwnershipProof { root: seen.root, delegate }, nodes })
    }

    /// Works out the claim of `leaf` from `pool` for the device's owner, as `ownership` proves:
    /// checks the reward proof against the active root and that something is owed, so a claim
    /// that would be refused costs no fee; picks the destination the owner set or their
    /// associated token account (created in the same transaction when missing).
    pub async fn prepare_claim(&self, payer: &Pubkey, pool_address: &Pubkey, leaf: &RewardLeaf, ownership: &DeviceOwnership) -> Result<PreparedClaim, SdkError> {
        let RewardLeaf { asset, cumulative_amount, .. } = *leaf;
        let owner = ownership_owner(ownership, leaf)?;
        let pool = self.pool(pool_address).await?;
        let hash = fieldproof_merkle::leaf_hash(&asset.to_bytes(), cumulative_amount);
        if !fieldproof_merkle::verify(&pool.active.root, hash, &leaf.proof) {
            return Err(SdkError::InvalidProof { asset, cumulative_amount });
        }
        let record = self.claim_record(pool_address, &asset).await?;
        let claimed = record.as_ref().map_or(0, |r| r.claimed);
        let amount = cumulative_amount.saturating_sub(claimed);
        if amount == 0 {
            return Err(SdkError::NothingToClaim { asset, cumulative_amount, claimed });
        }
        let token_program = self.chain.get_account(&pool.mint).await?.ok_or(SdkError::AccountNotFound(pool.mint))?.owner;
        let mut instructions = Vec::new();
        let recipient = match record.as_ref().and_then(|r| r.destination_of(&owner)) {
            Some(destination) => destination,
            None => {
                let ata = get_associated_token_address_with_program_id(&owner, &pool.mint, &token_program);
                if self.chain.get_account(&ata).await?.is_none() {
                    instructions.push(create_associated_token_account_idempotent(payer, &owner, &pool.mint, &token_program));
                }
                ata
            }
        };
        instructions.push(reward_pool::claim(
            ClaimAccounts { payer: *payer, owner, pool: *pool_address, mint: pool.mint, recipient, token_program },
            ownership,
            cumulative_amount,
            leaf.proof.clone(),
        ));
        Ok(PreparedClaim { instructions, amount, recipient })
    }

    /// Claims `leaf`'s reward from `pool` for `owner`, who must own the device cNFT now (proven
    /// with `source`), paid by `payer`. Returns what was paid and the transaction's signature.
    pub async fn claim(
        &self,
        payer: &Keypair,
        owner: &Keypair,
        pool: &Pubkey,
        leaf: &RewardLeaf,
        source: &impl OwnershipSource,
    ) -> Result<(u64, Signature), SdkError> {
        let ownership = self.prove_ownership(&owner.pubkey(), &leaf.asset, source).await?;
        let prepared = self.prepare_claim(&payer.pubkey(), pool, leaf, &ownership).await?;
        let signature = self.send(&prepared.instructions, payer, &[owner]).await?;
        Ok((prepared.amount, signature))
    }

    /// Makes the future claims of the device cNFT `asset` from `pool` pay `destination` (a token
    /// account of the pool's mint) while `owner` owns it; `Pubkey::default()` undoes it.
    pub async fn set_destination(
        &self,
        payer: &Keypair,
        owner: &Keypair,
        pool: &Pubkey,
        asset: &Pubkey,
        destination: Pubkey,
        source: &impl OwnershipSource,
    ) -> Result<Signature, SdkError> {
        let ownership = self.prove_ownership(&owner.pubkey(), asset, source).await?;
        let ix = reward_pool::set_destination(&payer.pubkey(), &owner.pubkey(), pool, &ownership, destination);
        self.send(&[ix], payer, &[owner]).await
    }

    /// `owner` (proven with `source`) gives the device cNFT `asset` to `to`, `payer` paying the
    /// fee; its future claims pay `to`.
    pub async fn transfer_device(&self, payer: &Keypair, owner: &Keypair, asset: &Pubkey, to: &Pubkey, source: &impl OwnershipSource) -> Result<Signature, SdkError> {
        let ownership = self.prove_ownership(&owner.pubkey(), asset, source).await?;
        self.send(&[device_registry::transfer_device(&ownership, to)], payer, &[owner]).await
    }

    /// `payer` buys DC for `owner`: burns `network_amount` base units of the network token from
    /// its associated token account, at the price in `price_account` (the configuration's price
    /// source), creating `owner`'s DC account first when it has none.
    pub async fn buy_data_credits(&self, payer: &Keypair, dc_config: &Pubkey, owner: &Pubkey, network_amount: u64, price_account: Pubkey) -> Result<Signature, SdkError> {
        let config: DataCreditsConfig = self.account(dc_config).await?;
        let mint = self.chain.get_account(&config.network_mint).await?.ok_or(SdkError::AccountNotFound(config.network_mint))?;
        let accounts = MintDataCreditsAccounts {
            payer: payer.pubkey(),
            network_mint: config.network_mint,
            network_token_program: mint.owner,
            price_account,
            source: get_associated_token_address_with_program_id(&payer.pubkey(), &config.network_mint, &mint.owner),
            recipient: data_credits::dc_account_address(owner, &config.dc_mint),
        };
        let create = create_associated_token_account_idempotent(&payer.pubkey(), owner, &config.dc_mint, &data_credits::DC_TOKEN_PROGRAM);
        self.send(&[create, data_credits::mint_data_credits(accounts, network_amount)], payer, &[]).await
    }

    /// The accounts that burn one of `network`'s fees, booked under the DC epoch now.
    async fn dc_fee(&self, network: &NetworkConfig) -> Result<device_registry::DcFee, SdkError> {
        let dc: DataCreditsConfig = self.account(&network.dc_config).await?;
        let now = self.chain.clock().await?.unix_timestamp;
        // Before DC epoch 0 starts there is no epoch to book the burn under, and the program
        // refuses by name (EpochNotStarted), so any epoch number does to get that answer.
        let epoch = dc.epoch_at(now).unwrap_or(0);
        Ok(device_registry::DcFee { dc_config: network.dc_config, dc_mint: network.dc_mint, epoch })
    }

    /// Sends the instructions `build` makes for a transaction that burns one of `network`'s fees,
    /// booked under the DC epoch now. A transaction that reaches the chain after the epoch turned
    /// is refused by data-credits (`EpochMismatch`, or `WrongEpochBurns` for the totals account
    /// of the epoch before) and changed nothing, so it is built again for the new epoch and sent
    /// again, at most [`EPOCH_TURN_RESENDS`] times.
    async fn send_burning_fee(
        &self,
        network: &NetworkConfig,
        payer: &Keypair,
        signers: &[&Keypair],
        build: impl Fn(device_registry::DcFee) -> Vec<Instruction>,
    ) -> Result<Signature, SdkError> {
        let mut resends = 0;
        loop {
            let fee = self.dc_fee(network).await?;
            match self.send(&build(fee), payer, signers).await {
                Err(SdkError::Program { error, .. })
                    if resends < EPOCH_TURN_RESENDS && error.program == "data_credits" && matches!(error.name, "EpochMismatch" | "WrongEpochBurns") =>
                {
                    resends += 1
                }
                result => return result,
            }
        }
    }

    /// Issues the device `args.device_key` of maker `maker_id` to `owner` as a cNFT in
    /// `network`'s active tree, under the device's and the maker's `signatures` (see
    /// [`device_registry::sign_onboarding`]); `payer` pays the fees and the onboarding fee from
    /// its DC. Returns the device's DeviceInfo address.
    pub async fn issue_device(
        &self,
        payer: &Keypair,
        network: &Pubkey,
        maker_id: &Pubkey,
        owner: &Pubkey,
        args: device_registry::IssueDeviceArgs,
        signatures: &device_registry::OnboardingSignatures,
    ) -> Result<(Pubkey, Signature), SdkError> {
        let config: NetworkConfig = self.account(network).await?;
        let device = device_registry::device_address(network, &args.device_key);
        let build = |fee| device_registry::issue_device(&payer.pubkey(), network, &config, maker_id, owner, args, signatures, fee).to_vec();
        let signature = self.send_burning_fee(&config, payer, &[], build).await?;
        Ok((device, signature))
    }

    /// The device cNFT `asset`'s current `owner` (proven with `source`) asserts where the device
    /// stands; the network's location fee is burned from the owner's DC, `payer` pays the fees.
    pub async fn assert_location(
        &self,
        payer: &Keypair,
        owner: &Keypair,
        asset: &Pubkey,
        location: Location,
        source: &impl OwnershipSource,
    ) -> Result<Signature, SdkError> {
        let ownership = self.prove_ownership(&owner.pubkey(), asset, source).await?;
        let network: NetworkConfig = self.account(&ownership.device.network).await?;
        let args = AssertLocationArgs { h3_cell: location.h3_cell, elevation: location.elevation, gain: location.gain, ownership: ownership.proof };
        let build = |fee| vec![device_registry::assert_location(&payer.pubkey(), &owner.pubkey(), &ownership.device, args, &ownership.nodes, fee)];
        self.send_burning_fee(&network, payer, &[owner], build).await
    }

    /// Packs instruction groups (each sent whole, in order) into as few transactions as fit
    /// [`MAX_TRANSACTION_BYTES`] with the send options' compute-budget instructions in front.
    /// A group that does not fit a transaction on its own is [`SdkError::TransactionTooLarge`].
    pub fn pack(&self, groups: Vec<Vec<Instruction>>, payer: &Pubkey) -> Result<Vec<Vec<Instruction>>, SdkError> {
        let budget = self.options.compute_budget_instructions();
        let fits = |instructions: &[Instruction]| {
            let all: Vec<Instruction> = budget.iter().chain(instructions).cloned().collect();
            versioned_transaction_size(&all, payer, &self.lookup_tables).unwrap_or(usize::MAX)
        };
        let mut batches: Vec<Vec<Instruction>> = Vec::new();
        let mut current: Vec<Instruction> = Vec::new();
        for group in groups {
            let alone = fits(&group);
            if alone > MAX_TRANSACTION_BYTES {
                return Err(SdkError::TransactionTooLarge { bytes: alone, max: MAX_TRANSACTION_BYTES });
            }
            let joined: Vec<Instruction> = current.iter().chain(&group).cloned().collect();
            if fits(&joined) <= MAX_TRANSACTION_BYTES {
                current = joined;
            } else {
                batches.push(std::mem::replace(&mut current, group));
            }
        }
        if !current.is_empty() {
            batches.push(current);
        }
        Ok(batches)
    }

    /// Works out the claims of every leaf of `leaves` from `pool` for `owner`, whose ownership of
    /// each device `source` proves, packed into as few transactions as the size limit allows,
    /// without sending anything. Leaves already paid in full are listed apart; any other problem
    /// with a leaf (a wrong proof, a device `owner` does not own) is an error.
    pub async fn plan_claims(
        &self,
        payer: &Pubkey,
        owner: &Pubkey,
        pool: &Pubkey,
        leaves: &[RewardLeaf],
        source: &impl OwnershipSource,
    ) -> Result<ClaimPlan, SdkError> {
        let mut plan = ClaimPlan::default();
        let mut groups = Vec::new();
        let mut creates_account = false;
        for leaf in leaves {
            let ownership = self.prove_ownership(owner, &leaf.asset, source).await?;
            match self.prepare_claim(payer, pool, leaf, &ownership).await {
                Ok(mut prepared) => {
                    // Every preparation sees the owner's token account missing; create it once,
                    // as a group of its own, so that packing may send it apart from the claim
                    // when both do not fit one transaction.
                    let claim = prepared.instructions.split_off(prepared.instructions.len() - 1);
                    if !prepared.instructions.is_empty() && !creates_account {
                        groups.push(prepared.instructions);
                        creates_account = true;
                    }
                    plan.paid = plan.paid.saturating_add(prepared.amount);
                    plan.claimed.push(leaf.asset);
                    groups.push(claim);
                }
                Err(SdkError::NothingToClaim { asset, .. }) => plan.nothing_to_claim.push(asset),
                Err(other) => return Err(other),
            }
        }
        plan.transactions = self.pack(groups, payer)?;
        Ok(plan)
    }

    /// Claims every leaf of `leaves` from `pool` for `owner` (see [`plan_claims`](Self::plan_claims)):
    /// the planned transactions are sent in order; a failure stops at that transaction, and
    /// the ones before it stay landed.
    pub async fn claim_all(
        &self,
        payer: &Keypair,
        owner: &Keypair,
        pool: &Pubkey,
        leaves: &[RewardLeaf],
        source: &impl OwnershipSource,
    ) -> Result<ClaimAllSummary, SdkError> {
        let plan = self.plan_claims(&payer.pubkey(), &owner.pubkey(), pool, leaves, source).await?;
        let mut summary = ClaimAllSummary { paid: plan.paid, claimed: plan.claimed, nothing_to_claim: plan.nothing_to_claim, transactions: Vec::new() };
        for batch in &plan.transactions {
            summary.transactions.push(self.send(batch, payer, &[owner]).await?);
        }
        Ok(summary)
    }

    /// Posts a root to `pool` with the oracles' `signatures` over its message (see
    /// [`reward_pool::sign_root`]), paid by `payer`.
    pub async fn post_root(&self, payer: &Keypair, pool: &Pubkey, args: PostRootArgs, signatures: &[OracleSignature]) -> Result<Signature, SdkError> {
        self.send(&reward_pool::post_root_with_signatures(pool, args, signatures), payer, &[]).await
    }
}

/// The message of `instructions` paid by `payer`: version 0 through `lookup_tables` when there
/// are any, legacy otherwise.
fn compile(instructions: &[Instruction], payer: &Pubkey, lookup_tables: &[AddressLookupTableAccount], blockhash: Hash) -> Result<VersionedMessage, SdkError> {
    if lookup_tables.is_empty() {
        return Ok(VersionedMessage::Legacy(solana_message::Message::new_with_blockhash(instructions, Some(payer), &blockhash)));
    }
    let message = v0::Message::try_compile(payer, instructions, lookup_tables, blockhash)
        .map_err(|e| SdkError::Signing(format!("cannot compile a version-0 message: {e}")))?;
    Ok(VersionedMessage::V0(message))
}

/// The owner `ownership` proves, which must be for `leaf`'s asset.
fn ownership_owner(ownership: &DeviceOwnership, leaf: &RewardLeaf) -> Result<Pubkey, SdkError> {
    if ownership.device.asset != leaf.asset {
        return Err(SdkError::WrongDevice { leaf: leaf.asset, device: ownership.device.asset });
    }
    Ok(ownership.owner)
}

/// Recent slots tried for a lookup table's address (see [`Client::create_lookup_table`]).
const LOOKUP_TABLE_SLOT_TRIES: u64 = 4;

/// Addresses per `extend_lookup_table` instruction: 20 keep each well inside a transaction.
const LOOKUP_TABLE_EXTEND_CHUNK: usize = 20;

/// The accounts every claim from `pool` shares, for a lookup table its claimants send through:
/// the pool, its vault and mint, the mint's token program, the system program, account
/// compression and the device trees. (Programs a transaction calls directly cannot come from a
/// lookup table, so the reward-pool program is not among them.)
pub fn claim_lookup_addresses(pool_address: &Pubkey, pool: &Pool, token_program: &Pubkey, trees: &[Pubkey]) -> Vec<Pubkey> {
    let mut addresses = vec![
        *pool_address,
        pool.vault,
        pool.mint,
        *token_program,
        solana_sdk_ids::system_program::ID,
        device_registry::SPL_ACCOUNT_COMPRESSION_ID,
    ];
    addresses.extend_from_slice(trees);
    addresses
}

/// Names a Fieldproof program's custom error; other failures stay as they are. A custom code
/// belongs to the program that failed first in the log (the deepest in a CPI chain): a code an
/// inner program (account compression, say) returned must not be read in the table of the
/// instruction's own program. Without logs, the instruction's program is taken to have failed.
fn named_error(error: TransactionError, logs: &[String], instructions: &[Instruction]) -> SdkError {
    if let TransactionError::InstructionError(index, InstructionError::Custom(code)) = &error {
        let top_level = instructions.get(usize::from(*index)).map(|ix| ix.program_id);
        let program = if logs.is_empty() { top_level } else { first_failed_program(logs) };
        if let Some(name) = program.and_then(|p| program_error_name(&p, *code)) {
            return SdkError::Program { instruction: *index, error: name };
        }
    }
    SdkError::Transaction(error)
}

/// The program of the first `Program <id> failed: custom program error` line.
fn first_failed_program(logs: &[String]) -> Option<Pubkey> {
    logs.iter().find_map(|line| {
        let (id, _) = line.strip_prefix("Program ")?.split_once(" failed: custom program error")?;
        id.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use solana_instruction_error::InstructionError;

    use super::*;

    fn custom(code: u32) -> TransactionError {
        TransactionError::InstructionError(0, InstructionError::Custom(code))
    }

    fn registry_instruction() -> Vec<Instruction> {
        vec![Instruction { program_id: device_registry::ID, accounts: vec![], data: vec![] }]
    }

    #[test]
    fn a_code_is_named_in_the_table_of_the_program_that_failed() {
        let registry = device_registry::ID;
        let compression = device_registry::SPL_ACCOUNT_COMPRESSION_ID;
        // A refusal of account compression's, inside the registry's CPI: 6001 is not the
        // registry's NotPendingHolder.
        let logs = vec![
            format!("Program {registry} invoke [1]"),
            format!("Program {compression} invoke [2]"),
            format!("Program {compression} failed: custom program error: 0x1771"),
            format!("Program {registry} failed: custom program error: 0x1771"),
        ];
        assert!(matches!(named_error(custom(6001), &logs, &registry_instruction()), SdkError::Transaction(_)));

        let logs = vec![format!("Program {registry} invoke [1]"), format!("Program {registry} failed: custom program error: 0x1771")];
        match named_error(custom(6001), &logs, &registry_instruction()) {
            SdkError::Program { error, .. } => assert_eq!((error.program, error.name), ("device_registry", "NotPendingHolder")),
            other => panic!("expected a named registry error, got {other:?}"),
        }
        // Without logs the instruction's own program is taken.
        assert!(matches!(named_error(custom(6001), &[], &registry_instruction()), SdkError::Program { .. }));
    }
}
