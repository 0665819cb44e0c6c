//! Names of the programs' error codes, so a failed transaction says `reward_pool::NothingToClaim`
//! instead of `custom program error: 0x178b`.
//!
//! The tables are built from the programs' own `#[error_code]` enums: each table lists every
//! variant and names it through an exhaustive `match`, so a variant added to or removed from a
//! program stops this crate from compiling until the table follows.
use anchor_lang::prelude::Pubkey;

/// A program error code resolved to its name and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramErrorName {
    /// The program that returned the code.
    pub program: &'static str,
    /// The custom error code (Anchor's 6000-based numbering for program errors).
    pub code: u32,
    /// The variant name, e.g. `NothingToClaim`.
    pub name: &'static str,
    /// The program's message for it.
    pub message: String,
}

macro_rules! error_table {
    ($module:ident, $program:literal, $enum:path, [$($variant:ident),+ $(,)?]) => {
        mod $module {
            use $enum as ProgramError;

            pub(super) const ALL: &[ProgramError] = &[$(ProgramError::$variant),+];

            pub(super) fn name(error: ProgramError) -> &'static str {
                match error {
                    $(ProgramError::$variant => stringify!($variant)),+
                }
            }

            pub(super) fn lookup(code: u32) -> Option<super::ProgramErrorName> {
                ALL.iter().find(|e| u32::from(**e) == code).map(|e| super::ProgramErrorName {
                    program: $program,
                    code,
                    name: name(*e),
                    message: e.to_string(),
                })
            }
        }
    };
}

error_table!(reward_pool_errors, "reward_pool", reward_pool::errors::RewardPoolError, [
    InvalidOracleSet, InvalidBreakerConfig, InvalidDisputeWindow, NotAuthority, NotGuardian,
    NotAuthorityOrGuardian, NotPendingHolder, ConfigVersionMismatch, RootMessageExpired,
    EpochNotIncreasing, TotalDecreased, TotalExceedsFunding, MissingSignatures,
    MalformedSignatureInstruction, SignedMessageMismatch, UnknownOracle, DuplicateOracleSignature,
    InsufficientSignatures, NoPendingRoot, DisputeWindowOpen, NoActiveRoot, ProofTooLong,
    InvalidProof, NothingToClaim, ExceedsRootTotal, CircuitBreakerTripped, WrongRecipient,
    NoPendingOracleSet, OracleSetTimeLocked, ArithmeticOverflow, WrongTree, WrongTreeOwner, OwnershipProofTooLong,
    OracleThresholdTooLow, InvalidTimeLock, TimeLockNotRaised, GuardianIsAuthority, NotNetworkAuthority,
    WrongDcConfig, WrongNetworkMint, WrongNetwork, PendingRootInDisputeWindow, EpochTooFarAhead,
    ChangeLoosensSafety, NoPendingConfig, TimeLockNotElapsed, NoPendingRole, WrongClaimRecord, WrongVault, WrongMint,
]);

error_table!(treasury_errors, "treasury", treasury::errors::TreasuryError, [
    InvalidSchedule, InvalidRecipients, InvalidUsageShare, InvalidTimeLock, InvalidBreakerConfig,
    WrongTokenProgram, NotMintAuthority, NotAuthority, NotPendingHolder, EpochAlreadyEmitted,
    EpochOutOfOrder, EpochNotEnded, MissingEpochBurns, WrongEpochBurns, RecipientCountMismatch,
    WrongRecipientAccount, RecipientNotTokenAccount, RecipientWrongMint, RecipientNotWritable,
    CircuitBreakerTripped, ChangeAlreadyPending, NoPendingChange, TimeLockNotElapsed,
    ArithmeticOverflow, BreakerNeedsAbsoluteThreshold, BreakerBelowEmission, TimeLockDecreased,
    WrongDcConfig, ScheduleMismatch, GuardianIsAuthority, NotAuthorityOrGuardian, NoPendingRole,
]);

