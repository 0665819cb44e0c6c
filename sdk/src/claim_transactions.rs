//! The claim transactions an oracle prepares for an owner (`GET /v1/claims/{pool}/{owner}` of the
//! oracle API), for a wallet to sign and send. JSON; each transaction is the base64 of its wire
//! bytes (bincode of a `VersionedTransaction`), its signatures blank, the owner its fee payer:
//! ```json
//! {"pool": "<base58>", "owner": "<base58>", "epoch": 7, "paid": 1500,
//!  "claimed": ["<asset base58>"], "nothing_to_claim": ["<asset base58>"],
//!  "transactions": ["<base64>"]}
//! ```
//! The transactions are sent in order; each carries a recent blockhash, so they must be signed
//! and sent within about a minute, or fetched again.
use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use solana_transaction::versioned::VersionedTransaction;

/// Ready-to-sign claims of one owner from one pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimTransactions {
    /// The pool that pays.
    pub pool: Pubkey,
    /// The devices' owner: the fee payer and only signer of every transaction.
    pub owner: Pubkey,
    /// The epoch of the active root the claims prove against.
    pub epoch: u64,
    /// Tokens the transactions pay, over all assets.
    pub paid: u64,
    /// Assets the transactions pay.
    pub claimed: Vec<Pubkey>,
    /// Assets whose leaf grants nothing more than what was already paid.
    pub nothing_to_claim: Vec<Pubkey>,
    /// The transactions, unsigned, in the order to send them.
    pub transactions: Vec<VersionedTransaction>,
}

/// The base64 of a transaction's wire bytes (bincode of the `VersionedTransaction`), the form a
/// wallet is handed an unsigned transaction in.
pub fn wire_base64(transaction: &VersionedTransaction) -> String {
    // A transaction built by the SDK always serializes; an empty string would be refused by any
    // reader rather than sent.
    bincode::serialize(transaction).map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes)).unwrap_or_default()
}

/// Why claim transactions cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not claim transactions: {0}")]
pub struct ClaimTransactionsError(String);

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimTransactionsJson {
    pool: String,
    owner: String,
    epoch: u64,
    paid: u64,
    claimed: Vec<String>,
    nothing_to_claim: Vec<String>,
    transactions: Vec<String>,
}

fn address(field: &str, text: &str) -> Result<Pubkey, ClaimTransactionsError> {
    text.parse().map_err(|_| ClaimTransactionsError(format!("{field} is not a base58 address: {text:?}")))
}

fn addresses(field: &str, texts: &[String]) -> Result<Vec<Pubkey>, ClaimTransactionsError> {
    texts.iter().map(|t| address(field, t)).collect()
}

fn strings(keys: &[Pubkey]) -> Vec<String> {
    keys.iter().map(Pubkey::to_string).collect()
}

impl ClaimTransactions {
    /// Checks what an owner is asked to sign: every transaction is paid by the owner and calls
    /// only the reward pool, the compute budget and the associated-token program (which creates
    /// the owner's token account). An oracle that slips anything else in is refused here, before
    /// any signature. Programs cannot come from lookup tables, so the static keys name them all.
    pub fn check_only_claims(&self) -> Result<(), ClaimTransactionsError> {
        let allowed = [crate::reward_pool::ID, solana_sdk_ids::compute_budget::ID, anchor_spl::associated_token::ID];
        for (i, transaction) in self.transactions.iter().enumerate() {
            let keys = transaction.message.static_account_keys();
            if keys.first() != Some(&self.owner) {
                return Err(ClaimTransactionsError(format!("transactions[{i}] is not paid by the owner {}", self.owner)));
            }
            for instruction in transaction.message.instructions() {
                match keys.get(usize::from(instruction.program_id_index)) {
                    Some(program) if allowed.contains(program) => {}
                    other => return Err(ClaimTransactionsError(format!("transactions[{i}] calls {other:?}, which is not a claim's program"))),
                }
            }
        }
        Ok(())
    }

