//! Every way a command can fail, each with the exit code scripts rely on (README: "Exit codes").
use fieldproof_migrations::BootstrapError;
use fieldproof_sdk::{ChainError, OracleApiError, OwnershipSourceError, ProgramErrorName, SdkError};
use serde_json::{json, Value};
use solana_transaction_error::TransactionError;

/// A command's failure: a message for people and a class for scripts.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The transaction failed on chain, or was refused before it reached a program. Exit code 1.
    #[error("{0}")]
    Refused(String),
    /// One of our programs refused an instruction with a named error. Exit code 1, like any
    /// refusal; `--json` names the program and the error.
    #[error("{message}")]
    Program {
        /// The program's name for its refusal.
        error: ProgramErrorName,
        /// What it says, with the instruction.
        message: String,
    },
    /// A file or argument is unusable: keypair, reward file, address. Exit code 3.
    #[error("{0}")]
    BadInput(String),
    /// The RPC node, the asset index or the oracle could not be reached after every retry. Exit code 4.
    #[error("{0}")]
    Unreachable(String),
    /// The account, pool or device asked about does not exist. Exit code 5.
    #[error("{0}")]
    NotFound(String),
    /// Everything the reward file grants was already paid. Exit code 6.
    #[error("{0}")]
    NothingToClaim(String),
    /// The network on chain differs from its plan where only a time-locked proposal may change
    /// it. Exit code 7.
    #[error("{0}")]
    Differs(String),
}

impl Failure {
    /// The process exit code of this class of failure (2 is clap's, for bad usage).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Refused(_) | Failure::Program { .. } => 1,
            Failure::BadInput(_) => 3,
            Failure::Unreachable(_) => 4,
            Failure::NotFound(_) => 5,
            Failure::NothingToClaim(_) => 6,
            Failure::Differs(_) => 7,
        }
    }

    /// The class's name in `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Refused(_) | Failure::Program { .. } => "refused",
            Failure::BadInput(_) => "bad_input",
            Failure::Unreachable(_) => "unreachable",
            Failure::NotFound(_) => "not_found",
            Failure::NothingToClaim(_) => "nothing_to_claim",
            Failure::Differs(_) => "differs",
        }
    }

    /// The failure as `--json` prints it: `{"error": {"kind", "message"}}`, and for a program's
    /// refusal its `program`, `name` and `code` too.
    pub fn to_json(&self) -> Value {
        let mut error = json!({"kind": self.kind(), "message": self.to_string()});
        if let Failure::Program { error: named, .. } = self {
            error["program"] = json!(named.program);
            error["name"] = json!(named.name);
            error["code"] = json!(named.code);
        }
        json!({ "error": error })
    }

    /// The program error's name (`NotAuthority`), when one of our programs refused.
    pub fn program_error(&self) -> Option<&'static str> {
        match self {
            Failure::Program { error, .. } => Some(error.name),
            _ => None,
        }
    }
}

impl From<SdkError> for Failure {
    fn from(error: SdkError) -> Self {
        let message = error.to_string();
        match error {
            SdkError::Chain(ChainError::Unreachable(_) | ChainError::Unexpected(_)) => Failure::Unreachable(message),
            SdkError::Chain(ChainError::Transaction { error: TransactionError::AccountNotFound, .. }) | SdkError::Transaction(TransactionError::AccountNotFound) => {
                Failure::Refused("the fee payer's account does not exist: it holds no SOL to pay the transaction's fee".into())
            }
            SdkError::Program { error, .. } => Failure::Program { error, message },
            SdkError::Chain(ChainError::Transaction { .. } | ChainError::Expired)
            | SdkError::Transaction(_)
            | SdkError::TransactionTooLarge { .. } => Failure::Refused(message),
            SdkError::AccountNotFound(_) | SdkError::WrongAccountOwner { .. } | SdkError::AccountDecode { .. } => Failure::NotFound(message),
            SdkError::Signing(_) => Failure::BadInput(message),
            SdkError::InvalidProof { .. } => {
                Failure::BadInput(format!("{message} (is the reward file the one of the pool's active epoch?)"))
            }
            SdkError::NothingToClaim { .. } => Failure::NothingToClaim(message),
            SdkError::UnknownDevice(_) | SdkError::AssetIndex(OwnershipSourceError::UnknownAsset { .. }) => Failure::NotFound(message),
            SdkError::NotDeviceOwner { .. } | SdkError::WrongDevice { .. } => Failure::BadInput(message),
            SdkError::AssetIndex(OwnershipSourceError::Unavailable(_) | OwnershipSourceError::Unexpected(_)) => Failure::Unreachable(message),
        }
    }
}

impl From<BootstrapError> for Failure {
    fn from(error: BootstrapError) -> Self {
        match error {
            BootstrapError::Plan(_) | BootstrapError::Keys(_) => Failure::BadInput(error.to_string()),
            BootstrapError::Sdk(e) => e.into(),
            BootstrapError::Chain(e) => SdkError::Chain(e).into(),
            BootstrapError::Unexpected(_) => Failure::Refused(error.to_string()),
        }
    }
}

impl From<OracleApiError> for Failure {
    fn from(error: OracleApiError) -> Self {
        let message = error.to_string();
        match error {
            OracleApiError::Rejected { .. } | OracleApiError::IdMismatch { .. } => Failure::Refused(message),
            OracleApiError::Unavailable(_) | OracleApiError::Unexpected(_) => Failure::Unreachable(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fee_payer_without_sol_is_said_in_words() {
        for error in [
            SdkError::Transaction(TransactionError::AccountNotFound),
            SdkError::Chain(ChainError::Transaction { error: TransactionError::AccountNotFound, logs: vec![] }),
        ] {
            let failure = Failure::from(error);
            assert_eq!(failure.exit_code(), 1);
            assert!(failure.to_string().contains("holds no SOL"), "{failure}");
        }
    }
}
