//! The DAS ownership source against a local stand-in for an indexer's `getAsset` and
//! `getAssetProof` (the answers have the shape providers serve): what it reads, how it retries,
//! and every answer it must refuse.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use fieldproof_sdk::device_registry::{DeviceInfo, DeviceKind, DeviceStatus, Location};
use fieldproof_sdk::{DasClient, OwnershipSource, OwnershipSourceError, Pubkey};
use serde_json::{json, Value};

/// Answers by method: each call of a method takes the next answer (the last one repeats).
#[derive(Default)]
struct Indexer {
    get_asset: Vec<(StatusCode, Value)>,
    get_asset_proof: Vec<(StatusCode, Value)>,
    calls: AtomicUsize,
    asked: Mutex<Vec<(String, String)>>,
    served: Mutex<(usize, usize)>,
}

async fn rpc(State(indexer): State<Arc<Indexer>>, Json(request): Json<Value>) -> (StatusCode, Json<Value>) {
    indexer.calls.fetch_add(1, Ordering::SeqCst);
    let method = request["method"].as_str().unwrap_or_default().to_string();
    indexer.asked.lock().unwrap().push((method.clone(), request["params"]["id"].as_str().unwrap_or_default().to_string()));
    let mut served = indexer.served.lock().unwrap();
    let (script, n) = match method.as_str() {
        "getAsset" => (&indexer.get_asset, &mut served.0),
        "getAssetProof" => (&indexer.get_asset_proof, &mut served.1),
        _ => return (StatusCode::OK, Json(json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "Method not found"}}))),
    };
    let (status, answer) = script.get(*n).or(script.last()).cloned().unwrap();
    *n += 1;
    (status, Json(answer))
}

