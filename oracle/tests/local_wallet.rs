//! The local network's test owner key is served only by an oracle configured to serve it
//! (`local_test_wallet`, set by scripts/localnet.sh for its first oracle) and only on a loopback
//! address; in any other configuration the route does not exist.
use std::sync::Arc;

use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::DeviceDirectory;
use fieldproof_oracle::serve;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

const ROUTE: &str = "/v1/local/test-wallet";

fn config(dir: &std::path::Path) -> OracleConfig {
    OracleConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}", dir.join("oracle.sqlite").display()),
        epochs_store: dir.join("epochs").display().to_string(),
        log: fieldproof_oracle::log::LogConfig::in_dir(dir),
        ..OracleConfig::default()
    }
}

fn write_keypair(dir: &std::path::Path) -> (Keypair, std::path::PathBuf) {
    let keypair = Keypair::new();
    let path = dir.join("owner.json");
    std::fs::write(&path, serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap()).unwrap();
    (keypair, path)
}

#[tokio::test]
async fn the_configured_oracle_serves_the_test_owner_key_uncached() {
    let dir = tempfile::tempdir().unwrap();
    let (keypair, path) = write_keypair(dir.path());
    let config = OracleConfig { local_test_wallet: Some(path), ..config(dir.path()) };
    let oracle = serve::start(&config, Arc::new(DeviceDirectory::default()), None).await.unwrap();
    let answer = reqwest::get(format!("http://{}{ROUTE}", oracle.addr)).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["address"], keypair.pubkey().to_string());
    let secret: Vec<u8> = serde_json::from_value(body["secret_key"].clone()).unwrap();
    assert_eq!(secret, keypair.to_bytes().to_vec());
    assert!(body["warning"].as_str().is_some_and(|w| w.contains("test key")));
    oracle.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_the_setting_the_route_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    // Served app or not: the path is nobody's.
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), "<!doctype html><title>Fieldproof wallet</title>").unwrap();
    for app_dir in [None, Some(app)] {
        let config = OracleConfig { app_dir: app_dir.clone(), ..config(dir.path()) };
        let oracle = serve::start(&config, Arc::new(DeviceDirectory::default()), None).await.unwrap();
        let answer = reqwest::get(format!("http://{}{ROUTE}", oracle.addr)).await.unwrap();
        assert_eq!(answer.status(), 404, "app_dir {app_dir:?}");
        let text = answer.text().await.unwrap();
        assert!(!text.contains("secret_key"), "{text}");
        oracle.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn the_key_is_never_served_beyond_loopback_or_from_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = write_keypair(dir.path());
    let open = OracleConfig { listen: "0.0.0.0:0".parse().unwrap(), local_test_wallet: Some(path), ..config(dir.path()) };
    let refused = serve::start(&open, Arc::new(DeviceDirectory::default()), None).await.err().expect("refused on 0.0.0.0");
    assert!(refused.to_string().contains("loopback"), "{refused}");

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "not a keypair").unwrap();
    for path in [garbage, dir.path().join("missing.json")] {
        let bad = OracleConfig { local_test_wallet: Some(path.clone()), ..config(dir.path()) };
        let refused = serve::start(&bad, Arc::new(DeviceDirectory::default()), None).await.err().expect("refused");
        assert!(refused.to_string().contains("local_test_wallet"), "{path:?}: {refused}");
    }
}
