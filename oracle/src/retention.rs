//! The retention task: forgets, every `[retention] every_secs`, what the database keeps past its
//! window (see `storage::retention`).
use crate::storage::retention::{Forgotten, RetentionConfig};
use crate::storage::Store;

/// Runs the retention pass every `config.every_secs`, keeping `config.keep_epochs` epochs of
/// `epochs`. A failed pass is retried on the next tick; nothing depends on it but disk space.
pub async fn keep_forgetting(store: Store, config: RetentionConfig, epochs: crate::epoch::RewardConfig) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(config.every_secs.max(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now_ms = crate::ingest::unix_ms();
        let Some(current) = epochs.epoch_at(now_ms) else { continue };
        let oldest_kept = current.saturating_sub(config.keep_epochs);
        let Some((signed_before_ms, _)) = epochs.window_ms(oldest_kept) else { continue };
        let received_before_ms = now_ms.saturating_sub(i64::try_from(config.source_retention_secs.saturating_mul(1_000)).unwrap_or(i64::MAX));
        match store.forget(signed_before_ms, oldest_kept, received_before_ms).await {
            Ok(f) if f == Forgotten::default() => {}
            Ok(f) => tracing::info!(reports = f.reports, refusals = f.refusals, sources = f.sources, oldest_kept, "retention: the database forgot what is past its window"),
            Err(e) => tracing::warn!(error = %e, "retention pass failed; retrying next tick"),
        }
    }
}
