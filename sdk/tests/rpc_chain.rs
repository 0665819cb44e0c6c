//! RpcChain and Client::send against a tiny local JSON-RPC stand-in: retries, confirmation,
//! expiry and blockhash refresh, refused transactions, an unreachable node.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use fieldproof_sdk::{Chain, ChainError, Client, RetryPolicy, RpcChain, SdkError, SendOptions};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;

/// How the stand-in node behaves.
#[derive(Default)]
struct Node {
    /// Methods received, in order.
    calls: Vec<String>,
    /// `getLatestBlockhash` fails with 503 this many times first.
    blockhash_failures: usize,
    /// Blockhashes handed out, in order (the last repeats).
    blockhashes: Vec<Hash>,
    blockhashes_served: usize,
    /// Blockhashes `isBlockhashValid` calls valid.
    valid: Vec<Hash>,
    /// The status of every sent transaction after its first poll: `None` = never seen.
    status: Option<Value>,
}

fn ok(id: &Value, result: Value) -> (StatusCode, Json<Value>) {
    (StatusCode::OK, Json(json!({ "jsonrpc": "2.0", "id": id, "result": result })))
}

fn with_context(value: Value) -> Value {
    json!({ "context": { "slot": 1 }, "value": value })
}

async fn rpc(State(node): State<Arc<Mutex<Node>>>, Json(request): Json<Value>) -> (StatusCode, Json<Value>) {
    let mut node = node.lock().unwrap();
    let method = request["method"].as_str().unwrap_or_default().to_string();
    node.calls.push(method.clone());
    let id = &request["id"];
    match method.as_str() {
        "getLatestBlockhash" => {
            if node.blockhash_failures > 0 {
                node.blockhash_failures -= 1;
                return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
            }
            let i = node.blockhashes_served.min(node.blockhashes.len() - 1);
            node.blockhashes_served += 1;
            let hash = node.blockhashes[i].to_string();
            ok(id, with_context(json!({ "blockhash": hash, "lastValidBlockHeight": 100 })))
        }
        "sendTransaction" => {
            // The wire transaction starts with the signature count (1) and the payer's signature.
            let wire = base64::engine::general_purpose::STANDARD.decode(request["params"][0].as_str().unwrap()).unwrap();
            ok(id, json!(bs58::encode(&wire[1..65]).into_string()))
        }
        "getSignatureStatuses" => ok(id, with_context(json!([node.status.clone()]))),
        "isBlockhashValid" => {
            let hash: Hash = request["params"][0].as_str().unwrap().parse().unwrap();
            ok(id, with_context(json!(node.valid.contains(&hash))))
        }
        "getMultipleAccounts" => ok(id, with_context(json!([null]))),
        _ => (StatusCode::OK, Json(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32601, "message": "no such method" } }))),
    }
}

async fn serve(node: Node) -> (RpcChain, Arc<Mutex<Node>>) {
    let node = Arc::new(Mutex::new(node));
    let app = Router::new().route("/", post(rpc)).with_state(node.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (RpcChain::with_retry(url, Duration::from_secs(2), CommitmentConfig::confirmed(), fast_retries()), node)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        confirmation_poll: Duration::from_millis(5),
    }
}

fn confirmed() -> Value {
    json!({ "slot": 1, "confirmations": 1, "err": null, "status": { "Ok": null }, "confirmationStatus": "confirmed" })
}

fn transfer(blockhash: Hash) -> (Keypair, VersionedTransaction) {
    let payer = Keypair::new();
    let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &payer.pubkey(), 1);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], blockhash);
    (payer, VersionedTransaction::from(tx))
}

#[tokio::test]
async fn transport_failures_are_retried() {
    let hash = Hash::new_unique();
    let (chain, node) = serve(Node { blockhash_failures: 2, blockhashes: vec![hash], ..Node::default() }).await;
    assert_eq!(chain.latest_blockhash().await.unwrap(), hash);
    assert_eq!(node.lock().unwrap().calls.len(), 3);
}

#[tokio::test]
async fn retries_run_out_as_unreachable() {
    let (chain, node) = serve(Node { blockhash_failures: 5, blockhashes: vec![Hash::new_unique()], ..Node::default() }).await;
    assert!(matches!(chain.latest_blockhash().await, Err(ChainError::Unreachable(_))));
    assert_eq!(node.lock().unwrap().calls.len(), 3, "the policy's attempts, no more");
}

#[tokio::test]
async fn a_node_that_is_not_there_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let chain = RpcChain::with_retry(format!("http://127.0.0.1:{port}"), Duration::from_secs(1), CommitmentConfig::confirmed(), fast_retries());
    let result = chain.get_account(&fieldproof_sdk::Pubkey::new_unique()).await;
    assert!(matches!(result, Err(ChainError::Unreachable(_))), "{result:?}");
}

#[tokio::test]
async fn a_missing_account_is_none() {
    let (chain, _) = serve(Node::default()).await;
    assert_eq!(chain.get_account(&fieldproof_sdk::Pubkey::new_unique()).await.unwrap(), None);
}

#[tokio::test]
async fn a_sent_transaction_is_confirmed() {
    let hash = Hash::new_unique();
    let (chain, node) = serve(Node { status: Some(confirmed()), valid: vec![hash], ..Node::default() }).await;
    let (_, tx) = transfer(hash);
    assert_eq!(chain.send_transaction(&tx).await.unwrap(), tx.signatures[0]);
    assert_eq!(node.lock().unwrap().calls, ["sendTransaction", "getSignatureStatuses"]);
}

#[tokio::test]
async fn an_unseen_transaction_with_an_expired_blockhash_is_expired() {
    let (chain, _) = serve(Node::default()).await;
    let (_, tx) = transfer(Hash::new_unique());
    assert!(matches!(chain.send_transaction(&tx).await, Err(ChainError::Expired)));
}

#[tokio::test]
async fn a_failed_transaction_carries_its_error() {
    let failed = json!({ "slot": 1, "confirmations": 1, "err": { "InstructionError": [0, { "Custom": 6023 }] },
                         "status": { "Err": { "InstructionError": [0, { "Custom": 6023 }] } }, "confirmationStatus": "confirmed" });
    let (chain, _) = serve(Node { status: Some(failed), ..Node::default() }).await;
    let (_, tx) = transfer(Hash::new_unique());
    assert!(matches!(chain.send_transaction(&tx).await, Err(ChainError::Transaction { .. })));
}

#[tokio::test]
async fn the_client_re_signs_with_a_fresh_blockhash_after_expiry() {
    // The first blockhash is never valid and the transaction never seen: the client must fetch a
    // new blockhash and send again. The second one never lands either, and refreshes run out.
    let (first, second) = (Hash::new_unique(), Hash::new_unique());
    let (chain, node) = serve(Node { blockhashes: vec![first, second], ..Node::default() }).await;
    let client = Client::new(chain).with_send_options(SendOptions { blockhash_refreshes: 1, priority_fee_micro_lamports: 5, compute_unit_limit: Some(10_000) });
    let payer = Keypair::new();
    let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &payer.pubkey(), 1);
    assert!(matches!(client.send(&[ix], &payer, &[]).await, Err(SdkError::Chain(ChainError::Expired))));
    let calls = node.lock().unwrap().calls.clone();
    assert_eq!(calls.iter().filter(|c| *c == "getLatestBlockhash").count(), 2);
    assert_eq!(calls.iter().filter(|c| *c == "sendTransaction").count(), 2);
}