    /// The JSON form (see the module docs).
    pub fn to_json(&self) -> String {
        let transactions = self.transactions.iter().map(wire_base64).collect();
        let json = ClaimTransactionsJson {
            pool: self.pool.to_string(),
            owner: self.owner.to_string(),
            epoch: self.epoch,
            paid: self.paid,
            claimed: strings(&self.claimed),
            nothing_to_claim: strings(&self.nothing_to_claim),
            transactions,
        };
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Parses the JSON form.
    pub fn from_json(text: &str) -> Result<Self, ClaimTransactionsError> {
        let json: ClaimTransactionsJson = serde_json::from_str(text).map_err(|e| ClaimTransactionsError(e.to_string()))?;
        let transactions = json
            .transactions
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| ClaimTransactionsError(format!("transactions[{i}] is not base64: {e}")))?;
                bincode::deserialize(&bytes).map_err(|e| ClaimTransactionsError(format!("transactions[{i}] is not a transaction: {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            pool: address("pool", &json.pool)?,
            owner: address("owner", &json.owner)?,
            epoch: json.epoch,
            paid: json.paid,
            claimed: addresses("claimed", &json.claimed)?,
            nothing_to_claim: addresses("nothing_to_claim", &json.nothing_to_claim)?,
            transactions,
        })
    }
}

#[cfg(test)]
mod tests {
    use solana_hash::Hash;
    use solana_message::{Message, VersionedMessage};
    use solana_signature::Signature;

    use super::*;

    #[test]
    fn claim_transactions_round_trip_and_refuse_what_is_not_theirs() {
        let owner = Pubkey::new_unique();
        let ix = anchor_lang::solana_program::system_instruction::transfer(&owner, &Pubkey::new_unique(), 5);
        let message = VersionedMessage::Legacy(Message::new_with_blockhash(&[ix], Some(&owner), &Hash::new_unique()));
        let transaction = VersionedTransaction { signatures: vec![Signature::default()], message };
        let claims = ClaimTransactions {
            pool: Pubkey::new_unique(),
            owner,
            epoch: 3,
            paid: 70,
            claimed: vec![Pubkey::new_unique()],
            nothing_to_claim: vec![Pubkey::new_unique(), Pubkey::new_unique()],
            transactions: vec![transaction],
        };
        assert_eq!(ClaimTransactions::from_json(&claims.to_json()).unwrap(), claims);

        let with = |field: &str, value: serde_json::Value| {
            let mut json: serde_json::Value = serde_json::from_str(&claims.to_json()).unwrap();
            json[field] = value;
            ClaimTransactions::from_json(&json.to_string()).unwrap_err().0
        };
        assert!(with("transactions", serde_json::json!(["!!"])).contains("transactions[0] is not base64"));
        assert!(with("transactions", serde_json::json!(["AAAA"])).contains("transactions[0] is not a transaction"));
        assert!(with("owner", serde_json::json!("0wner")).contains("owner is not a base58 address"));
        assert!(with("claimed", serde_json::json!(["x"])).contains("claimed is not a base58 address"));
        assert!(ClaimTransactions::from_json("{}").is_err());

        // A transfer of the owner's lamports is no claim: refused before anyone signs it.
        assert!(claims.check_only_claims().unwrap_err().0.contains("not a claim's program"));
        let create = anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent(
            &owner,
            &owner,
            &Pubkey::new_unique(),
            &anchor_spl::token::ID,
        );
        let budget = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(100_000);
        let only = |payer: &Pubkey| {
            let message = VersionedMessage::Legacy(Message::new_with_blockhash(&[budget.clone(), create.clone()], Some(payer), &Hash::new_unique()));
            ClaimTransactions { transactions: vec![VersionedTransaction { signatures: vec![Signature::default(); 2], message }], ..claims.clone() }
        };
        only(&owner).check_only_claims().expect("a token account's creation and a compute budget are a claim's");
        assert!(only(&Pubkey::new_unique()).check_only_claims().unwrap_err().0.contains("not paid by the owner"));
    }
}
