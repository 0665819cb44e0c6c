//! Usage burns (`burn_batches`, `session_burns`): each batch of data-transfer sessions burned
//! from one payer escrow, stored as sent before its transaction is sent, and what became of
//! each session (in a batch, or refused for good).
use fieldproof_reports::ReportKind;
use sqlx::Row;

use super::{bytes_n, Store, StoreError};

/// A batch whose burn was sent and not yet settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentBatch {
    pub id: i64,
    pub escrow: [u8; 32],
    /// The escrow's lifetime burned total once the burn has landed.
    pub expected_burned: i64,
    pub sent_at_ms: i64,
}

impl Store {
    /// The batches sent and not settled, oldest first.
    pub async fn sent_burn_batches(&self) -> Result<Vec<SentBatch>, StoreError> {
        let rows = sqlx::query("SELECT id, escrow, expected_burned, sent_at_ms FROM burn_batches WHERE status = 'sent' ORDER BY id").fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| Ok(SentBatch { id: row.try_get("id")?, escrow: bytes_n::<32>(row, "escrow")?, expected_burned: row.try_get("expected_burned")?, sent_at_ms: row.try_get("sent_at_ms")? }))
            .collect()
    }

    /// The valid data-transfer sessions (signed in a judged coverage window and not refused by
    /// it) in no batch and not refused for burning: ids and bodies, oldest first.
    pub async fn unburned_sessions(&self) -> Result<Vec<([u8; 32], Vec<u8>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.body FROM reports r \
             JOIN judgements j ON j.stream = 'coverage' AND r.signed_at_ms >= j.window_start_ms AND r.signed_at_ms < j.window_end_ms \
             LEFT JOIN refusals f ON f.id = r.id LEFT JOIN session_burns s ON s.id = r.id \
             WHERE r.kind = $1 AND f.id IS NULL AND s.id IS NULL ORDER BY r.signed_at_ms, r.id",
        )
        .bind(ReportKind::DataTransfer as i16)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok((bytes_n::<32>(row, "id")?, row.try_get("body")?))).collect()
    }

    /// Stores a batch of `sessions` as sent, in one transaction; returns its id.
    pub async fn record_burn_batch(&self, escrow: &[u8; 32], amount: i64, expected_burned: i64, sessions: &[[u8; 32]], now_ms: i64) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM burn_batches").fetch_one(&mut *tx).await?.try_get("id")?;
        sqlx::query(
            "INSERT INTO burn_batches (id, escrow, amount, status, expected_burned, sent_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, 'sent', $4, $5, $6)",
        )
        .bind(id)
        .bind(escrow.as_slice())
        .bind(amount)
        .bind(expected_burned)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        for session in sessions {
            sqlx::query("INSERT INTO session_burns (id, batch_id) VALUES ($1, $2)").bind(session.as_slice()).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Settles a batch as `status` ("confirmed" or "failed"; a failed batch's sessions are
    /// pending again), with its transaction when known.
    pub async fn finish_burn_batch(&self, id: i64, status: &str, tx_signature: Option<String>, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE burn_batches SET status = $1, tx = COALESCE($2, tx), updated_at_ms = $3 WHERE id = $4")
            .bind(status)
            .bind(tx_signature)
            .bind(now_ms)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if status == "failed" {
            sqlx::query("DELETE FROM session_burns WHERE batch_id = $1").bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A session that can never be burned, and why.
    pub async fn refuse_session(&self, id: &[u8; 32], reason: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO session_burns (id, refused) VALUES ($1, $2)").bind(id.as_slice()).bind(reason).execute(self.pool()).await?;
        Ok(())
    }
}
