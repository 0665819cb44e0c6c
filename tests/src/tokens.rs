//! Mints and token accounts for tests, for both SPL Token and Token-2022.
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use solana_program_pack::Pack;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::Bank;

type Pubkey = anchor_lang::prelude::Pubkey;

pub const SPL_TOKEN: Pubkey = anchor_spl::token::ID;
pub const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;

impl Bank {
    /// Creates a mint owned by `token_program` with `authority` as mint authority.
    pub async fn create_mint(&mut self, token_program: Pubkey, authority: &Pubkey, decimals: u8) -> Pubkey {
        self.create_mint_at(token_program, &Keypair::new(), authority, decimals).await
    }

    /// [`create_mint`](Self::create_mint) at the address of `mint`.
    pub async fn create_mint_at(&mut self, token_program: Pubkey, mint: &Keypair, authority: &Pubkey, decimals: u8) -> Pubkey {
        let space = spl_token_2022::state::Mint::LEN;
        let rent = self.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(space);
        let payer = self.payer();
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent,
                space as u64,
                &token_program,
            ),
            spl_token_2022::instruction::initialize_mint2(&token_program, &mint.pubkey(), authority, None, decimals)
                .expect("initialize_mint2"),
        ];
        self.send(&ixs, &[mint]).await.expect("create mint");
        mint.pubkey()
    }

    /// Creates a plain token account of `mint` owned by `owner`.
    pub async fn create_token_account(&mut self, token_program: Pubkey, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let space = spl_token_2022::state::Account::LEN;
        let rent = self.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(space);
        let payer = self.payer();
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer.pubkey(),
                &account.pubkey(),
                rent,
                space as u64,
                &token_program,
            ),
            spl_token_2022::instruction::initialize_account3(&token_program, &account.pubkey(), mint, owner)
                .expect("initialize_account3"),
        ];
        self.send(&ixs, &[&account]).await.expect("create token account");
        account.pubkey()
    }

    pub async fn mint_tokens(&mut self, token_program: Pubkey, mint: &Pubkey, to: &Pubkey, authority: &Keypair, amount: u64) {
        let ix = spl_token_2022::instruction::mint_to(&token_program, mint, to, &authority.pubkey(), &[], amount)
            .expect("mint_to");
        self.send(&[ix], &[authority]).await.expect("mint tokens");
    }

    /// Balance of a token account of either token program; 0 when it does not exist.
    pub async fn token_balance(&mut self, account: Pubkey) -> u64 {
        match self.raw_account(account).await {
            Some(a) => StateWithExtensions::<spl_token_2022::state::Account>::unpack(&a.data)
                .expect("token account")
                .base
                .amount,
            None => 0,
        }
    }

    pub async fn mint_supply(&mut self, mint: Pubkey) -> u64 {
        let a = self.raw_account(mint).await.expect("mint exists");
        StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&a.data).expect("mint").base.supply
    }
}
