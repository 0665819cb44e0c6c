//! The reward story, in an in-process bank with the real programs and the real Bubblegum and
//! account compression: a network issues a fleet of devices as cNFTs, a pool with a 2-of-3
//! oracle quorum is funded, two oracles co-sign the epoch's reward root, it is posted, and every
//! device's owner claims exactly their reward — proving they own the device cNFT now.
//!
//! `scripts/reward-story.sh [devices]`
use fieldproof_bubblegum_tests::pool::{RewardPool, Rewards, FUNDING};
use fieldproof_bubblegum_tests::registry::Registry;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let devices: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(8);
    if devices == 0 || devices > 32 {
        return Err("the story's device tree holds 1 to 32 devices".into());
    }
    let mut r = Registry::new(5, 8, 2).await;
    println!("network {}: devices are cNFTs in tree {} (depth 5, canopy 2)", r.network, r.tree);

    let owners: Vec<Keypair> = (0..devices).map(|_| Keypair::new()).collect();
    let mut fleet = Vec::new();
    for owner in &owners {
        let device = r.issue(&owner.pubkey()).await;
        println!("device {}: issued to {} (signed by the device and its maker)", device.info.asset, owner.pubkey());
        fleet.push(device);
    }

    let mut pool = RewardPool::new(&mut r).await;
    println!("pool {}: 2-of-3 oracle quorum, vault funded with {} tokens", pool.pool, FUNDING / 1_000_000);
    let rewards = Rewards::new(fleet.iter().enumerate().map(|(i, d)| (d.info.asset, 1_000 * (i as u64 + 1))).collect());
    let total: u64 = rewards.leaves.iter().map(|(_, a)| a).sum();
    pool.post(&mut r, &rewards).await;
    let root: String = rewards.tree.root().iter().map(|b| format!("{b:02x}")).collect();
    println!("epoch 1: root {root} over {devices} devices, total {total}, signed by oracles 1 and 3");

    for (device, owner) in fleet.iter().zip(&owners) {
        let to = r.bank.create_token_account(pool.token_program, &pool.mint, &owner.pubkey()).await;
        pool.claim(&mut r, device, owner, to, &rewards).await?;
        println!("device {}: its owner proved the cNFT and claimed {}", device.info.asset, r.bank.token_balance(to).await);
    }
    let left = r.bank.token_balance(pool.vault).await;
    println!("vault: {left} left = {FUNDING} funded - {total} claimed");
    Ok(())
}
