//! The root message oracles sign. This is the one definition of its bytes: the program checks
//! it and the oracle and SDK build it from here.
use anchor_lang::prelude::*;

/// Domain separator: a signature over a root can never be replayed as any other message.
pub const ROOT_DOMAIN: &[u8] = b"fieldproof:root:v1";
/// Length of [`RootMessage::to_bytes`].
pub const ROOT_MESSAGE_LEN: usize = ROOT_DOMAIN.len() + 32 + 32 + 8 + 8 + 32 + 8 + 8 + 32 + 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootMessage {
    pub program_id: Pubkey,
    pub pool: Pubkey,
    pub config_version: u64,
    pub epoch: u64,
    pub root: [u8; 32],
    pub cumulative_total: u64,
    pub leaf_count: u64,
    /// sha256 of the published reward file, so anyone can fetch and recheck it.
    pub content_hash: [u8; 32],
    /// Unix time after which the signatures may no longer be posted.
    pub expires_at: i64,
}

impl RootMessage {
    /// domain ‖ program id ‖ pool ‖ version ‖ epoch ‖ root ‖ total ‖ leaf count ‖ content hash ‖
    /// expiry, integers little-endian.
    pub fn to_bytes(&self) -> [u8; ROOT_MESSAGE_LEN] {
        let mut out = [0u8; ROOT_MESSAGE_LEN];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(ROOT_DOMAIN);
        put(self.program_id.as_ref());
        put(self.pool.as_ref());
        put(&self.config_version.to_le_bytes());
        put(&self.epoch.to_le_bytes());
        put(&self.root);
        put(&self.cumulative_total.to_le_bytes());
        put(&self.leaf_count.to_le_bytes());
        put(&self.content_hash);
        put(&self.expires_at.to_le_bytes());
        out
    }
}
