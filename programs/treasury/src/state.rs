use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use data_credits::state::DataCreditsConfig;
use fieldproof_circuit_breaker::{BreakerConfig, WindowedBreaker, BPS};

use crate::errors::TreasuryError;

pub const TREASURY_SEED: &[u8] = b"treasury";
pub const MAX_RECIPIENTS: usize = 8;
/// Longest time lock: it can only rise, so without a bound a proposal could freeze every later
/// change of the parameters.
pub const MAX_TIMELOCK_SECS: i64 = 30 * 86_400;

/// The published emission schedule.
///
/// Epoch `e` covers `[start_ts + e·epoch_length_secs, start_ts + (e+1)·epoch_length_secs)` and
/// may be emitted once it is over. It emits `initial_emission >> (e / halving_interval_epochs)`
/// (nothing after 63 halvings), clipped so the mint's supply never exceeds `max_supply`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct Schedule {
    pub start_ts: i64,
    pub epoch_length_secs: i64,
    pub initial_emission: u64,
    /// Epochs between two halvings; 0 keeps the emission constant.
    pub halving_interval_epochs: u64,
    /// Hard cap on the network token's supply.
    pub max_supply: u64,
}

/// One destination of every emission: a reward-pool vault or any token account of the mint.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct Recipient {
    pub token_account: Pubkey,
    /// Share of the static part of each emission, relative to the other recipients' weights.
    pub weight: u32,
    /// Index into `EpochBurns::usage_by_category`: the reward stream whose DC usage this
    /// recipient's usage-weighted share follows.
    pub category: u8,
}

/// Everything the authority may change, and only through the time lock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct Params {
    pub schedule: Schedule,
    /// In the order emissions are split and their token accounts passed; the first one receives
    /// the rounding remainder.
    #[max_len(MAX_RECIPIENTS)]
    pub recipients: Vec<Recipient>,
    /// Share, in basis points, of every emission split by the epoch's DC usage burns per
    /// category instead of by static weight.
    pub usage_bps: u16,
    /// The data-credits config whose `EpochBurns` accounts weight the usage share.
    pub dc_config: Pubkey,
    /// Must be absolute (its base, the supply, may be zero) and let out at least the schedule's
    /// emission per epoch, at the schedule's rate (see [`Params::validate`]).
    pub breaker: BreakerConfig,
    /// Delay between proposing a parameter change and applying it, during which the guardian can
    /// cancel it. Between 1 second and 30 days; a proposal may raise it, never lower it.
    pub timelock_secs: i64,
}

impl Params {
    /// Checks the parameters on their own; `largest_emission` is the most one epoch from now on
    /// can emit (the schedule's emission of the next epoch: emissions only halve from there).
    pub fn validate(&self, largest_emission: u64) -> Result<()> {
        let s = &self.schedule;
        require!(s.epoch_length_secs > 0, TreasuryError::InvalidSchedule);
        // The end of every epoch must be representable; checked again per epoch when emitting.
        s.start_ts.checked_add(s.epoch_length_secs).ok_or(TreasuryError::InvalidSchedule)?;

        let recipients = &self.recipients;
        require!(
            !recipients.is_empty() && recipients.len() <= MAX_RECIPIENTS,
            TreasuryError::InvalidRecipients
        );
        let distinct = recipients
            .iter()
            .enumerate()
            .all(|(i, r)| !recipients[..i].iter().any(|o| o.token_account == r.token_account));
        let categories_ok = recipients
            .iter()
            .all(|r| usize::from(r.category) < data_credits::state::MAX_CATEGORIES);
        let total_weight: u64 = recipients.iter().map(|r| u64::from(r.weight)).sum();
        require!(distinct && categories_ok && total_weight > 0, TreasuryError::InvalidRecipients);

        require!(u64::from(self.usage_bps) <= BPS, TreasuryError::InvalidUsageShare);
        require!((1..=MAX_TIMELOCK_SECS).contains(&self.timelock_secs), TreasuryError::InvalidTimeLock);
        self.breaker.validate().map_err(breaker_error)?;
        let max = self.breaker.absolute_threshold().ok_or(TreasuryError::BreakerNeedsAbsoluteThreshold)?;
        // An emission is all or nothing and epochs go in order: a breaker below one epoch's
        // emission would stop every later emission for good, and one slower than the schedule
        // would let the emissions fall ever further behind.
        let window = u128::from(self.breaker.window_secs);
        let epoch_length = u128::try_from(s.epoch_length_secs).map_err(|_| error!(TreasuryError::InvalidSchedule))?;
        // u64 × u64 fits u128.
        let keeps_up = u128::from(max) * epoch_length >= u128::from(largest_emission) * window;
        require!(max >= largest_emission && keeps_up, TreasuryError::BreakerBelowEmission);
        Ok(())
    }

