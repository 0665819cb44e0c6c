use anchor_lang::prelude::*;

#[error_code]
pub enum TreasuryError {
    #[msg("schedule needs a positive epoch length and a representable first epoch end")]
    InvalidSchedule,
    #[msg("recipients must be 1 to 8 distinct token accounts with a total weight above zero and known categories")]
    InvalidRecipients,
    #[msg("usage share must be at most 10000 basis points")]
    InvalidUsageShare,
    #[msg("time lock must be between 1 second and 30 days")]
    InvalidTimeLock,
    #[msg("circuit breaker needs a non-zero window and a percent of at most 100%")]
    InvalidBreakerConfig,
    #[msg("the token program is not the one that owns the treasury's mint")]
    WrongTokenProgram,
    #[msg("the signer is not the mint's current mint authority")]
    NotMintAuthority,
    #[msg("signer is not the treasury authority")]
    NotAuthority,
    #[msg("no such role change is pending, or the signer is not its proposed holder")]
    NotPendingHolder,
    #[msg("this epoch has already been emitted")]
    EpochAlreadyEmitted,
    #[msg("epochs are emitted in order: an earlier epoch has not been emitted yet")]
    EpochOutOfOrder,
    #[msg("the epoch is not over yet")]
    EpochNotEnded,
    #[msg("the usage share is above zero, so the epoch's DC burns account must be passed")]
    MissingEpochBurns,
    #[msg("the account is not the data-credits burns of this epoch under the treasury's DC config")]
    WrongEpochBurns,
    #[msg("the number of recipient token accounts does not match the recipients")]
    RecipientCountMismatch,
    #[msg("a recipient token account is not the stored one at its position")]
    WrongRecipientAccount,
    #[msg("a recipient account is not a token account of the mint's token program")]
    RecipientNotTokenAccount,
    #[msg("a recipient token account holds another mint")]
    RecipientWrongMint,
    #[msg("a recipient token account is passed read-only")]
    RecipientNotWritable,
    #[msg("circuit breaker tripped: too much was emitted in the current window")]
    CircuitBreakerTripped,
    #[msg("a parameter change is already pending; cancel it first")]
    ChangeAlreadyPending,
    #[msg("there is no pending parameter change")]
    NoPendingChange,
    #[msg("the pending parameter change's time lock has not elapsed")]
    TimeLockNotElapsed,
    #[msg("arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("the treasury's breaker is on the supply, which may be zero: its threshold must be absolute")]
    BreakerNeedsAbsoluteThreshold,
    #[msg("the breaker lets out less than one epoch's emission, or less than the schedule emits per window")]
    BreakerBelowEmission,
    #[msg("the time lock can only be raised")]
    TimeLockDecreased,
    #[msg("the data-credits config is not the one the parameters name, or is for another token")]
    WrongDcConfig,
    #[msg("the data-credits burn epochs are not the treasury's epochs (start and length)")]
    ScheduleMismatch,
    #[msg("the guardian and the authority must be different keys")]
    GuardianIsAuthority,
    #[msg("signer is neither the treasury's guardian nor its authority")]
    NotAuthorityOrGuardian,
    #[msg("no change of this role is pending")]
    NoPendingRole,
}
