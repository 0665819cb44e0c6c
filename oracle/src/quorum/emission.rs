//! How many tokens a pool's next root may newly allocate: what the treasury emitted into the
//! pool for every epoch since the pool's last root, bounded by what the vault was funded with.
//!
//! The treasury's split is pure integer arithmetic over its published parameters and the DC
//! burns of each epoch ([`fieldproof_sdk::treasury::split`]), so every oracle reading the same
//! chain gets the same number. Epochs without a root of their own (the first epoch of a fresh
//! pool, whose initial root state is epoch 0; an epoch the oracles skipped) are not lost: the
//! next root allocates them. The funding bound only matters where the treasury clipped an
//! emission at the supply cap, or the vault was short.
use fieldproof_sdk::data_credits::{epoch_burns_address, EpochBurns};
use fieldproof_sdk::reward_pool::Pool;
use fieldproof_sdk::treasury::{split, Treasury};
use fieldproof_sdk::{Chain, Client, Pubkey, SdkError};

#[derive(Debug, thiserror::Error)]
pub enum EmissionError {
    #[error(transparent)]
    Chain(#[from] SdkError),
    #[error("the treasury has not emitted epoch {epoch} yet (next to emit: {next})")]
    NotEmitted { epoch: u64, next: u64 },
    #[error("the pool's vault {0} is not among the treasury's recipients")]
    NotRecipient(Pubkey),
    #[error("the treasury's split of epoch {0} failed")]
    Split(u64),
    #[error("the emissions since the last root overflow 64 bits")]
    Overflow,
}

/// The tokens `pool`'s root for `epoch` may add to its cumulative total: on top of its newest
/// root.
pub async fn emission_for<C: Chain>(client: &Client<C>, treasury: &Pubkey, pool: &Pool, epoch: u64) -> Result<u64, EmissionError> {
    let latest = pool.latest_root();
    let since = (latest.posted_at != 0).then_some((latest.epoch, latest.cumulative_total));
    emission_since(client, treasury, pool, since, epoch).await
}

/// The tokens a root of `pool` for `epoch` may add on top of the root `since` (its epoch and
/// cumulative total; `None` before the pool's first root). An oracle that judges an epoch
/// whose root is active already counts from the root before it.
pub async fn emission_since<C: Chain>(client: &Client<C>, treasury: &Pubkey, pool: &Pool, since: Option<(u64, u64)>, epoch: u64) -> Result<u64, EmissionError> {
    let t: Treasury = client.account(treasury).await?;
    if t.next_epoch <= epoch {
        return Err(EmissionError::NotEmitted { epoch, next: t.next_epoch });
    }
    let params = &t.params;
    let index = params.recipients.iter().position(|r| r.token_account == pool.vault).ok_or(EmissionError::NotRecipient(pool.vault))?;
    let (first, base) = since.map_or((0, 0), |(root_epoch, cumulative)| (root_epoch.saturating_add(1), cumulative));
    let mut emitted: u64 = 0;
    for e in first..=epoch {
        let usage = if params.usage_bps == 0 {
            Default::default()
        } else {
            let burns: Option<EpochBurns> = client.optional_account(&epoch_burns_address(&params.dc_config, e)).await?;
            burns.map(|b| b.usage_by_category).unwrap_or_default()
        };
        let shares = split(params.schedule.scheduled_emission(e), &params.recipients, params.usage_bps, &usage).map_err(|_| EmissionError::Split(e))?;
        emitted = emitted.checked_add(shares.amounts[index]).ok_or(EmissionError::Overflow)?;
    }
    let funded = client.token_amount(&pool.vault).await?.saturating_add(pool.total_claimed);
    // Claims move tokens out of the vault and into `total_claimed`: their sum is what was funded.
    // Emissions after `epoch` count too, so an active root's epoch is bounded a little more
    // loosely than when it was posted; a root the bound clipped then would not be reproduced.
    Ok(emitted.min(funded.saturating_sub(base)))
}