async fn serve(indexer: Indexer) -> (DasClient, Arc<Indexer>) {
    let indexer = Arc::new(indexer);
    let app = Router::new().route("/", post(rpc)).with_state(indexer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = DasClient::new(url, Duration::from_secs(5)).unwrap().with_retries(3, Duration::from_millis(1));
    (client, indexer)
}

fn device(tree: Pubkey) -> DeviceInfo {
    DeviceInfo {
        network: Pubkey::new_unique(),
        device_key: Pubkey::new_unique(),
        asset: Pubkey::new_unique(),
        tree,
        leaf_nonce: 3,
        data_hash: [1; 32],
        creator_hash: [2; 32],
        maker: Pubkey::new_unique(),
        kind: DeviceKind::Hotspot,
        status: DeviceStatus::Active,
        location: Location::default(),
        location_asserts: 0,
        last_location_assert_at: 0,
        onboarding_nonce: 0,
        issued_at: 0,
        bump: 255,
    }
}

fn ok(result: Value) -> (StatusCode, Value) {
    (StatusCode::OK, json!({"jsonrpc": "2.0", "id": 1, "result": result}))
}

fn b58(bytes: [u8; 32]) -> String {
    bs58::encode(bytes).into_string()
}

fn asset_answer(tree: &Pubkey, owner: &Pubkey, delegate: Option<&Pubkey>) -> (StatusCode, Value) {
    ok(json!({
        "interface": "V1_NFT",
        "id": "ignored",
        "compression": {"eligible": false, "compressed": true, "data_hash": b58([1; 32]), "creator_hash": b58([2; 32]),
                        "asset_hash": b58([3; 32]), "tree": tree.to_string(), "seq": 4, "leaf_id": 3},
        "ownership": {"frozen": false, "delegated": delegate.is_some(), "delegate": delegate.map(|d| d.to_string()),
                      "ownership_model": "single", "owner": owner.to_string()},
    }))
}

fn proof_answer(tree: &Pubkey, depth: u8) -> (StatusCode, Value) {
    let proof: Vec<String> = (0..depth).map(|i| b58([10 + i; 32])).collect();
    ok(json!({"root": b58([9; 32]), "proof": proof, "node_index": 35, "leaf": b58([8; 32]), "tree_id": tree.to_string()}))
}

#[tokio::test]
async fn an_indexed_asset_gives_its_owner_and_whole_path() {
    let (tree, owner, delegate) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    let d = device(tree);
    let (das, indexer) =
        serve(Indexer { get_asset: vec![asset_answer(&tree, &owner, None)], get_asset_proof: vec![proof_answer(&tree, 5)], ..Default::default() })
            .await;
    let proof = das.asset_proof(&d).await.expect("proof");
    assert_eq!((proof.tree, proof.owner, proof.delegate, proof.root), (tree, owner, owner, [9; 32]));
    assert_eq!(proof.path, (0..5).map(|i| [10 + i; 32]).collect::<Vec<_>>());
    let asked = indexer.asked.lock().unwrap().clone();
    assert_eq!(asked, vec![("getAsset".into(), d.asset.to_string()), ("getAssetProof".into(), d.asset.to_string())]);

    let (das, _) = serve(Indexer {
        get_asset: vec![asset_answer(&tree, &owner, Some(&delegate))],
        get_asset_proof: vec![proof_answer(&tree, 5)],
        ..Default::default()
    })
    .await;
    assert_eq!(das.asset_proof(&d).await.unwrap().delegate, delegate);
}

#[tokio::test]
async fn busy_indexers_are_retried_and_unreachable_ones_named() {
    let (tree, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
    let busy = (StatusCode::SERVICE_UNAVAILABLE, json!({}));
    let (das, indexer) = serve(Indexer {
        get_asset: vec![busy.clone(), (StatusCode::TOO_MANY_REQUESTS, json!({})), asset_answer(&tree, &owner, None)],
        get_asset_proof: vec![proof_answer(&tree, 3)],
        ..Default::default()
    })
    .await;
    assert_eq!(das.asset_proof(&device(tree)).await.unwrap().owner, owner);
    assert_eq!(indexer.calls.load(Ordering::SeqCst), 4);

    let (das, indexer) = serve(Indexer { get_asset: vec![busy], ..Default::default() }).await;
    let down = das.asset_proof(&device(tree)).await.unwrap_err();
    assert!(matches!(&down, OwnershipSourceError::Unavailable(m) if m.contains("after 3 attempts")), "{down:?}");
    assert_eq!(indexer.calls.load(Ordering::SeqCst), 3);

    let nobody = DasClient::new("http://127.0.0.1:1/", Duration::from_secs(1)).unwrap().with_retries(2, Duration::from_millis(1));
    assert!(matches!(nobody.asset_proof(&device(tree)).await, Err(OwnershipSourceError::Unavailable(_))));
}

#[tokio::test]
async fn unknown_assets_and_wrong_answers_are_refused() {
    let (tree, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
    let d = device(tree);
    let unknown = ok(Value::Null);
    let not_found = (StatusCode::OK, json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "Asset Not Found"}}));
    for answer in [unknown, not_found] {
        let (das, _) = serve(Indexer { get_asset: vec![answer], ..Default::default() }).await;
        let refused = das.asset_proof(&d).await.unwrap_err();
        assert!(matches!(&refused, OwnershipSourceError::UnknownAsset { asset, .. } if *asset == d.asset), "{refused:?}");
    }

    // An endpoint that serves no DAS, a bad request, an uncompressed asset, two trees, bad base58.
    let (das, _) = serve(Indexer { get_asset: vec![(StatusCode::OK, json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "Method not found"}}))], ..Default::default() }).await;
    assert!(matches!(das.asset_proof(&d).await, Err(OwnershipSourceError::Unexpected(m)) if m.contains("does not serve")));
    let (das, _) = serve(Indexer { get_asset: vec![(StatusCode::BAD_REQUEST, json!({}))], ..Default::default() }).await;
    assert!(matches!(das.asset_proof(&d).await, Err(OwnershipSourceError::Unexpected(m)) if m.contains("400")));
    let mut uncompressed = asset_answer(&tree, &owner, None);
    uncompressed.1["result"]["compression"]["compressed"] = json!(false);
    let (das, _) = serve(Indexer { get_asset: vec![uncompressed], ..Default::default() }).await;
    assert!(matches!(das.asset_proof(&d).await, Err(OwnershipSourceError::Unexpected(m)) if m.contains("not compressed")));
    let (das, _) = serve(Indexer {
        get_asset: vec![asset_answer(&tree, &owner, None)],
        get_asset_proof: vec![proof_answer(&Pubkey::new_unique(), 5)],
        ..Default::default()
    })
    .await;
    assert!(matches!(das.asset_proof(&d).await, Err(OwnershipSourceError::Unexpected(m)) if m.contains("different trees")));
    let mut bad_node = proof_answer(&tree, 5);
    bad_node.1["result"]["proof"][2] = json!("not-base58-0OIl");
    let (das, _) = serve(Indexer { get_asset: vec![asset_answer(&tree, &owner, None)], get_asset_proof: vec![bad_node], ..Default::default() }).await;
    assert!(matches!(das.asset_proof(&d).await, Err(OwnershipSourceError::Unexpected(m)) if m.contains("proof node")));
    let (das, _) = serve(Indexer { get_asset: vec![ok(json!({"ownership": {}}))], ..Default::default() }).await;
    assert!(matches!(das.asset_proof(&d).await, Err(OwnershipSourceError::Unexpected(m)) if m.contains("getAsset")));
}
