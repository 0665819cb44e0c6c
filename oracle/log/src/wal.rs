//! The write-ahead files: what ingest accepted and not yet sealed into a segment, one
//! append-only file per time bucket (`<bucket, 20 digits>.wal`). A report is appended and the
//! file fsynced before ingest answers 2xx; sealing the bucket turns the file into a segment and
//! removes it.
//!
//! Record: u32 length ‖ u32 crc32 of the bytes ‖ the report's wire bytes (little-endian). A
//! record cut short by a crash (never acknowledged: the fsync did not return) fails its length
//! or checksum; it and anything after it is dropped when the file is opened again.
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("write-ahead file {path}: {source}")]
pub struct WalError {
    path: String,
    source: std::io::Error,
}

fn error(path: &Path, source: std::io::Error) -> WalError {
    WalError { path: path.display().to_string(), source }
}

pub struct Wal {
    dir: PathBuf,
    open: HashMap<u64, File>,
}

/// What each bucket's write-ahead file holds, by bucket: its whole records in order.
pub type Recovered = BTreeMap<u64, Vec<Vec<u8>>>;

impl Wal {
    /// Opens the directory (created when missing); returns it and what each bucket's file holds
    /// (whole records only: a torn tail is cut off).
    pub fn open(dir: &Path) -> Result<(Self, Recovered), WalError> {
        std::fs::create_dir_all(dir).map_err(|e| error(dir, e))?;
        let mut recovered = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(|e| error(dir, e))? {
            let path = entry.map_err(|e| error(dir, e))?.path();
            let Some(bucket) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".wal")).and_then(|n| n.parse::<u64>().ok()) else {
                continue;
            };
            let (records, whole) = read_records(&path)?;
            let file = OpenOptions::new().write(true).open(&path).map_err(|e| error(&path, e))?;
            if file.metadata().map_err(|e| error(&path, e))?.len() != whole {
                tracing::warn!(path = %path.display(), kept = records.len(), "cutting a torn record off a write-ahead file");
                file.set_len(whole).and_then(|()| file.sync_all()).map_err(|e| error(&path, e))?;
            }
            recovered.insert(bucket, records);
        }
        Ok((Self { dir: dir.to_path_buf(), open: HashMap::new() }, recovered))
    }

    fn path(&self, bucket: u64) -> PathBuf {
        path(&self.dir, bucket)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Closes the files of the buckets below `bucket`: sealed, they take no more reports.
    pub fn close_below(&mut self, bucket: u64) {
        self.open.retain(|b, _| *b >= bucket);
    }

    /// Appends each report to its bucket's file and fsyncs every file touched (and the directory
    /// where a file was created): when this returns, the reports survive a crash.
    pub fn append(&mut self, reports: &[(u64, &[u8])]) -> Result<(), WalError> {
        // Each bucket's records in one buffer, written with one call.
        let mut by_bucket: Vec<(u64, Vec<u8>)> = Vec::new();
        for (bucket, bytes) in reports {
            let at = match by_bucket.iter().position(|(b, _)| b == bucket) {
                Some(at) => at,
                None => {
                    by_bucket.push((*bucket, Vec::new()));
                    by_bucket.len() - 1
                }
            };
            let record = &mut by_bucket[at].1;
            record.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
            record.extend_from_slice(&crc32fast::hash(bytes).to_le_bytes());
            record.extend_from_slice(bytes);
        }
        let mut created = false;
        for (bucket, records) in &by_bucket {
            let path = self.path(*bucket);
            let file = match self.open.entry(*bucket) {
                std::collections::hash_map::Entry::Occupied(open) => open.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    created |= !path.exists();
                    slot.insert(OpenOptions::new().create(true).append(true).open(&path).map_err(|e| error(&path, e))?)
                }
            };
            file.write_all(records).map_err(|e| error(&path, e))?;
        }
        for (bucket, _) in &by_bucket {
            if let Some(file) = self.open.get(bucket) {
                file.sync_data().map_err(|e| error(&self.path(*bucket), e))?;
            }
        }
        if created {
            File::open(&self.dir).and_then(|d| d.sync_all()).map_err(|e| error(&self.dir, e))?;
        }
        Ok(())
    }
}

