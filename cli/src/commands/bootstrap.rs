//! `fieldproof bootstrap`: a network from a plan, created or checked.
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;

use crate::failure::Failure;
use crate::output::Outcome;
use crate::progress::bar;
use crate::{keypair, Context};

pub async fn bootstrap<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, plan_path: &std::path::Path, keys: Option<&std::path::Path>) -> Result<Outcome, Failure> {
    use fieldproof_migrations::{KeyDir, NetworkPlan, Outcome as Step};
    let plan = NetworkPlan::load(plan_path)?;
    let signer = keypair::load(&ctx.keypair)?;
    let keys = KeyDir::new(match keys {
        Some(dir) => dir.to_path_buf(),
        None => {
            let stem = plan_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "network".into());
            plan_path.with_file_name(format!("{stem}-keys"))
        }
    });
    let verb = |outcome: &Step| match outcome {
        Step::Created => "created",
        Step::Updated => "updated",
        Step::Unchanged => "in place",
        Step::Differs(_) => "DIFFERS",
    };
    let steps = 5 + plan.pools.len() + plan.makers.len() + usize::from(plan.registry.device_tree.is_some());
    let progress = bar(ctx.progress, steps, "bootstrapping");
    let report = fieldproof_migrations::bootstrap(&ctx.client, &signer, &plan, &keys, |step| {
        progress.set_message(format!("{} {}", verb(&step.outcome), step.what));
        progress.inc(1);
    })
    .await;
    progress.finish_and_clear();
    let report = report?;
    let differences: Vec<String> = report.differences().map(|s| format!("{} {}: {}", s.what, s.address, match &s.outcome { Step::Differs(why) => why.as_str(), _ => "" })).collect();
    if !differences.is_empty() {
        return Err(Failure::Differs(format!(
            "the network differs from the plan where only a time-locked proposal may change it (nothing was sent for these):\n  {}",
            differences.join("\n  ")
        )));
    }
    let d = &report.deployment;
    let mut human = String::new();
    for step in &report.steps {
        human.push_str(&format!("{:<9} {:<20} {}\n", verb(&step.outcome), step.what, step.address));
    }
    // The oracles' reward epochs are the treasury's: their `[epochs]` start_ts and length_secs.
    let schedule = ctx.client.account::<fieldproof_sdk::treasury::Treasury>(&d.treasury).await?.params.schedule;
    human.push_str(&format!("epochs of {} s from {} (Unix time)\n", schedule.epoch_length_secs, schedule.start_ts));
    human.push_str(&format!("guardian {} (its key: {}/guardian.json unless the plan names one)\n", d.guardian, keys.path().display()));
    human.push_str(if report.changed() { "the network now matches the plan\n" } else { "nothing to do: the network already matches the plan\n" });
    let list = |keys: &[Pubkey]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let json = json!({
        "changed": report.changed(),
        "steps": report.steps.iter().map(|s| json!({"what": s.what, "address": s.address.to_string(), "outcome": verb(&s.outcome)})).collect::<Vec<_>>(),
        "guardian": d.guardian.to_string(), "network_mint": d.network_mint.to_string(), "token_program": d.token_program.to_string(), "treasury": d.treasury.to_string(),
        "pools": list(&d.pools), "dc_config": d.dc_config.to_string(), "dc_mint": d.dc_mint.to_string(),
        "network": d.network.to_string(), "device_tree": d.device_tree.map(|t| t.to_string()), "makers": list(&d.makers),
        "keys": keys.path().display().to_string(),
        "epoch_start_ts": schedule.start_ts, "epoch_length_secs": schedule.epoch_length_secs,
    });
    Ok(Outcome { human, json })
}
