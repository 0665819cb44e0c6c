//! `fieldproof pool`: a reward pool's roles, oracle set, roots and pending changes.
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;

use crate::failure::Failure;
use crate::output::{hex, Outcome};
use crate::Context;

pub async fn show_pool<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, address: Pubkey) -> Result<Outcome, Failure> {
    let pool = ctx.client.pool(&address).await?;
    let oracles: Vec<String> = pool.oracles.keys().iter().map(|k| k.to_string()).collect();
    let root = |r: &fieldproof_sdk::reward_pool::RootState| {
        json!({"epoch": r.epoch, "root": hex(&r.root), "cumulative_total": r.cumulative_total, "leaf_count": r.leaf_count})
    };
    let pending = pool.pending.as_ref().map(|p| json!({"root": root(&p.root), "activates_at": p.activates_at}));
    let mut human = format!(
        "pool {address}\n  network     {}\n  mint        {}\n  authority   {}\n  guardian    {}\n  time lock   {} s\n  dispute     {} s\n  oracles     {} of {} must sign (config version {})\n  active      epoch {}, total {}, {} leaves, root {}\n  claimed     {}\n",
        pool.network,
        pool.mint,
        pool.authority,
        pool.guardian,
        pool.timelock_secs,
        pool.dispute_window_secs,
        pool.oracles.threshold,
        pool.oracles.count,
        pool.config_version,
        pool.active.epoch,
        pool.active.cumulative_total,
        pool.active.leaf_count,
        hex(&pool.active.root),
        pool.total_claimed,
    );
    if let Some(p) = &pool.pending {
        human.push_str(&format!("  pending     epoch {}, total {}, active from unix time {}\n", p.root.epoch, p.root.cumulative_total, p.activates_at));
    }
    // What the guardian watches: every loosening change waiting out the time lock.
    let mut changes = Vec::new();
    if let Some(p) = &pool.pending_oracles {
        let keys: Vec<String> = p.set.keys().iter().map(|k| k.to_string()).collect();
        human.push_str(&format!("  proposed    oracles {} of {} [{}], applicable from unix time {}\n", p.set.threshold, p.set.count, keys.join(", "), p.applicable_at));
        changes.push(json!({"change": "oracle_set", "oracles": keys, "threshold": p.set.threshold, "applicable_at": p.applicable_at}));
    }
    if let Some(p) = &pool.pending_config {
        human.push_str(&format!("  proposed    dispute window {} s, breaker {:?}, applicable from unix time {}\n", p.config.dispute_window_secs, p.config.breaker, p.applicable_at));
        changes.push(json!({"change": "config", "dispute_window_secs": p.config.dispute_window_secs, "breaker": format!("{:?}", p.config.breaker), "applicable_at": p.applicable_at}));
    }
    if let Some(p) = &pool.pending_guardian {
        human.push_str(&format!("  proposed    guardian {}, applicable from unix time {}\n", p.guardian, p.applicable_at));
        changes.push(json!({"change": "guardian", "guardian": p.guardian.to_string(), "applicable_at": p.applicable_at}));
    }
    let json = json!({
        "pool": address.to_string(), "network": pool.network.to_string(), "mint": pool.mint.to_string(), "authority": pool.authority.to_string(),
        "guardian": pool.guardian.to_string(), "oracles": oracles, "threshold": pool.oracles.threshold,
        "config_version": pool.config_version, "timelock_secs": pool.timelock_secs, "dispute_window_secs": pool.dispute_window_secs,
        "active": root(&pool.active), "pending": pending, "pending_changes": changes,
        "total_claimed": pool.total_claimed,
    });
    Ok(Outcome { human, json })
}
