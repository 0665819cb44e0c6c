use anchor_lang::prelude::*;

#[error_code]
pub enum TreasuryError {
    #[msg("schedule needs a positive epoch length and a representable first epoch end")]
    InvalidSchedule,
    #[msg("recipients must be 1 to 8 distinct token accounts with a total weight above zero and known categories")]
    InvalidRecipients,
    #[msg("usage share must be at most 10000 basis points")]
    InvalidUsageShare,
    #[msg("time lock must not be negative")]
    InvalidTimeLock,
    #[msg("circuit breaker needs a non-zero window and a percent of at most 100%")]
    InvalidBreakerConfig,
    #[msg("the token program is not the one that owns the treasury's mint")]
    WrongTokenProgram,
    #[msg("the signer is not the mint's current mint authority")]
    NotMintAuthority,
    #[msg("signer is not the treasury authority")]
    NotAuthority,
    #[msg("no authority change is pending, or the signer is not the proposed authority")]
    NotPendingAuthority,
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
}
