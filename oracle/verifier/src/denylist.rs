//! The denylist: device keys the network's denylist authority has found cheating. The file is
//! signed so that an operator cannot quietly add or drop a device.
//!
//! File (JSON): `{"keys": ["<64 hex>", ...], "signature": "<128 hex>"}`, the signature by the
//! denylist authority over `"fieldproof:denylist:v1"` followed by the 32-byte keys in file order.
use std::collections::HashSet;
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};
use serde::Deserialize;

pub const DENYLIST_DOMAIN: &[u8] = b"fieldproof:denylist:v1";

#[derive(Clone, Debug, Default)]
pub struct Denylist {
    keys: HashSet<[u8; 32]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DenylistFile {
    keys: Vec<String>,
    signature: String,
}

impl Denylist {
    pub fn contains(&self, key: &[u8; 32]) -> bool {
        self.keys.contains(key)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, in key order, as a JSON array of hex strings: what an epoch publishes of the
    /// denylist it was judged with (its sha256 is the manifest's `denylist`).
    pub fn to_json(&self) -> Vec<u8> {
        let mut keys: Vec<String> = self.keys.iter().map(hex::encode).collect();
        keys.sort_unstable();
        serde_json::to_vec(&keys).unwrap_or_default()
    }

    /// Reads back [`to_json`](Self::to_json).
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let keys: Vec<String> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let keys = keys.iter().map(|k| hex::decode(k).ok().and_then(|b| <[u8; 32]>::try_from(b).ok())).collect::<Option<HashSet<_>>>();
        keys.map(|keys| Self { keys }).ok_or_else(|| "every key must be 64 hex digits".into())
    }

    /// The bytes the authority signs for `keys`.
    pub fn signing_bytes(keys: &[[u8; 32]]) -> Vec<u8> {
        let mut bytes = DENYLIST_DOMAIN.to_vec();
        keys.iter().for_each(|k| bytes.extend_from_slice(k));
        bytes
    }

    /// Reads and checks a signed denylist; refuses the whole file if any part is wrong.
    pub fn load(path: &Path, authority: &VerifyingKey) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let file: DenylistFile = serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("invalid denylist {}: {e}", path.display()))?;
        let keys = file
            .keys
            .iter()
            .map(|k| hex::decode(k).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| anyhow::anyhow!("{}: every key must be 64 hex digits", path.display()))?;
        let signature = hex::decode(&file.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or_else(|| anyhow::anyhow!("{}: the signature must be 128 hex digits", path.display()))?;
        authority
            .verify_strict(&Self::signing_bytes(&keys), &Signature::from_bytes(&signature))
            .map_err(|_| anyhow::anyhow!("{}: not signed by the denylist authority", path.display()))?;
        Ok(Self { keys: keys.into_iter().collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn write(dir: &Path, keys: &[[u8; 32]], signer: &SigningKey) -> std::path::PathBuf {
        let signature = signer.sign(&Denylist::signing_bytes(keys));
        let json = serde_json::json!({
            "keys": keys.iter().map(hex::encode).collect::<Vec<_>>(),
            "signature": hex::encode(signature.to_bytes()),
        });
        let path = dir.join("denylist.json");
        std::fs::write(&path, json.to_string()).unwrap();
        path
    }

    #[test]
    fn a_signed_denylist_loads_and_a_forged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let authority = SigningKey::from_bytes(&[1; 32]);
        let path = write(dir.path(), &[[7; 32], [8; 32]], &authority);
        let list = Denylist::load(&path, &authority.verifying_key()).unwrap();
        assert!(list.contains(&[7; 32]) && list.contains(&[8; 32]) && !list.contains(&[9; 32]));

        let impostor = SigningKey::from_bytes(&[2; 32]);
        let forged = write(dir.path(), &[[7; 32]], &impostor);
        let err = Denylist::load(&forged, &authority.verifying_key()).unwrap_err();
        assert!(err.to_string().contains("not signed by the denylist authority"), "{err}");

        let reordered = write(dir.path(), &[[8; 32], [7; 32]], &authority);
        assert_eq!(Denylist::load(&reordered, &authority.verifying_key()).unwrap().to_json(), list.to_json(), "published in key order, whatever the file's");
        assert_ne!(Denylist::default().to_json(), list.to_json());
        assert_eq!(Denylist::from_json(&list.to_json()).unwrap().to_json(), list.to_json());
    }
}
