//! `fieldproof activate-root`: anyone promotes a pool's pending root once its dispute window passed.
use fieldproof_sdk::reward_pool;
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;

use crate::failure::Failure;
use crate::input::{address, PoolArg};
use crate::output::{hex, Outcome};
use crate::{keypair, Context};

pub async fn activate_root<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, args: &PoolArg) -> Result<Outcome, Failure> {
    let pool_address = address("pool", &args.pool)?;
    let payer = keypair::load(&ctx.keypair)?;
    ctx.client.pool(&pool_address).await?;
    let signature = ctx.client.send(&[reward_pool::activate_root(&pool_address)], &payer, &[]).await?;
    let active = ctx.client.pool(&pool_address).await?.active;
    Ok(Outcome {
        human: format!("pool {pool_address} pays from epoch {}'s root now (total {})\n{signature}\n", active.epoch, active.cumulative_total),
        json: json!({
            "pool": pool_address.to_string(), "epoch": active.epoch, "root": hex(&active.root),
            "cumulative_total": active.cumulative_total, "transaction": signature.to_string(),
        }),
    })
}
