//! Write-once object storage, shared by the report log and the published epochs: a local
//! directory by default, any S3-compatible store at scale (`s3://bucket[/prefix]`, credentials,
//! region and endpoint from the standard `AWS_*` environment variables).
//!
//! An object is created once and never replaced: creating it again with the same bytes is a
//! no-op (a restart redoing its last step), with other bytes a conflict. On S3 that is a
//! conditional write (`If-None-Match: *`). In a local directory the bytes go to a temporary file
//! that is fsynced, then linked to the object's name (which fails if the name exists) and the
//! directory fsynced: after a crash or a power loss an object is either whole or absent, never a
//! zero-length file that the write-once rule would refuse to replace forever.
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum ObjectsError {
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("cannot open the object store at {location}: {reason}")]
    Open { location: String, reason: String },
    #[error("{path}: {reason}")]
    Local { path: String, reason: String },
    #[error("{path} already exists with other content; an object is never replaced")]
    Conflict { path: String },
}

/// What creating an object did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    /// It is new.
    New,
    /// It was already there with the same bytes.
    Existing,
}

#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store: written through [`Objects::create_local`].
    local: Option<PathBuf>,
    location: String,
}

impl Objects {
    /// `s3://bucket[/prefix]`, or a local directory, created when missing.
    pub fn open(location: &str) -> Result<Self, ObjectsError> {
        let open_error = |reason: String| ObjectsError::Open { location: location.to_string(), reason };
        if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch)
                .build()
                .map_err(|e| open_error(e.to_string()))?;
            let store: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.trim_matches('/')))
            };
            return Ok(Self { store, local: None, location: location.to_string() });
        }
        std::fs::create_dir_all(location).map_err(|e| open_error(e.to_string()))?;
        let root = std::fs::canonicalize(location).map_err(|e| open_error(e.to_string()))?;
        let store = Arc::new(object_store::local::LocalFileSystem::new_with_prefix(&root).map_err(|e| open_error(e.to_string()))?);
        Ok(Self { store, local: Some(root), location: location.to_string() })
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// Creates `path` with `bytes`, durably, unless it exists with the same bytes. The bytes are
    /// shared, never copied: an epoch's objects run to a hundred megabytes.
    pub async fn create(&self, path: &Path, bytes: impl Into<Bytes>) -> Result<Created, ObjectsError> {
        let bytes: Bytes = bytes.into();
        let outcome = match &self.local {
            Some(root) => {
                let (root, at, data) = (root.clone(), path.to_string(), bytes.clone());
                tokio::task::spawn_blocking(move || create_local(&root, &at, &data))
                    .await
                    .map_err(|e| ObjectsError::Local { path: path.to_string(), reason: e.to_string() })??
            }
            None => {
                let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
                match self.store.put_opts(path, PutPayload::from(bytes.clone()), options).await {
                    Ok(_) => Created::New,
                    Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => Created::Existing,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        if outcome == Created::Existing && self.get(path).await?.as_deref() != Some(&bytes[..]) {
            return Err(ObjectsError::Conflict { path: path.to_string() });
        }
        Ok(outcome)
    }

    /// Creates an object named by its own content hash: one that exists is this one (its hash is
    /// checked whenever it is read), so it is not read back to compare.
    pub async fn create_addressed(&self, path: &Path, bytes: impl Into<Bytes>) -> Result<(), ObjectsError> {
        if self.exists(path).await? {
            return Ok(());
        }
        match self.create(path, bytes).await {
            Ok(_) | Err(ObjectsError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Creates `to` with the bytes of the object `from`, as [`create`](Self::create) would;
    /// `false` when `from` does not exist. In a local directory `to` becomes a second name of
    /// the same file (both are write-once, so neither changes under the other): no byte is read
    /// or written again.
    pub async fn copy_once(&self, from: &Path, to: &Path) -> Result<bool, ObjectsError> {
        let Some(root) = &self.local else {
            return match self.get(from).await? {
                Some(bytes) => self.create(to, bytes).await.map(|_| true),
                None => Ok(false),
            };
        };
        let (source, target) = (root.join(from.to_string()), root.join(to.to_string()));
        let at = to.to_string();
        let linked = tokio::task::spawn_blocking(move || link_local(&source, &target, &at))
            .await
            .map_err(|e| ObjectsError::Local { path: to.to_string(), reason: e.to_string() })??;
        match linked {
            Linked::New => Ok(true),
            Linked::NoSource => Ok(false),
            Linked::Existing => match self.get(from).await? {
                Some(bytes) if self.get(to).await?.as_deref() == Some(&bytes[..]) => Ok(true),
                Some(_) => Err(ObjectsError::Conflict { path: to.to_string() }),
                None => Ok(false),
            },
        }
    }

    pub async fn get(&self, path: &Path) -> Result<Option<Vec<u8>>, ObjectsError> {
        match self.store.get(path).await {
            // The bytes as read, not a copy of them (a segment, a reward file of a hundred megabytes).
            Ok(found) => Ok(Some(Vec::from(found.bytes().await?))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn exists(&self, path: &Path) -> Result<bool, ObjectsError> {
        match self.store.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The paths of every object under `prefix`, in name order.
    pub async fn list(&self, prefix: &Path) -> Result<Vec<Path>, ObjectsError> {
        let mut paths: Vec<Path> = self.store.list(Some(prefix)).map_ok(|meta| meta.location).try_collect().await?;
        paths.sort();
        Ok(paths)
    }
}

/// The local create: temporary file, fsync, link to the name (refused if it exists), fsync of the
/// directory.
fn create_local(root: &std::path::Path, path: &str, bytes: &[u8]) -> Result<Created, ObjectsError> {
    let local = |reason: std::io::Error| ObjectsError::Local { path: path.to_string(), reason: reason.to_string() };
    let target = root.join(path);
    let dir = target.parent().ok_or_else(|| ObjectsError::Local { path: path.to_string(), reason: "no parent directory".into() })?;
    std::fs::create_dir_all(dir).map_err(local)?;
    let mut temporary = tempfile::NamedTempFile::new_in(dir).map_err(local)?;
    temporary.write_all(bytes).map_err(local)?;
    temporary.as_file().sync_all().map_err(local)?;
    let created = match std::fs::hard_link(temporary.path(), &target) {
        Ok(()) => Created::New,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Created::Existing,
        Err(e) => return Err(local(e)),
    };
    drop(temporary);
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(local)?;
    Ok(created)
}

/// What linking a local object to a second name did.
enum Linked {
    New,
    /// The name exists already.
    Existing,
    NoSource,
}

/// The local copy: a hard link to the new name (refused if it exists), then an fsync of its
/// directory.
fn link_local(source: &std::path::Path, target: &std::path::Path, path: &str) -> Result<Linked, ObjectsError> {
    let local = |reason: std::io::Error| ObjectsError::Local { path: path.to_string(), reason: reason.to_string() };
    let dir = target.parent().ok_or_else(|| ObjectsError::Local { path: path.to_string(), reason: "no parent directory".into() })?;
    std::fs::create_dir_all(dir).map_err(local)?;
    let linked = match std::fs::hard_link(source, target) {
        Ok(()) => Linked::New,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Linked::Existing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !source.exists() => Linked::NoSource,
        Err(e) => return Err(local(e)),
    };
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(local)?;
    Ok(linked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_object_is_created_once_durably_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::open(dir.path().join("store").to_str().unwrap()).unwrap();
        let path = Path::from("a/b/c.bin");
        assert_eq!(objects.create(&path, b"one".to_vec()).await.unwrap(), Created::New);
        assert_eq!(objects.create(&path, b"one".to_vec()).await.unwrap(), Created::Existing);
        assert!(matches!(objects.create(&path, b"two".to_vec()).await, Err(ObjectsError::Conflict { .. })));
        assert_eq!(objects.get(&path).await.unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(objects.get(&Path::from("a/none")).await.unwrap(), None);
        objects.create(&Path::from("a/b/a.bin"), vec![]).await.unwrap();
        assert_eq!(objects.list(&Path::from("a")).await.unwrap(), vec![Path::from("a/b/a.bin"), path.clone()]);
        // No temporary file is left beside the objects.
        assert_eq!(std::fs::read_dir(dir.path().join("store/a/b")).unwrap().count(), 2);
    }

    #[tokio::test]
    async fn an_object_is_copied_once_and_never_over_another() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::open(dir.path().join("store").to_str().unwrap()).unwrap();
        let (from, to) = (Path::from("c/one.bin"), Path::from("final/one.bin"));
        objects.create(&from, b"one".to_vec()).await.unwrap();
        assert!(objects.copy_once(&from, &to).await.unwrap());
        assert_eq!(objects.get(&to).await.unwrap().as_deref(), Some(&b"one"[..]));
        assert!(objects.copy_once(&from, &to).await.unwrap(), "copying again the same bytes is a no-op");
        let other = Path::from("c/two.bin");
        objects.create(&other, b"two".to_vec()).await.unwrap();
        assert!(matches!(objects.copy_once(&other, &to).await, Err(ObjectsError::Conflict { .. })));
        assert_eq!(objects.get(&to).await.unwrap().as_deref(), Some(&b"one"[..]), "the copy is never replaced");
        assert!(!objects.copy_once(&Path::from("c/none.bin"), &Path::from("final/none.bin")).await.unwrap());
        assert_eq!(objects.get(&Path::from("final/none.bin")).await.unwrap(), None);
    }
}
