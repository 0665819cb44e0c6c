//! device-registry: who may create a network. (Issuing, asserting and transferring devices needs
//! Bubblegum: tests/bubblegum/tests/registry.rs and the SDK's node tests.)
use anchor_lang::prelude::Pubkey;
use data_credits::instructions::InitializeArgs;
use data_credits::state::PriceSource;
use device_registry::errors::RegistryError;
use device_registry::state::NetworkConfig;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_tests::network::{dc_config_address, dc_initialize_ix, initialize_network_ix, network_address};
use fieldproof_tests::tokens::SPL_TOKEN;
use fieldproof_tests::{assert_program_error, Bank};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn only_the_dc_authority_creates_the_network_of_its_config() {
    // The network's address derives from the data-credits config alone, and pools bind to it:
    // whoever created it first would approve the makers and set the fees.
    let mut bank = Bank::start().await;
    let mint_authority = Keypair::new();
    let mint = bank.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
    let args = InitializeArgs {
        burn_authority: Pubkey::new_unique(),
        guardian: Pubkey::new_unique(),
        timelock_secs: 60,
        price_source: PriceSource::Pyth { feed_id: [1; 32] },
        max_price_staleness_secs: 60,
        epoch_start: 0,
        epoch_length_secs: 60,
        breaker: BreakerConfig { window_secs: 60, threshold: Threshold::Absolute(1) },
    };
    let payer = bank.payer().pubkey();
    bank.send(&[dc_initialize_ix(payer, mint_authority.pubkey(), mint, args)], &[&mint_authority]).await.expect("DC config");
    let dc_config = dc_config_address(&mint);
    let network = network_address(&dc_config);

    let squatter = Keypair::new();
    let ix = initialize_network_ix(payer, squatter.pubkey(), dc_config);
    assert_program_error(bank.send(&[ix], &[&squatter]).await, RegistryError::NotDcAuthority);
    assert!(!bank.exists(network).await, "nothing is created");

    let ix = initialize_network_ix(payer, mint_authority.pubkey(), dc_config);
    bank.send(&[ix], &[&mint_authority]).await.expect("the DC authority creates it");
    let created: NetworkConfig = bank.account(network).await;
    assert_eq!((created.authority, created.dc_config), (mint_authority.pubkey(), dc_config));
}