error_table!(data_credits_errors, "data_credits", data_credits::errors::DataCreditsError, [
    NotAuthority, NotBurnAuthority, NotPendingHolder, InvalidBreakerConfig, CircuitBreakerTripped,
    InvalidStaleness, InvalidEpochLength, InvalidPriceSource, WrongNetworkMint, WrongDcMint,
    EpochNotStarted, EpochMismatch, WrongPriceAccount, PriceAccountNotPyth,
    MalformedPriceAccount, PriceNotFullyVerified, WrongPriceFeed, StalePrice, NonPositivePrice,
    PriceExponentOutOfRange, NotEnoughFreshPrices, InvalidSubmitterSet, NotSubmitter, ZeroAmount,
    ZeroDataCredits, WrongTokenOwner, InsufficientEscrow, InvalidCategory, ArithmeticOverflow,
    NotMintAuthority, InvalidTimeLock, TimeLockNotRaised, GuardianIsAuthority, NotAuthorityOrGuardian,
    BreakerNeedsAbsoluteThreshold, ChangeLoosensSafety, NoPendingChange, TimeLockNotElapsed,
    WithdrawalNotDue, WrongEpochBurns,
]);

error_table!(device_registry_errors, "device_registry", device_registry::errors::RegistryError, [
    NotAuthority, NotPendingHolder, WrongDcMint, UriTooLong, WrongTreeConfig, NotTreeDelegate,
    NotActiveTree, NoActiveTree, WrongTree, WrongTreeOwner, DeviceAlreadyRegistered, MakerRevoked,
    QuotaExhausted, MissingSignatures, MalformedSignatureInstruction, MissingDeviceSignature,
    MissingMakerSignature, InsufficientDataCredits, DeviceInactive, StatusUnchanged, InvalidH3Cell,
    InvalidElevation, InvalidGain, ProofTooLong, ArithmeticOverflow, NotDcAuthority, WrongDcConfig, WrongDeviceAddress, NoPendingRole,
]);

/// Resolves `code` returned by `program` to its name, for the Fieldproof programs' own errors.
/// `None` for other programs and for Anchor's framework codes (below 6000), which the caller
/// shows as numbers.
pub fn program_error_name(program: &Pubkey, code: u32) -> Option<ProgramErrorName> {
    if *program == reward_pool::ID {
        reward_pool_errors::lookup(code)
    } else if *program == treasury::ID {
        treasury_errors::lookup(code)
    } else if *program == data_credits::ID {
        data_credits_errors::lookup(code)
    } else if *program == device_registry::ID {
        device_registry_errors::lookup(code)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_anchor_code_and_name() {
        // Anchor numbers a program's errors from 6000 in declaration order; the table must name
        // each code as the program does.
        for (i, error) in reward_pool_errors::ALL.iter().enumerate() {
            let code = 6000 + i as u32;
            let named = program_error_name(&reward_pool::ID, code).unwrap();
            assert_eq!((named.code, named.name.to_string()), (u32::from(*error), error.name()));
        }
        for (i, error) in treasury_errors::ALL.iter().enumerate() {
            assert_eq!(program_error_name(&treasury::ID, 6000 + i as u32).unwrap().name, error.name());
        }
        for (i, error) in data_credits_errors::ALL.iter().enumerate() {
            assert_eq!(program_error_name(&data_credits::ID, 6000 + i as u32).unwrap().name, error.name());
        }
        for (i, error) in device_registry_errors::ALL.iter().enumerate() {
            assert_eq!(program_error_name(&device_registry::ID, 6000 + i as u32).unwrap().name, error.name());
        }
    }

    #[test]
    fn names_and_messages_come_from_the_programs() {
        let named = program_error_name(&reward_pool::ID, reward_pool::errors::RewardPoolError::NothingToClaim.into()).unwrap();
        assert_eq!((named.program, named.name), ("reward_pool", "NothingToClaim"));
        assert_eq!(named.message, reward_pool::errors::RewardPoolError::NothingToClaim.to_string());
        let named = program_error_name(&data_credits::ID, data_credits::errors::DataCreditsError::StalePrice.into()).unwrap();
        assert_eq!((named.program, named.name), ("data_credits", "StalePrice"));
    }

    #[test]
    fn unknown_codes_and_programs_have_no_name() {
        assert_eq!(program_error_name(&reward_pool::ID, 6000 + 100), None);
        assert_eq!(program_error_name(&reward_pool::ID, 2006), None, "anchor framework codes stay numeric");
        assert_eq!(program_error_name(&Pubkey::new_unique(), 6000), None);
    }
}
