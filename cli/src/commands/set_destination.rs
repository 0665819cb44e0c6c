//! `fieldproof set-destination`: where a device's rewards from a pool are paid.
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;

use crate::failure::Failure;
use crate::output::Outcome;
use crate::{keypair, Context};

pub async fn set_destination<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, pool: Pubkey, asset: Pubkey, to: Pubkey) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    // Reading the pool first turns a wrong address into "not found" instead of a failed transaction.
    ctx.client.pool(&pool).await?;
    let signature = ctx.client.set_destination(&signer, &signer, &pool, &asset, to, &ctx.ownership).await?;
    Ok(Outcome {
        human: format!("rewards of {asset} from pool {pool} now go to {to}\n{signature}\n"),
        json: json!({"pool": pool.to_string(), "asset": asset.to_string(), "destination": to.to_string(), "transaction": signature.to_string()}),
    })
}
