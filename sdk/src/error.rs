//! The SDK's error type.
use anchor_lang::prelude::Pubkey;
use solana_transaction_error::TransactionError;

use crate::chain::ChainError;
use crate::ownership::OwnershipSourceError;
use crate::program_errors::ProgramErrorName;

/// Everything an SDK call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// Reading or writing the chain failed below the programs (transport, expiry, bad answer).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A Fieldproof program refused an instruction with one of its named errors.
    #[error("{}::{} (error {}) in instruction {instruction}: {}", .error.program, .error.name, .error.code, .error.message)]
    Program {
        /// Index of the refused instruction in the transaction.
        instruction: u8,
        /// The program's name for the error.
        error: ProgramErrorName,
    },
    /// The transaction failed for a reason that is not a Fieldproof program error.
    #[error("transaction failed: {0}")]
    Transaction(TransactionError),
    /// An account that must exist does not.
    #[error("account {0} does not exist")]
    AccountNotFound(Pubkey),
    /// An account is owned by another program than the one its type belongs to.
    #[error("account {address} is owned by {owner}, expected {expected}")]
    WrongAccountOwner {
        /// The account.
        address: Pubkey,
        /// Its owner.
        owner: Pubkey,
        /// The program whose account type was asked for.
        expected: Pubkey,
    },
    /// An account's data is not the type asked for (wrong discriminator or layout).
    #[error("account {address} is not a {expected}: {reason}")]
    AccountDecode {
        /// The account.
        address: Pubkey,
        /// The type asked for.
        expected: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// Signing the transaction failed (a required signer is missing).
    #[error("signing failed: {0}")]
    Signing(String),
    /// A group of instructions that must be sent together does not fit one transaction.
    #[error("the transaction would be {bytes} bytes, more than the {max}-byte limit")]
    TransactionTooLarge {
        /// Serialized size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The reward proof does not lead from the leaf to the pool's active root.
    #[error("the proof of asset {asset} for {cumulative_amount} does not match the pool's active root")]
    InvalidProof {
        /// The asset claimed for.
        asset: Pubkey,
        /// The cumulative amount claimed.
        cumulative_amount: u64,
    },
    /// No device of the registry is the cNFT `asset`.
    #[error("no registered device is the cNFT {0}")]
    UnknownDevice(Pubkey),
    /// The signer does not own the device cNFT now.
    #[error("asset {asset} is owned by {owner}, not by the signer")]
    NotDeviceOwner {
        /// The device's asset.
        asset: Pubkey,
        /// Its owner now.
        owner: Pubkey,
    },
    /// An ownership proof of one device was given for another's reward leaf.
    #[error("the reward leaf is for asset {leaf}, the ownership proof for {device}")]
    WrongDevice {
        /// The leaf's asset.
        leaf: Pubkey,
        /// The proof's.
        device: Pubkey,
    },
    /// The asset index could not serve the device's ownership proof.
    #[error(transparent)]
    AssetIndex(#[from] OwnershipSourceError),
    /// Everything the leaf grants has already been paid.
    #[error("nothing to claim for asset {asset}: {claimed} of {cumulative_amount} already paid")]
    NothingToClaim {
        /// The asset claimed for.
        asset: Pubkey,
        /// The cumulative amount of the leaf.
        cumulative_amount: u64,
        /// What has been paid so far.
        claimed: u64,
    },
}
