//! An in-process bank with the Fieldproof programs registered natively (as the workspace's test
//! harness does it), and an SDK client over it.
#![allow(dead_code)] // each test binary uses a different part of the harness

use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use fieldproof_sdk::{BanksChain, Client};
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_program_test::{processor, ProgramTest, ProgramTestContext};
use solana_signer::Signer;

type AccountInfo<'a> = anchor_lang::solana_program::account_info::AccountInfo<'a>;
type ProgramResult = anchor_lang::solana_program::entrypoint::ProgramResult;

// Anchor's `entry` ties every account lifetime to one `'info`; the accounts outlive the call,
// so re-borrowing them under one lifetime is sound (see tests/src/native_programs.rs).
macro_rules! anchor_processor {
    ($name:ident, $program:ident) => {
        fn $name<'a, 'b, 'c, 'd>(program_id: &'a Pubkey, accounts: &'b [AccountInfo<'c>], data: &'d [u8]) -> ProgramResult {
            // SAFETY: all three borrows outlive the call.
            let (program_id, accounts, data): (&'c Pubkey, &'c [AccountInfo<'c>], &'c [u8]) =
                unsafe { (std::mem::transmute(program_id), std::mem::transmute(accounts), std::mem::transmute(data)) };
            $program::entry(program_id, accounts, data)
        }
    };
}

anchor_processor!(reward_pool_entry, reward_pool);
anchor_processor!(treasury_entry, treasury);
anchor_processor!(data_credits_entry, data_credits);
anchor_processor!(device_registry_entry, device_registry);

pub const SPL_TOKEN: Pubkey = anchor_spl::token::ID;
pub const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;

pub struct World {
    pub ctx: ProgramTestContext,
    pub client: Client<BanksChain>,
}

impl World {
    pub async fn start() -> Self {
        let mut test = ProgramTest::default();
        // ProgramTest installs a debug logger of every transaction; replace it afterwards so test
        // output stays readable unless RUST_LOG asks for more.
        agave_logger::setup_with_default("error");
        test.prefer_bpf(false);
        test.add_program("reward_pool", reward_pool::ID, processor!(reward_pool_entry));
        test.add_program("treasury", treasury::ID, processor!(treasury_entry));
        test.add_program("data_credits", data_credits::ID, processor!(data_credits_entry));
        test.add_program("device_registry", device_registry::ID, processor!(device_registry_entry));
        let ctx = test.start_with_context().await;
        let client = Client::new(BanksChain::new(ctx.banks_client.clone()));
        Self { ctx, client }
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    pub async fn clock(&self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock")
    }

    pub async fn advance_clock(&self, secs: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp += secs;
        self.ctx.set_sysvar(&clock);
    }

    pub async fn send(&self, ixs: &[anchor_lang::solana_program::instruction::Instruction], signers: &[&Keypair]) -> Result<(), fieldproof_sdk::SdkError> {
        self.client.send(ixs, &self.payer(), signers).await.map(drop)
    }

    async fn create_account(&self, space: usize, owner: &Pubkey) -> (Keypair, anchor_lang::solana_program::instruction::Instruction) {
        let account = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(space);
        let ix = anchor_lang::solana_program::system_instruction::create_account(&self.payer().pubkey(), &account.pubkey(), rent, space as u64, owner);
        (account, ix)
    }

    pub async fn create_mint(&self, token_program: Pubkey, authority: &Pubkey, decimals: u8) -> Pubkey {
        let (mint, create) = self.create_account(spl_token_2022::state::Mint::LEN, &token_program).await;
        let init = spl_token_2022::instruction::initialize_mint2(&token_program, &mint.pubkey(), authority, None, decimals).unwrap();
        self.send(&[create, init], &[&mint]).await.expect("create mint");
        mint.pubkey()
    }

    pub async fn create_token_account(&self, token_program: Pubkey, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let (account, create) = self.create_account(spl_token_2022::state::Account::LEN, &token_program).await;
        let init = spl_token_2022::instruction::initialize_account3(&token_program, &account.pubkey(), mint, owner).unwrap();
        self.send(&[create, init], &[&account]).await.expect("create token account");
        account.pubkey()
    }

    pub async fn mint_tokens(&self, token_program: Pubkey, mint: &Pubkey, to: &Pubkey, authority: &Keypair, amount: u64) {
        let ix = spl_token_2022::instruction::mint_to(&token_program, mint, to, &authority.pubkey(), &[], amount).unwrap();
        self.send(&[ix], &[authority]).await.expect("mint tokens");
    }

    pub async fn token_balance(&self, account: Pubkey) -> u64 {
        match self.ctx.banks_client.get_account(account).await.expect("bank") {
            Some(a) => StateWithExtensions::<spl_token_2022::state::Account>::unpack(&a.data).expect("token account").base.amount,
            None => 0,
        }
    }
}
