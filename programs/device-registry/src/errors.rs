use anchor_lang::prelude::*;

#[error_code]
pub enum RegistryError {
    #[msg("signer is not the network authority")]
    NotAuthority,
    #[msg("no such role change is pending, or the signer is not its proposed holder")]
    NotPendingHolder,
    #[msg("the DC mint is not the network's")]
    WrongDcMint,
    #[msg("metadata URI is longer than 200 bytes")]
    UriTooLong,
    #[msg("the account is not Bubblegum's tree config of this tree")]
    WrongTreeConfig,
    #[msg("the network PDA is not the tree's delegate")]
    NotTreeDelegate,
    #[msg("the tree is not the network's active tree")]
    NotActiveTree,
    #[msg("the network has no active tree yet")]
    NoActiveTree,
    #[msg("the tree is not the device's tree")]
    WrongTree,
    #[msg("the merkle tree is not owned by an account-compression program")]
    WrongTreeOwner,
    #[msg("this device key is already registered")]
    DeviceAlreadyRegistered,
    #[msg("the maker has been revoked")]
    MakerRevoked,
    #[msg("the maker's issuance quota is used up")]
    QuotaExhausted,
    #[msg("the instruction before issue_device is not an Ed25519 precompile check")]
    MissingSignatures,
    #[msg("the Ed25519 precompile instruction is malformed or refers to another instruction")]
    MalformedSignatureInstruction,
    #[msg("the device key did not sign this onboarding message")]
    MissingDeviceSignature,
    #[msg("the maker's attestation key did not sign this onboarding message")]
    MissingMakerSignature,
    #[msg("the fee payer holds fewer data credits than the fee")]
    InsufficientDataCredits,
    #[msg("the device is inactive")]
    DeviceInactive,
    #[msg("the device already has this status")]
    StatusUnchanged,
    #[msg("not a valid H3 cell index")]
    InvalidH3Cell,
    #[msg("elevation out of range")]
    InvalidElevation,
    #[msg("antenna gain out of range")]
    InvalidGain,
    #[msg("more proof nodes than the tree is deep")]
    ProofTooLong,
    #[msg("arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("signer is not the data-credits config's authority")]
    NotDcAuthority,
    #[msg("the data-credits config is not the network's")]
    WrongDcConfig,
    #[msg("the device account is not at the address of the device key in this network")]
    WrongDeviceAddress,
    #[msg("no change of this role is pending")]
    NoPendingRole,
}
