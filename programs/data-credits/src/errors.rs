use anchor_lang::prelude::*;

#[error_code]
pub enum DataCreditsError {
    #[msg("signer is not the config authority")]
    NotAuthority,
    #[msg("signer is not the config's burn authority")]
    NotBurnAuthority,
    #[msg("no such role change is pending, or the signer is not its proposed holder")]
    NotPendingHolder,
    #[msg("circuit breaker needs a non-zero window and a percent of at most 100%")]
    InvalidBreakerConfig,
    #[msg("circuit breaker tripped: too much DC minted in the current window")]
    CircuitBreakerTripped,
    #[msg("max price staleness must be positive")]
    InvalidStaleness,
    #[msg("epoch length must be positive")]
    InvalidEpochLength,
    #[msg("the price source is malformed")]
    InvalidPriceSource,
    #[msg("the network token mint is not the config's")]
    WrongNetworkMint,
    #[msg("the DC mint is not the config's")]
    WrongDcMint,
    #[msg("the first burn epoch has not started yet")]
    EpochNotStarted,
    #[msg("the epoch named by the instruction is not the current epoch")]
    EpochMismatch,
    #[msg("the price account is not the configured price source")]
    WrongPriceAccount,
    #[msg("the Pyth price account is not owned by the Pyth receiver program")]
    PriceAccountNotPyth,
    #[msg("the price account is not a PriceUpdateV2 account")]
    MalformedPriceAccount,
    #[msg("the Pyth price update is only partially verified")]
    PriceNotFullyVerified,
    #[msg("the Pyth price update is for another feed")]
    WrongPriceFeed,
    #[msg("the price is older than the staleness limit")]
    StalePrice,
    #[msg("the conservative price (price minus confidence) is not positive")]
    NonPositivePrice,
    #[msg("price exponent is out of range")]
    PriceExponentOutOfRange,
    #[msg("fewer fresh oracle submissions than the quorum needs")]
    NotEnoughFreshPrices,
    #[msg("submitters must be 1 to 10 distinct keys and min submissions between 1 and their count")]
    InvalidSubmitterSet,
    #[msg("signer is not one of the price oracle's submitters")]
    NotSubmitter,
    #[msg("amount must be positive")]
    ZeroAmount,
    #[msg("the amount buys less than one DC at the current price")]
    ZeroDataCredits,
    #[msg("the token account is not owned by the signer")]
    WrongTokenOwner,
    #[msg("burn exceeds the DC held in the escrow")]
    InsufficientEscrow,
    #[msg("usage category must be below 4")]
    InvalidCategory,
    #[msg("arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("the signer is not the network token's mint authority")]
    NotMintAuthority,
    #[msg("a time lock must be between 1 second and 30 days")]
    InvalidTimeLock,
    #[msg("the time lock can only be raised")]
    TimeLockNotRaised,
    #[msg("the guardian and the authority must be different keys")]
    GuardianIsAuthority,
    #[msg("signer is neither the config's guardian nor its authority")]
    NotAuthorityOrGuardian,
    #[msg("the DC breaker's base is the DC supply, which starts at zero: its threshold must be absolute")]
    BreakerNeedsAbsoluteThreshold,
    #[msg("this change loosens the price source, the staleness limit or the breaker: propose it through the time lock")]
    ChangeLoosensSafety,
    #[msg("there is no such pending change")]
    NoPendingChange,
    #[msg("the pending change's time lock has not elapsed")]
    TimeLockNotElapsed,
    #[msg("no withdrawal was requested, or its notice has not passed")]
    WithdrawalNotDue,
    #[msg("the epoch's burn totals are another epoch's or config's, or not at their address")]
    WrongEpochBurns,
}
