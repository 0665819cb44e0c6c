//! `fieldproof rewards`: what a reward file grants each device, what was paid, what is claimable.
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey, RewardFile};
use serde_json::json;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::progress::bar;
use crate::Context;

/// The file's assets named on the command line (every one when none is), each known to the file.
pub fn chosen_assets(file: &RewardFile, assets: &[String]) -> Result<Vec<Pubkey>, Failure> {
    if assets.is_empty() {
        return Ok(file.leaves().iter().map(|(asset, _)| *asset).collect());
    }
    assets
        .iter()
        .map(|text| {
            let asset = address("asset", text)?;
            match file.leaf(&asset) {
                Some(_) => Ok(asset),
                None => Err(Failure::NotFound(format!("device asset {asset} has no reward in epoch {} of pool {}", file.epoch, file.pool))),
            }
        })
        .collect()
}

pub async fn rewards<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, file: &RewardFile, assets: &[String]) -> Result<Outcome, Failure> {
    let assets = chosen_assets(file, assets)?;
    let progress = bar(ctx.progress, assets.len(), "reading claim records");
    let mut rows = Vec::with_capacity(assets.len());
    let mut human = format!("pool {} epoch {}\n{:<44} {:>14} {:>14} {:>14}\n", file.pool, file.epoch, "asset", "granted", "paid", "claimable");
    for asset in &assets {
        let granted = file.leaf(asset).map_or(0, |leaf| leaf.cumulative_amount);
        let record = ctx.client.claim_record(&file.pool, asset).await?;
        let paid = record.as_ref().map_or(0, |r| r.claimed);
        let destination = record.map(|r| r.destination).filter(|d| *d != Pubkey::default());
        let claimable = granted.saturating_sub(paid);
        human.push_str(&format!("{:<44} {granted:>14} {paid:>14} {claimable:>14}\n", asset.to_string()));
        rows.push(json!({"asset": asset.to_string(), "granted": granted, "paid": paid, "claimable": claimable,
                         "destination": destination.map(|d| d.to_string())}));
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(Outcome { human, json: json!({"pool": file.pool.to_string(), "epoch": file.epoch, "rewards": rows}) })
}
