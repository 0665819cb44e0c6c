//! `fieldproof oracle-set propose|apply|cancel`: a pool's oracle set changes only through the
//! time lock, which the guardian can cancel.
use clap::Subcommand;
use fieldproof_sdk::reward_pool::{self, OracleSetArgs, Pool};
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::{address, PoolArg};
use crate::output::Outcome;
use crate::{keypair, Context};

/// A pool's oracle set: proposed by the authority, applied after the time lock (the config version
/// moves on, so every signature by the old set is void), cancelled by the guardian or the authority.
#[derive(Debug, Subcommand)]
pub enum OracleSetAction {
    /// (authority) Propose a new set of oracle keys and how many of them must sign a root.
    Propose {
        /// The pool's address.
        #[arg(long)]
        pool: String,
        /// An oracle's ed25519 key (base58), once per oracle.
        #[arg(long = "oracle-key", required = true)]
        oracles: Vec<String>,
        /// How many distinct oracles must sign a root (a majority at least).
        #[arg(long)]
        threshold: u8,
    },
    /// (authority) Apply the proposed set once its time lock has passed.
    Apply(PoolArg),
    /// (guardian or authority) Cancel the proposed set.
    Cancel(PoolArg),
}

pub async fn oracle_set<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &OracleSetAction) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let (pool_address, verb, ix) = match action {
        OracleSetAction::Propose { pool, oracles, threshold } => {
            let pool = address("pool", pool)?;
            let oracles = oracles.iter().map(|k| address("oracle key", k)).collect::<Result<Vec<_>, _>>()?;
            (pool, "proposed", reward_pool::propose_oracle_set(&pool, &signer.pubkey(), OracleSetArgs { oracles, threshold: *threshold }))
        }
        OracleSetAction::Apply(PoolArg { pool }) => {
            let pool = address("pool", pool)?;
            (pool, "applied", reward_pool::apply_oracle_set(&pool, &signer.pubkey()))
        }
        OracleSetAction::Cancel(PoolArg { pool }) => {
            let pool = address("pool", pool)?;
            (pool, "cancelled", reward_pool::cancel_oracle_set(&pool, &signer.pubkey()))
        }
    };
    ctx.client.pool(&pool_address).await?;
    let signature = ctx.client.send(&[ix], &signer, &[]).await?;
    let pool: Pool = ctx.client.pool(&pool_address).await?;
    let keys = |keys: &[Pubkey]| keys.iter().map(Pubkey::to_string).collect::<Vec<_>>();
    let proposed = pool.pending_oracles.as_ref().map(|p| json!({"oracles": keys(p.set.keys()), "threshold": p.set.threshold, "applicable_at": p.applicable_at}));
    let mut human = format!(
        "oracle set of pool {pool_address} {verb}: {} of {} must sign (config version {})\n",
        pool.oracles.threshold, pool.oracles.count, pool.config_version
    );
    if let Some(p) = &pool.pending_oracles {
        human.push_str(&format!("proposed: {} of {}, applicable from unix time {}\n", p.set.threshold, p.set.count, p.applicable_at));
    }
    human.push_str(&format!("{signature}\n"));
    Ok(Outcome {
        human,
        json: json!({
            "pool": pool_address.to_string(), "oracles": keys(pool.oracles.keys()), "threshold": pool.oracles.threshold,
            "config_version": pool.config_version, "proposed": proposed, "transaction": signature.to_string(),
        }),
    })
}
