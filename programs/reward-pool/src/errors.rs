use anchor_lang::prelude::*;

#[error_code]
pub enum RewardPoolError {
    #[msg("oracle set must have at most 10 distinct non-default keys and a threshold no higher than their count")]
    InvalidOracleSet,
    #[msg("circuit breaker needs a non-zero window and a percent of at most 100%")]
    InvalidBreakerConfig,
    #[msg("dispute window must be between 0 and 7 days")]
    InvalidDisputeWindow,
    #[msg("signer is not the pool authority")]
    NotAuthority,
    #[msg("signer is not the pool guardian")]
    NotGuardian,
    #[msg("signer is neither the pool guardian nor its authority")]
    NotAuthorityOrGuardian,
    #[msg("no such role change is pending, or the signer is not its proposed holder")]
    NotPendingHolder,
    #[msg("the posted config version is not the pool's current one")]
    ConfigVersionMismatch,
    #[msg("the root message has expired")]
    RootMessageExpired,
    #[msg("epoch must be greater than the last posted epoch")]
    EpochNotIncreasing,
    #[msg("cumulative total is below the previous root's total")]
    TotalDecreased,
    #[msg("cumulative total exceeds what the pool has been funded with")]
    TotalExceedsFunding,
    #[msg("the preceding instruction is not an Ed25519 precompile check")]
    MissingSignatures,
    #[msg("the Ed25519 precompile instruction is malformed or refers to another instruction")]
    MalformedSignatureInstruction,
    #[msg("a signature is over other bytes than this root message")]
    SignedMessageMismatch,
    #[msg("a signature is by a key outside the oracle set")]
    UnknownOracle,
    #[msg("the same oracle signed twice")]
    DuplicateOracleSignature,
    #[msg("fewer distinct oracle signatures than the threshold")]
    InsufficientSignatures,
    #[msg("there is no pending root")]
    NoPendingRoot,
    #[msg("the pending root is still in its dispute window")]
    DisputeWindowOpen,
    #[msg("the pool has no active root yet")]
    NoActiveRoot,
    #[msg("merkle proof is longer than 32 hashes")]
    ProofTooLong,
    #[msg("merkle proof does not lead to the active root")]
    InvalidProof,
    #[msg("nothing to claim: the cumulative amount is already paid")]
    NothingToClaim,
    #[msg("claim would pay out more than the active root's total")]
    ExceedsRootTotal,
    #[msg("circuit breaker tripped: too much left the vault in the current window")]
    CircuitBreakerTripped,
    #[msg("the recipient token account is not the owner's or the set destination")]
    WrongRecipient,
    #[msg("there is no pending oracle set")]
    NoPendingOracleSet,
    #[msg("the pending oracle set's time lock has not elapsed")]
    OracleSetTimeLocked,
    #[msg("arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("the merkle tree is not the device's tree")]
    WrongTree,
    #[msg("the merkle tree is not owned by an account-compression program, or another program was passed")]
    WrongTreeOwner,
    #[msg("more ownership proof nodes than the tree is deep")]
    OwnershipProofTooLong,
    #[msg("an oracle threshold must be at least 2 and a strict majority of the set")]
    OracleThresholdTooLow,
    #[msg("a time lock must be between 1 second and 30 days")]
    InvalidTimeLock,
    #[msg("the time lock can only be raised")]
    TimeLockNotRaised,
    #[msg("the guardian and the authority must be different keys")]
    GuardianIsAuthority,
    #[msg("signer is not the device network's authority")]
    NotNetworkAuthority,
    #[msg("the data-credits config is not the device network's")]
    WrongDcConfig,
    #[msg("the pool's mint is not the device network's token")]
    WrongNetworkMint,
    #[msg("the device belongs to another network than the pool's")]
    WrongNetwork,
    #[msg("the pending root is still in its dispute window: wait until it can be activated, then post")]
    PendingRootInDisputeWindow,
    #[msg("the epoch is more than 1,000,000 past the newest posted epoch")]
    EpochTooFarAhead,
    #[msg("this change loosens the dispute window or the breaker: propose it through the time lock")]
    ChangeLoosensSafety,
    #[msg("there is no pending configuration change")]
    NoPendingConfig,
    #[msg("the pending change's time lock has not elapsed")]
    TimeLockNotElapsed,
    #[msg("no change of this role is pending")]
    NoPendingRole,
    #[msg("the claim record is not the device's record in this pool, or not at its address")]
    WrongClaimRecord,
    #[msg("the vault is not the pool's")]
    WrongVault,
    #[msg("the mint is not the pool's")]
    WrongMint,
}

/// The reward pool's names for an ownership proof refused before account compression saw it.
pub fn ownership_error(e: device_registry::ownership::OwnershipError) -> Error {
    use device_registry::ownership::OwnershipError;
    match e {
        OwnershipError::WrongTree => RewardPoolError::WrongTree.into(),
        OwnershipError::WrongTreeOwner => RewardPoolError::WrongTreeOwner.into(),
        OwnershipError::ProofTooLong => RewardPoolError::OwnershipProofTooLong.into(),
        OwnershipError::LeafIndexOverflow => RewardPoolError::ArithmeticOverflow.into(),
    }
}
