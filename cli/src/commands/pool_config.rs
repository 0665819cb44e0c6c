//! `fieldproof pool-config tighten|propose|apply|cancel|raise-timelock`: a pool's dispute window,
//! circuit breaker and time lock. Tightening applies at once; loosening waits out the time lock,
//! which the guardian can cancel; the time lock only rises.
use clap::{Args, Subcommand};
use fieldproof_sdk::reward_pool::{self, Pool, PoolConfig};
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::{address, breaker_text, BreakerChange, PoolArg};
use crate::output::Outcome;
use crate::{keypair, Context};

/// A pool's parameters (see docs/security.md, "Tightening or loosening").
#[derive(Debug, Subcommand)]
pub enum PoolConfigAction {
    /// (authority) Apply at once a change that only tightens: a longer dispute window, a breaker
    /// at least as tight (refused by name when any part loosens).
    Tighten(ConfigChange),
    /// (authority) Propose any change; it may be applied once the time lock has passed.
    Propose(ConfigChange),
    /// (authority) Apply the proposed change once its time lock has passed.
    Apply(PoolArg),
    /// (guardian or authority) Cancel the proposed change.
    Cancel(PoolArg),
    /// (authority) Raise the time lock at once (it never falls).
    RaiseTimelock {
        /// The pool's address.
        #[arg(long)]
        pool: String,
        /// The new time lock, in seconds.
        #[arg(long)]
        secs: i64,
    },
}

/// The pool's current dispute window and breaker, with the settings given replaced.
#[derive(Debug, Args)]
pub struct ConfigChange {
    /// The pool's address.
    #[arg(long)]
    pool: String,
    /// How long a posted root waits before it pays, in seconds.
    #[arg(long)]
    dispute_window_secs: Option<i64>,
    #[command(flatten)]
    breaker: BreakerChange,
}

impl ConfigChange {
    fn config(&self, pool: &Pool) -> PoolConfig {
        PoolConfig {
            dispute_window_secs: self.dispute_window_secs.unwrap_or(pool.dispute_window_secs),
            breaker: self.breaker.applied_to(pool.breaker.config),
        }
    }
}

pub async fn pool_config<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &PoolConfigAction) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let key = signer.pubkey();
    let pool_address = address(
        "pool",
        match action {
            PoolConfigAction::Tighten(change) | PoolConfigAction::Propose(change) => &change.pool,
            PoolConfigAction::Apply(PoolArg { pool }) | PoolConfigAction::Cancel(PoolArg { pool }) | PoolConfigAction::RaiseTimelock { pool, .. } => pool,
        },
    )?;
    let pool = ctx.client.pool(&pool_address).await?;
    let (verb, ix) = match action {
        PoolConfigAction::Tighten(change) => ("tightened", reward_pool::tighten_pool_config(&pool_address, &key, change.config(&pool))),
        PoolConfigAction::Propose(change) => ("change proposed", reward_pool::propose_pool_config(&pool_address, &key, change.config(&pool))),
        PoolConfigAction::Apply(_) => ("change applied", reward_pool::apply_pool_config(&pool_address, &key)),
        PoolConfigAction::Cancel(_) => ("change cancelled", reward_pool::cancel_pool_config(&pool_address, &key)),
        PoolConfigAction::RaiseTimelock { secs, .. } => ("time lock raised", reward_pool::raise_timelock(&pool_address, &key, *secs)),
    };
    let signature = ctx.client.send(&[ix], &signer, &[]).await?;
    Ok(pool_config_outcome(&pool_address, &ctx.client.pool(&pool_address).await?, verb, &signature.to_string()))
}

fn pool_config_outcome(address: &Pubkey, pool: &Pool, verb: &str, signature: &str) -> Outcome {
    let (breaker, breaker_json) = breaker_text(&pool.breaker.config);
    let mut human = format!(
        "pool {address}: {verb}\n  dispute     {} s\n  breaker     {breaker}\n  time lock   {} s\n",
        pool.dispute_window_secs, pool.timelock_secs
    );
    let proposed = pool.pending_config.as_ref().map(|p| {
        let (breaker, breaker_json) = breaker_text(&p.config.breaker);
        human.push_str(&format!("  proposed    dispute {} s, breaker {breaker}, applicable from unix time {}\n", p.config.dispute_window_secs, p.applicable_at));
        json!({"dispute_window_secs": p.config.dispute_window_secs, "breaker": breaker_json, "applicable_at": p.applicable_at})
    });
    human.push_str(&format!("{signature}\n"));
    let json = json!({
        "pool": address.to_string(), "dispute_window_secs": pool.dispute_window_secs, "breaker": breaker_json,
        "timelock_secs": pool.timelock_secs, "config_version": pool.config_version, "proposed": proposed, "transaction": signature,
    });
    Outcome { human, json }
}
