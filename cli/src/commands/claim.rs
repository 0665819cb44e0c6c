//! `fieldproof claim`: claims from a reward file, or through the oracle from a pool's active root.
use fieldproof_sdk::{Chain, OracleClient, OwnershipSource, Pubkey, RewardFile, SdkError};
use serde_json::json;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

use super::rewards::chosen_assets;
use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::progress::bar;
use crate::{keypair, Context};

pub async fn claim<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, file: &RewardFile, assets: &[String]) -> Result<Outcome, Failure> {
    let assets = chosen_assets(file, assets)?;
    let signer = keypair::load(&ctx.keypair)?;
    let leaves: Vec<_> = assets.iter().filter_map(|asset| file.leaf(asset)).collect();
    let plan = ctx.client.plan_claims(&signer.pubkey(), &signer.pubkey(), &file.pool, &leaves, &ctx.ownership).await?;
    if plan.claimed.is_empty() {
        return Err(Failure::NothingToClaim(format!("nothing to claim: the {} device(s) asked for are paid in full", plan.nothing_to_claim.len())));
    }
    let progress = bar(ctx.progress, plan.transactions.len(), "sending claims");
    let mut signatures = Vec::with_capacity(plan.transactions.len());
    for batch in &plan.transactions {
        match ctx.client.send(batch, &signer, &[]).await {
            Ok(signature) => signatures.push(signature.to_string()),
            Err(e) => {
                progress.abandon();
                return Err(after_landed(e.into(), &signatures));
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(claimed_outcome(plan.paid, &plan.claimed, &plan.nothing_to_claim, signatures))
}

/// A failure after `signatures` landed: the message says which did.
fn after_landed(failure: Failure, signatures: &[String]) -> Failure {
    if signatures.is_empty() {
        return failure;
    }
    let landed = format!(" ({} transaction(s) had landed: {})", signatures.len(), signatures.join(", "));
    match failure {
        Failure::Refused(m) => Failure::Refused(format!("{m}{landed}")),
        Failure::Unreachable(m) => Failure::Unreachable(format!("{m}{landed}")),
        Failure::Program { error, message } => Failure::Program { error, message: format!("{message}{landed}") },
        other => other,
    }
}

/// What a claim paid, for people and for scripts.
fn claimed_outcome(paid: u64, claimed: &[Pubkey], nothing_to_claim: &[Pubkey], signatures: Vec<String>) -> Outcome {
    let human = format!(
        "claimed {paid} for {} device(s) in {} transaction(s){}\n{}\n",
        claimed.len(),
        signatures.len(),
        if nothing_to_claim.is_empty() { String::new() } else { format!("; {} already paid in full", nothing_to_claim.len()) },
        signatures.join("\n"),
    );
    let json = json!({
        "paid": paid,
        "claimed": claimed.iter().map(Pubkey::to_string).collect::<Vec<_>>(),
        "nothing_to_claim": nothing_to_claim.iter().map(Pubkey::to_string).collect::<Vec<_>>(),
        "transactions": signatures,
    });
    Outcome { human, json }
}

/// `claim --pool`: the oracle prepares the claims of `pool`'s active root for the devices the
/// signer holds now (or only `assets`); they are checked to only claim, then signed and sent in
/// order.
pub async fn claim_through_oracle<C: Chain>(chain: &C, oracle: &OracleClient, keypair: &std::path::Path, pool: &str, assets: &[String], progress: bool) -> Result<Outcome, Failure> {
    let pool = address("pool", pool)?;
    let signer = keypair::load(keypair)?;
    let asked: Vec<Option<Pubkey>> = if assets.is_empty() { vec![None] } else { assets.iter().map(|a| address("asset", a).map(Some)).collect::<Result<_, _>>()? };
    let (mut paid, mut claimed, mut nothing_to_claim, mut signatures) = (0u64, Vec::new(), Vec::new(), Vec::new());
    for asset in asked {
        let claims = oracle.claim_transactions(&pool, &signer.pubkey(), asset.as_ref()).await?;
        claims.check_only_claims().map_err(|e| Failure::Refused(format!("the oracle's transactions were not signed: {e}")))?;
        let sending = bar(progress, claims.transactions.len(), "sending claims");
        for unsigned in claims.transactions {
            let signed = VersionedTransaction::try_new(unsigned.message, &[&signer]).map_err(|e| Failure::BadInput(format!("cannot sign the oracle's transaction: {e}")))?;
            match chain.send_transaction(&signed).await {
                Ok(signature) => signatures.push(signature.to_string()),
                Err(e) => {
                    sending.abandon();
                    return Err(after_landed(SdkError::Chain(e).into(), &signatures));
                }
            }
            sending.inc(1);
        }
        sending.finish_and_clear();
        paid += claims.paid;
        claimed.extend(claims.claimed);
        nothing_to_claim.extend(claims.nothing_to_claim);
    }
    if claimed.is_empty() {
        return Err(Failure::NothingToClaim(format!("nothing to claim from pool {pool}: {} device(s) paid in full", nothing_to_claim.len())));
    }
    Ok(claimed_outcome(paid, &claimed, &nothing_to_claim, signatures))
}
