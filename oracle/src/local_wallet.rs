//! The local network's test owner key, handed to the wallet app so that a newcomer on the local
//! network can use the app at once: the popular wallets do not offer `solana:localnet`, and the
//! fleet's devices are issued to this key. The app's *local test wallet* signs with it.
//!
//! - `GET /v1/local/test-wallet`: `{"address", "secret_key": [64 bytes], "warning"}`.
//!
//! The route exists only when the configuration names the key (`local_test_wallet`, which
//! `scripts/localnet.sh` sets for its first oracle), and only on a loopback address: a key served
//! over the network would be anyone's. With any other configuration there is no such route.
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use solana_signer::Signer;

/// The test owner key, as the app's local test wallet takes it.
#[derive(Serialize)]
pub struct LocalTestWallet {
    address: String,
    /// The Solana keypair file's 64 bytes: the ed25519 seed, then the public key.
    secret_key: Vec<u8>,
    warning: &'static str,
}

const WARNING: &str = "the local network's test key: anyone who can read this page holds it; never send it anything of value";

impl LocalTestWallet {
    /// Reads the keypair file; refuses to serve it from anywhere but a loopback address.
    pub fn load(path: &Path, listen: SocketAddr) -> anyhow::Result<Self> {
        anyhow::ensure!(
            listen.ip().is_loopback(),
            "local_test_wallet is served only on a loopback address, and listen is {listen}: remove local_test_wallet from this configuration"
        );
        let keypair = solana_keypair::read_keypair_file(path).map_err(|e| anyhow::anyhow!("local_test_wallet: cannot read a keypair from {}: {e}", path.display()))?;
        Ok(Self { address: keypair.pubkey().to_string(), secret_key: keypair.to_bytes().to_vec(), warning: WARNING })
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

pub fn router(wallet: Arc<LocalTestWallet>) -> Router {
    Router::new().route("/v1/local/test-wallet", get(move || serve(wallet.clone())))
}

async fn serve(wallet: Arc<LocalTestWallet>) -> Response {
    // Kept out of every cache: it is a key.
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(&*wallet)).into_response()
}
