//! The chain's blocks this oracle has read (`chain_blocks`): the entropy reports name, asked of
//! the node once. A slot the node said has no block is kept too, as no block.
use std::collections::BTreeSet;

use fieldproof_verifier::{Block, Blocks};
use sqlx::Row;

use super::{placeholders, value_rows, Store, StoreError, MAX_BINDS};

impl Store {
    /// The blocks of `slots` already read; a slot not read yet is missing from the answer.
    pub async fn cached_blocks(&self, slots: &BTreeSet<u64>) -> Result<Blocks, StoreError> {
        let mut found = Blocks::new();
        let wanted: Vec<i64> = slots.iter().filter_map(|s| i64::try_from(*s).ok()).collect();
        for chunk in wanted.chunks(MAX_BINDS) {
            let sql = format!("SELECT slot, hash, time_ms FROM chain_blocks WHERE slot IN ({})", placeholders(1, chunk.len()));
            let mut query = sqlx::query(&sql);
            for slot in chunk {
                query = query.bind(*slot);
            }
            for row in query.fetch_all(self.pool()).await? {
                let slot: i64 = row.try_get("slot")?;
                let hash: Option<Vec<u8>> = row.try_get("hash")?;
                let time_ms: Option<i64> = row.try_get("time_ms")?;
                let block = match (hash.and_then(|h| <[u8; 32]>::try_from(h).ok()), time_ms) {
                    (Some(hash), Some(time_ms)) => Some(Block { hash, time_ms }),
                    _ => None,
                };
                found.insert(u64::try_from(slot).unwrap_or_default(), block);
            }
        }
        Ok(found)
    }

    /// Keeps `blocks` (a slot already kept is left alone), in one transaction, rows of
    /// [`MAX_BINDS`] values per statement.
    pub async fn cache_blocks(&self, blocks: &[(u64, Option<Block>)]) -> Result<(), StoreError> {
        const COLUMNS: usize = 3;
        if blocks.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        for chunk in blocks.chunks(MAX_BINDS / COLUMNS) {
            let sql = format!("INSERT INTO chain_blocks (slot, hash, time_ms) VALUES {} ON CONFLICT (slot) DO NOTHING", value_rows(chunk.len(), COLUMNS));
            let mut query = sqlx::query(&sql);
            for (slot, block) in chunk {
                query = query.bind(i64::try_from(*slot).unwrap_or(i64::MAX)).bind(block.map(|b| b.hash.to_vec())).bind(block.map(|b| b.time_ms));
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
