//! Asserting that a transaction failed with one of our programs' named errors.
use solana_instruction::error::InstructionError;
use solana_transaction_error::TransactionError;

/// Panics unless `result` failed with `expected`, an Anchor `#[error_code]` value (or any error
/// that converts into Anchor's error, such as `anchor_lang::error::ErrorCode`).
pub fn assert_program_error<E>(result: Result<(), TransactionError>, expected: E)
where
    E: Into<anchor_lang::error::Error> + std::fmt::Debug + Copy,
{
    let code = match expected.into() {
        anchor_lang::error::Error::AnchorError(e) => e.error_code_number,
        anchor_lang::error::Error::ProgramError(e) => panic!("expected an Anchor error, got {e:?}"),
    };
    match result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(got))) => {
            assert_eq!(got, code, "expected {expected:?} ({code}), got custom error {got}")
        }
        other => panic!("expected {expected:?} ({code}), got {other:?}"),
    }
}
