//! `fieldproof create-lookup-table`: the address lookup table claims of a pool go through.
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;

use crate::failure::Failure;
use crate::output::Outcome;
use crate::{keypair, Context};

pub async fn create_lookup_table<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, pool_address: Pubkey, trees: &[Pubkey]) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let pool = ctx.client.pool(&pool_address).await?;
    let token_program = ctx.client.chain().get_account(&pool.mint).await.map_err(fieldproof_sdk::SdkError::from)?.map(|a| a.owner);
    let token_program = token_program.ok_or_else(|| Failure::NotFound(format!("the pool's mint {} does not exist", pool.mint)))?;
    let addresses = fieldproof_sdk::claim_lookup_addresses(&pool_address, &pool, &token_program, trees);
    let table = ctx.client.create_lookup_table(&signer, &addresses).await?;
    Ok(Outcome {
        human: format!("lookup table {} holds the {} accounts claims from pool {pool_address} share; claimants pass --lookup-table {}\n", table.key, addresses.len(), table.key),
        json: json!({"lookup_table": table.key.to_string(), "addresses": addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>()}),
    })
}
