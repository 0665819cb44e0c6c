//! Asserting that a transaction failed with one of our programs' named errors, and recording
//! each assertion for the check that every named error is asserted by some test
//! (`scripts/error_coverage.py`).
use std::io::Write as _;

use solana_instruction::error::InstructionError;
use solana_transaction_error::TransactionError;

/// Panics unless `result` failed with `expected`, an Anchor `#[error_code]` value (or any error
/// that converts into Anchor's error, such as `anchor_lang::error::ErrorCode`).
pub fn assert_program_error<E>(result: Result<(), TransactionError>, expected: E)
where
    E: Into<anchor_lang::error::Error> + std::fmt::Debug + Copy,
{
    let (code, name) = match expected.into() {
        anchor_lang::error::Error::AnchorError(e) => (e.error_code_number, e.error_name),
        anchor_lang::error::Error::ProgramError(e) => panic!("expected an Anchor error, got {e:?}"),
    };
    match result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(got))) => {
            assert_eq!(got, code, "expected {expected:?} ({code}), got custom error {got}")
        }
        other => panic!("expected {expected:?} ({code}), got {other:?}"),
    }
    // The program is the crate the error type lives in: `reward_pool::errors::RewardPoolError`.
    let program = std::any::type_name::<E>().split("::").next().unwrap_or_default();
    record_refusal("native", program, &name);
}

/// Appends `lane program name` to the file named by `FIELDPROOF_REFUSAL_LOG`, when it is set:
/// a test asserted that `program` refused a call with its error `name`, in process (`native`)
/// or on solana-test-validator (`node`).
pub fn record_refusal(lane: &str, program: &str, name: &str) {
    let Ok(path) = std::env::var("FIELDPROOF_REFUSAL_LOG") else { return };
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("the refusal log");
    // One write per line: the tests of a binary run on many threads, and binaries one after another.
    file.write_all(format!("{lane} {program} {name}\n").as_bytes()).expect("write the refusal log");
}
