//! The data-credits config and the device network of a network token, as every reward pool and
//! treasury needs them: created by the token's mint authority, which becomes the authority of
//! both.
use data_credits::instructions::InitializeArgs;
use data_credits::state::{PriceSource, CONFIG_SEED, DC_MINT_SEED};
use device_registry::instructions::NetworkArgs;
use device_registry::state::NETWORK_SEED;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bank::anchor_ix;
use crate::tokens::TOKEN_2022;
use crate::Bank;

type Pubkey = anchor_lang::prelude::Pubkey;

/// Time lock of the data-credits configs the helpers create.
pub const DC_TIMELOCK: i64 = 3_600;

/// The data-credits config of `network_mint`.
pub fn dc_config_address(network_mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED, network_mint.as_ref()], &data_credits::ID).0
}

/// The DC mint of `dc_config`.
pub fn dc_mint_address(dc_config: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[DC_MINT_SEED, dc_config.as_ref()], &data_credits::ID).0
}

/// The device network of `dc_config`.
pub fn network_address(dc_config: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[NETWORK_SEED, dc_config.as_ref()], &device_registry::ID).0
}

/// `data_credits::initialize` of `network_mint`, signed by `authority`.
pub fn dc_initialize_ix(payer: Pubkey, authority: Pubkey, network_mint: Pubkey, args: InitializeArgs) -> solana_instruction::Instruction {
    let config = dc_config_address(&network_mint);
    anchor_ix(
        data_credits::ID,
        data_credits::accounts::Initialize {
            payer,
            authority,
            network_mint,
            config,
            dc_mint: dc_mint_address(&config),
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        data_credits::instruction::Initialize { args },
    )
}

/// `device_registry::initialize_network` of `dc_config`, signed by `authority`.
pub fn initialize_network_ix(payer: Pubkey, authority: Pubkey, dc_config: Pubkey) -> solana_instruction::Instruction {
    anchor_ix(
        device_registry::ID,
        device_registry::accounts::InitializeNetwork {
            payer,
            authority,
            network: network_address(&dc_config),
            dc_config,
            system_program: anchor_lang::system_program::ID,
        },
        device_registry::instruction::InitializeNetwork {
            args: NetworkArgs { onboarding_fee: 0, location_fee: 0, metadata_uri: "https://fieldproof.example/d.json".into() },
        },
    )
}

impl Bank {
    /// Creates the data-credits config (burn epochs from `epoch_start`, `epoch_length_secs`
    /// long) and the device network of `network_mint`, both governed by its mint authority.
    /// Returns (DC config, network).
    pub async fn create_network(&mut self, network_mint: Pubkey, mint_authority: &Keypair, epoch_start: i64, epoch_length_secs: i64) -> (Pubkey, Pubkey) {
        let args = InitializeArgs {
            burn_authority: Pubkey::new_unique(),
            guardian: Pubkey::new_unique(),
            timelock_secs: DC_TIMELOCK,
            price_source: PriceSource::Pyth { feed_id: [7; 32] },
            max_price_staleness_secs: 60,
            epoch_start,
            epoch_length_secs,
            breaker: BreakerConfig { window_secs: 3_600, threshold: Threshold::Absolute(u64::MAX) },
        };
        let payer = self.payer().pubkey();
        let dc_config = dc_config_address(&network_mint);
        let ixs = [
            dc_initialize_ix(payer, mint_authority.pubkey(), network_mint, args),
            initialize_network_ix(payer, mint_authority.pubkey(), dc_config),
        ];
        self.send(&ixs, &[mint_authority]).await.expect("create the DC config and the network");
        (dc_config, network_address(&dc_config))
    }
}