    /// Checks that `dc_config` is the data-credits config of `mint` these parameters name, and
    /// that its burn epochs are the treasury's epochs: the usage split reads the burns of the
    /// DC epoch of the same number.
    pub fn check_dc_config(&self, dc_config: &Account<DataCreditsConfig>, mint: &Pubkey) -> Result<()> {
        require_keys_eq!(dc_config.key(), self.dc_config, TreasuryError::WrongDcConfig);
        require_keys_eq!(dc_config.network_mint, *mint, TreasuryError::WrongDcConfig);
        require!(
            dc_config.epoch_start == self.schedule.start_ts && dc_config.epoch_length_secs == self.schedule.epoch_length_secs,
            TreasuryError::ScheduleMismatch
        );
        Ok(())
    }

    /// Checks that `accounts` are the recipients' token accounts, in the stored order, and
    /// token accounts of `mint` under `token_program`.
    pub fn check_recipient_accounts(
        &self,
        accounts: &[AccountInfo],
        mint: &Pubkey,
        token_program: &Pubkey,
    ) -> Result<()> {
        require!(accounts.len() == self.recipients.len(), TreasuryError::RecipientCountMismatch);
        for (recipient, account) in self.recipients.iter().zip(accounts) {
            require_keys_eq!(account.key(), recipient.token_account, TreasuryError::WrongRecipientAccount);
            require_keys_eq!(*account.owner, *token_program, TreasuryError::RecipientNotTokenAccount);
            let data = account.try_borrow_data()?;
            let token_account = TokenAccount::try_deserialize_unchecked(&mut &data[..])
                .map_err(|_| TreasuryError::RecipientNotTokenAccount)?;
            require_keys_eq!(token_account.mint, *mint, TreasuryError::RecipientWrongMint);
        }
        Ok(())
    }
}

/// Whether `account` can receive a mint of `mint` now: a token account of the mint under
/// `token_program`, not frozen. A recipient that cannot (closed by its owner, frozen, or
/// replaced) is skipped by emissions rather than stopping them for every other recipient.
pub fn can_receive(account: &AccountInfo, mint: &Pubkey, token_program: &Pubkey) -> bool {
    if account.owner != token_program {
        return false;
    }
    let Ok(data) = account.try_borrow_data() else { return false };
    match TokenAccount::try_deserialize_unchecked(&mut &data[..]) {
        Ok(token_account) => token_account.mint == *mint && !token_account.is_frozen(),
        Err(_) => false,
    }
}

/// A parameter change waiting for its time lock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingParams {
    pub params: Params,
    pub apply_after: i64,
}

/// A new guardian waiting out the time lock; the current guardian can cancel it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingGuardian {
    pub guardian: Pubkey,
    pub applicable_at: i64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Role {
    /// Proposes parameter changes; hands over in two steps, at once.
    Authority,
    /// Cancels pending changes; a new one waits out the time lock.
    Guardian,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct Treasury {
    /// The network token; the treasury PDA is its mint authority.
    pub mint: Pubkey,
    /// SPL Token or Token-2022, whichever owns the mint.
    pub token_program: Pubkey,
    pub authority: Pubkey,
    /// Proposed authority; `Pubkey::default()` when none is pending.
    pub pending_authority: Pubkey,
    /// Cancels pending parameter changes; never the authority's key.
    pub guardian: Pubkey,
    pub pending_guardian: Option<PendingGuardian>,
    pub params: Params,
    pub pending_params: Option<PendingParams>,
    /// Emissions happen once per epoch, in order: the only epoch that may be emitted next.
    pub next_epoch: u64,
    /// Minted by the treasury, ever.
    pub total_emitted: u64,
    pub breaker: WindowedBreaker,
    pub bump: u8,
}

pub fn breaker_error(e: fieldproof_circuit_breaker::BreakerError) -> Error {
    use fieldproof_circuit_breaker::BreakerError;
    match e {
        BreakerError::InvalidConfig => TreasuryError::InvalidBreakerConfig.into(),
        BreakerError::Tripped => TreasuryError::CircuitBreakerTripped.into(),
        BreakerError::Overflow => TreasuryError::ArithmeticOverflow.into(),
    }
}