fn path(dir: &Path, bucket: u64) -> PathBuf {
    dir.join(format!("{bucket:020}.wal"))
}

/// The reports of a bucket's file in `dir` (none when it has none, or it was just removed).
pub fn read(dir: &Path, bucket: u64) -> Result<Vec<Vec<u8>>, WalError> {
    match read_records(&path(dir, bucket)) {
        Ok((records, _)) => Ok(records),
        Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The buckets with a file in `dir`, in order.
pub fn buckets(dir: &Path) -> Result<Vec<u64>, WalError> {
    let mut buckets: Vec<u64> = std::fs::read_dir(dir)
        .map_err(|e| error(dir, e))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".wal")?.parse().ok())
        .collect();
    buckets.sort_unstable();
    Ok(buckets)
}

/// Removes a sealed bucket's file from `dir` (its writer has closed it).
pub fn remove(dir: &Path, bucket: u64) -> Result<(), WalError> {
    let path = path(dir, bucket);
    match std::fs::remove_file(&path) {
        Ok(()) => File::open(dir).and_then(|d| d.sync_all()).map_err(|e| error(dir, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(error(&path, e)),
    }
}

/// The whole records of a file, and the length they take.
fn read_records(path: &Path) -> Result<(Vec<Vec<u8>>, u64), WalError> {
    let mut bytes = Vec::new();
    File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(|e| error(path, e))?;
    let mut records = Vec::new();
    let mut at = 0usize;
    while bytes.len() >= at + 8 {
        let len = u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let crc = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]);
        let Some(body) = bytes.get(at + 8..at + 8 + len) else { break };
        if crc32fast::hash(body) != crc {
            break;
        }
        records.push(body.to_vec());
        at += 8 + len;
    }
    Ok((records, at as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_reports_come_back_after_a_restart_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, recovered) = Wal::open(dir.path()).unwrap();
        assert!(recovered.is_empty());
        wal.append(&[(7, b"one"), (8, b"two"), (7, b"three")]).unwrap();
        drop(wal);
        // A crash in the middle of a record: half of it is on disk.
        let path = dir.path().join(format!("{:020}.wal", 7));
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[9, 0, 0, 0, 1, 2]).unwrap();
        drop(file);

        let (mut wal, recovered) = Wal::open(dir.path()).unwrap();
        assert_eq!(recovered[&7], vec![b"one".to_vec(), b"three".to_vec()]);
        assert_eq!(recovered[&8], vec![b"two".to_vec()]);
        wal.append(&[(7, b"four")]).unwrap();
        assert_eq!(read(dir.path(), 7).unwrap(), vec![b"one".to_vec(), b"three".to_vec(), b"four".to_vec()], "appends continue after the cut");
        assert_eq!(buckets(dir.path()).unwrap(), vec![7, 8]);
        wal.close_below(8);
        remove(dir.path(), 7).unwrap();
        assert_eq!(buckets(dir.path()).unwrap(), vec![8]);
        assert!(read(dir.path(), 7).unwrap().is_empty());
    }

    #[test]
    fn a_corrupted_record_ends_the_file_there() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path()).unwrap();
        wal.append(&[(1, b"good"), (1, b"flipped"), (1, b"after")]).unwrap();
        drop(wal);
        let path = dir.path().join(format!("{:020}.wal", 1));
        let mut bytes = std::fs::read(&path).unwrap();
        let second = 8 + 4 + 8;
        bytes[second] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
        let (_, recovered) = Wal::open(dir.path()).unwrap();
        assert_eq!(recovered[&1], vec![b"good".to_vec()]);
    }
}
