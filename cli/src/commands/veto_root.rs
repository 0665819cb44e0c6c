//! `fieldproof veto-root`: the guardian discards a pool's pending root.
use fieldproof_sdk::reward_pool;
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::{address, PoolArg};
use crate::output::{hex, Outcome};
use crate::{keypair, Context};

pub async fn veto_root<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, args: &PoolArg) -> Result<Outcome, Failure> {
    let pool_address = address("pool", &args.pool)?;
    let guardian = keypair::load(&ctx.keypair)?;
    let before = ctx.client.pool(&pool_address).await?;
    let signature = ctx.client.send(&[reward_pool::veto_root(&pool_address, &guardian.pubkey())], &guardian, &[]).await?;
    let after = ctx.client.pool(&pool_address).await?;
    // The program refuses a veto without a pending root, so there was one.
    let vetoed = before.pending.map(|p| p.root);
    Ok(Outcome {
        human: format!(
            "vetoed the pending root of pool {pool_address}{}; config version now {}\n{signature}\n",
            vetoed.map(|r| format!(" (epoch {}, total {})", r.epoch, r.cumulative_total)).unwrap_or_default(),
            after.config_version
        ),
        json: json!({
            "pool": pool_address.to_string(), "epoch": vetoed.map(|r| r.epoch), "root": vetoed.map(|r| hex(&r.root)),
            "config_version": after.config_version, "transaction": signature.to_string(),
        }),
    })
}
