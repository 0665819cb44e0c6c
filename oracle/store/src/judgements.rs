//! The judged windows (`judgements`) and the reports they refused (`refusals`), with the reads
//! an epoch's judgement makes of the reports table.
use fieldproof_reports::ReportKind;
use futures_util::TryStreamExt;
use sqlx::Row;

use super::{bytes_n, sqlite_reads, value_rows, Store, StoreError, MAX_BINDS};
use fieldproof_verifier::{Judged, Reason, Window};

/// A refused report, as the API shows it to its owner.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// The report id, hex.
    pub id: String,
    pub epoch: u64,
    pub kind: i16,
    pub reason: String,
    /// The reason in plain words, for an owner.
    pub explanation: &'static str,
    pub signed_at_ms: i64,
}

impl Store {
    /// The id and stored bytes of every report of `kind` signed in `window`.
    pub async fn reports_signed_in(&self, kind: ReportKind, window: Window) -> Result<Vec<([u8; 32], Vec<u8>)>, StoreError> {
        const SQL: &str = "SELECT id, body FROM reports WHERE kind = $1 AND signed_at_ms >= $2 AND signed_at_ms < $3";
        if let Some(file) = self.sqlite_file() {
            return sqlite_reads::rows(file, SQL, [kind as i64, window.start_ms, window.end_ms], |row| Ok((row.get(0)?, row.get(1)?))).await;
        }
        let mut rows = sqlx::query(SQL).bind(kind as i16).bind(window.start_ms).bind(window.end_ms).fetch(self.pool());
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push((bytes_n::<32>(&row, "id")?, row.try_get("body")?));
        }
        Ok(out)
    }

    /// Records the judgement of `stream`'s `epoch`: its window and input digest, and its
    /// refusals in place of any earlier judgement's of the same epoch and kinds (a judgement
    /// made again over a larger input replaces the first), in one transaction.
    pub async fn save_judgement(&self, stream: &str, epoch: u64, window: Window, input_digest: &[u8; 32], kinds: &[ReportKind], verdicts: &[Judged]) -> Result<(), StoreError> {
        let epoch_i64 = i64::try_from(epoch).unwrap_or(i64::MAX);
        let mut tx = self.pool().begin().await?;
        for kind in kinds {
            sqlx::query("DELETE FROM refusals WHERE epoch = $1 AND kind = $2").bind(epoch_i64).bind(*kind as i16).execute(&mut *tx).await?;
        }
        let refused: Vec<(&Judged, Reason)> = verdicts.iter().filter_map(|v| v.reason.map(|r| (v, r))).collect();
        const COLUMNS: usize = 6;
        for chunk in refused.chunks(MAX_BINDS / COLUMNS) {
            let sql = format!(
                "INSERT INTO refusals (id, epoch, device, kind, reason, signed_at_ms) VALUES {} \
                 ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, reason = excluded.reason",
                value_rows(chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for (v, reason) in chunk {
                query = query.bind(v.id.as_slice()).bind(epoch_i64).bind(v.device.as_slice()).bind(v.kind as i16).bind(reason.code()).bind(v.signed_at_ms);
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO judgements (stream, epoch, window_start_ms, window_end_ms, input_digest) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (stream, epoch) DO UPDATE SET window_start_ms = excluded.window_start_ms, \
             window_end_ms = excluded.window_end_ms, input_digest = excluded.input_digest",
        )
        .bind(stream)
        .bind(epoch_i64)
        .bind(window.start_ms)
        .bind(window.end_ms)
        .bind(input_digest.as_slice())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The end of the newest window of `stream` judged: its reports without a refusal are valid.
    pub async fn judged_through_ms(&self, stream: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(window_end_ms) AS judged FROM judgements WHERE stream = $1").bind(stream).fetch_one(self.pool()).await?;
        Ok(row.try_get::<Option<i64>, _>("judged")?)
    }

    /// The reports of `device` its epochs' judgements refused, newest first.
    pub async fn refusals(&self, device: &[u8; 32], limit: i64) -> Result<Vec<Refusal>, StoreError> {
        let rows = sqlx::query("SELECT id, epoch, kind, reason, signed_at_ms FROM refusals WHERE device = $1 ORDER BY signed_at_ms DESC LIMIT $2")
            .bind(device.as_slice())
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let reason: String = r.try_get("reason")?;
                Ok(Refusal {
                    id: hex::encode(bytes_n::<32>(r, "id")?),
                    epoch: u64::try_from(r.try_get::<i64, _>("epoch")?).unwrap_or_default(),
                    kind: r.try_get("kind")?,
                    explanation: Reason::from_code(&reason).map_or("", Reason::explanation),
                    reason,
                    signed_at_ms: r.try_get("signed_at_ms")?,
                })
            })
            .collect()
    }

    /// When `device` signed its newest report that a judgement found valid (before `judged_ms`,
    /// the end of the judged windows); `None` before any.
    pub async fn last_valid_report_ms(&self, device: &[u8; 32], judged_ms: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT MAX(r.signed_at_ms) AS last FROM reports r LEFT JOIN refusals f ON f.id = r.id \
             WHERE r.device = $1 AND r.signed_at_ms < $2 AND f.id IS NULL",
        )
        .bind(device.as_slice())
        .bind(judged_ms)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<Option<i64>, _>("last")?)
    }

    /// The valid reports of `kind` of `device` signed in `window` (judged, not refused), oldest
    /// first: their ids and bodies.
    pub async fn valid_reports_of(&self, device: &[u8; 32], kind: ReportKind, window: Window) -> Result<Vec<([u8; 32], Vec<u8>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.body FROM reports r LEFT JOIN refusals f ON f.id = r.id \
             WHERE r.device = $1 AND r.kind = $2 AND r.signed_at_ms >= $3 AND r.signed_at_ms < $4 AND f.id IS NULL ORDER BY r.signed_at_ms",
        )
        .bind(device.as_slice())
        .bind(kind as i16)
        .bind(window.start_ms)
        .bind(window.end_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((bytes_n::<32>(r, "id")?, r.try_get("body")?))).collect()
    }
}
