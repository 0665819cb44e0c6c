//! The keys a bootstrap creates accounts at (the network token mint, the device tree). They are
//! written to a directory, durably, before the account is created, so a rerun after any crash
//! finds the same addresses and carries on where the first run stopped.
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use solana_keypair::Keypair;

use crate::BootstrapError;

pub struct KeyDir {
    dir: PathBuf,
}

impl KeyDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The keypair called `name`, created and stored on first use.
    pub fn get_or_create(&self, name: &str) -> Result<Keypair, BootstrapError> {
        let path = self.dir.join(format!("{name}.json"));
        if path.exists() {
            return solana_keypair::read_keypair_file(&path).map_err(|e| BootstrapError::Keys(format!("cannot read {}: {e}", path.display())));
        }
        let keypair = Keypair::new();
        self.store(&path, &keypair).map_err(|e| BootstrapError::Keys(format!("cannot write {}: {e}", path.display())))?;
        Ok(keypair)
    }

    /// Written to a temporary file, synced, renamed and the directory synced: the key is either
    /// wholly there or not at all, and there before anything is created at its address.
    fn store(&self, path: &Path, keypair: &Keypair) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let temporary = path.with_extension("json.partial");
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        solana_keypair::write_keypair(keypair, &mut file).map_err(|e| std::io::Error::other(e.to_string()))?;
        file.flush()?;
        file.sync_all()?;
        fs::rename(&temporary, path)?;
        File::open(&self.dir)?.sync_all()
    }
}
