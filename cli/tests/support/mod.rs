//! What the command tests share: the command line parsed as a user types it, run against the
//! test world (in process or on a node) as the holder of a keypair file, and a program's refusal
//! read off the failure the way `--json` prints it.
use std::path::PathBuf;

use clap::Parser;
use fieldproof_cli::{execute, Cli, Command, Context, Failure, Outcome};
use fieldproof_sdk::{Client, OwnershipSource};
use fieldproof_tests::world::World;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// `fieldproof <args>` as clap parses it.
pub fn command(args: &[&str]) -> Command {
    Cli::try_parse_from(std::iter::once("fieldproof").chain(args.iter().copied())).unwrap_or_else(|e| panic!("fieldproof {args:?}: {e}")).command
}

/// Keypair files in a directory of their own.
pub struct KeyFiles {
    dir: tempfile::TempDir,
}

impl KeyFiles {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    /// The path of `name` in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `key` as `<name>.json` and returns its path.
    pub fn write(&self, name: &str, key: &Keypair) -> PathBuf {
        let path = self.file(&format!("{name}.json"));
        solana_keypair::write_keypair_file(key, &path).unwrap();
        path
    }
}

/// Runs `command` in `world` signed by the keypair file `keypair`, proofs from `ownership`.
pub async fn run<O: OwnershipSource>(world: &World, ownership: O, keypair: &std::path::Path, command: &Command) -> Result<Outcome, Failure> {
    let ctx = Context { client: Client::new(world.chain()), ownership, keypair: keypair.to_path_buf(), progress: false };
    execute(command, &ctx).await
}

/// The name `program` refused with, checked as scripts see it: exit code 1 and `--json`'s
/// `{"error": {"kind": "refused", "program", "name"}}`. Recorded for the error-coverage check.
#[track_caller]
pub fn refusal(result: Result<Outcome, Failure>, program: &str) -> &'static str {
    let failure = match result {
        Err(failure) => failure,
        Ok(outcome) => panic!("expected a refusal by {program}, got {}", outcome.json),
    };
    let json = failure.to_json();
    assert_eq!((failure.exit_code(), json["error"]["kind"].as_str(), json["error"]["program"].as_str()), (1, Some("refused"), Some(program)), "{failure}");
    let name = failure.program_error().unwrap_or_else(|| panic!("not a program's refusal: {failure}"));
    assert_eq!(json["error"]["name"], name);
    let lane = if std::env::var_os("FIELDPROOF_RPC_URL").is_some() { "node" } else { "native" };
    fieldproof_tests::errors::record_refusal(lane, program, name);
    name
}

/// Gives `key` lamports for its fees.
pub async fn fund(world: &World, key: &Keypair) {
    let ix = anchor_lang::solana_program::system_instruction::transfer(&world.payer().pubkey(), &key.pubkey(), 1_000_000_000);
    world.send(&[ix], &[]).await.unwrap();
}

