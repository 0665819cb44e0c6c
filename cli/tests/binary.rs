//! The `fieldproof` binary run as a user runs it: output and exit codes of each failure class
//! that needs no chain (bad keypair file, unknown device, unreachable node or oracle), in human
//! and `--json` form.
use std::process::{Command, Output};

use fieldproof_sdk::{Pubkey, RewardFile};

fn fieldproof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldproof"))
        .args(args)
        // Nothing listens on port 1: connections are refused at once.
        .env("FIELDPROOF_RPC_URL", "http://127.0.0.1:1")
        .env("FIELDPROOF_ORACLE_URL", "http://127.0.0.1:1")
        .env_remove("FIELDPROOF_KEYPAIR")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

struct Files {
    dir: tempfile::TempDir,
    asset: Pubkey,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let asset = Pubkey::new_unique();
        let file = RewardFile::new(Pubkey::new_unique(), 1, vec![(asset, 100), (Pubkey::new_unique(), 50)]).unwrap();
        std::fs::write(dir.path().join("rewards.json"), file.to_json()).unwrap();
        std::fs::write(dir.path().join("bad-key.json"), "[1, 2, 3]").unwrap();
        Self { dir, asset }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

#[test]
fn a_bad_keypair_file_is_exit_code_3_with_the_path_named() {
    let files = Files::new();
    let (rewards, asset) = (files.path("rewards.json"), files.asset.to_string());
    for keypair in [files.path("missing.json"), files.path("bad-key.json")] {
        let out = fieldproof(&["--keypair", &keypair, "claim", "--file", &rewards, "--asset", &asset]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).starts_with("error: cannot read a keypair from "), "{}", stderr(&out));
        assert!(stderr(&out).contains(&keypair));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn an_unknown_device_is_exit_code_5_before_any_request() {
    let files = Files::new();
    let stranger = Pubkey::new_unique().to_string();
    let out = fieldproof(&["rewards", "--file", &files.path("rewards.json"), "--asset", &stranger]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("device asset {stranger} has no reward in epoch 1")), "{}", stderr(&out));

    let out = fieldproof(&["--json", "rewards", "--file", &files.path("rewards.json"), "--asset", &stranger]);
    assert_eq!(out.status.code(), Some(5));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    assert_eq!(json["error"]["kind"], "not_found");
    assert!(stderr(&out).is_empty(), "--json keeps stderr quiet: {}", stderr(&out));
}

#[test]
fn an_unreachable_node_or_oracle_is_exit_code_4() {
    let files = Files::new();
    let out = fieldproof(&["--timeout-secs", "1", "pool", &Pubkey::new_unique().to_string()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: chain unreachable"), "{}", stderr(&out));

    let device = files.path("device.json");
    solana_keypair::write_keypair_file(&solana_keypair::Keypair::new(), &device).unwrap();
    let out = fieldproof(&["--json", "--timeout-secs", "1", "heartbeat", "--device-keypair", &device, "--h3", "8a2a1072b59ffff"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "unreachable");

    // The watchtower does not start blind: it reads the pool first.
    let out = fieldproof(&["--json", "--timeout-secs", "1", "--keypair", &device, "watch", "--pool", &Pubkey::new_unique().to_string()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "unreachable");
}

#[test]
fn bad_arguments_are_named() {
    let files = Files::new();
    let out = fieldproof(&["pool", "not-an-address"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("pool is not a base58 address"), "{}", stderr(&out));
    let out = fieldproof(&["rewards", "--file", &files.path("nowhere.json")]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("cannot read reward file"), "{}", stderr(&out));
    // Usage errors are clap's: exit code 2.
    assert_eq!(fieldproof(&["claim", "--file", "x"]).status.code(), Some(2));
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // `fieldproof --json ... | head -0`: the pipe is closed before the failure's JSON is written.
    let files = Files::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fieldproof"))
        .args(["--json", "rewards", "--file", &files.path("rewards.json")])
        .env("FIELDPROOF_RPC_URL", "http://127.0.0.1:1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the binary ends");
    assert_eq!(out.status.code(), Some(4), "the failure's own code, not a panic's: {}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    // `fieldproof ... 2>&1 | head -0`: the error message meets a closed pipe too.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_fieldproof"))
        .args(["rewards", "--file", &files.path("rewards.json")])
        .env("FIELDPROOF_RPC_URL", "http://127.0.0.1:1")
        .stdout(writer.try_clone().expect("the pipe again"))
        .stderr(writer)
        .status()
        .expect("the binary runs");
    assert_eq!(status.code(), Some(4), "the failure's own code, not a panic's (101)");
}
