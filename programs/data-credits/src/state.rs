use anchor_lang::prelude::*;
use fieldproof_circuit_breaker::{BreakerConfig, WindowedBreaker};

use crate::errors::DataCreditsError;

/// Seed of the network config: [CONFIG_SEED, network token mint].
pub const CONFIG_SEED: &[u8] = b"dc_config";
/// Seed of the DC mint: [DC_MINT_SEED, config].
pub const DC_MINT_SEED: &[u8] = b"dc_mint";
/// Seed of the oracle-quorum price account: [PRICE_ORACLE_SEED, config].
pub const PRICE_ORACLE_SEED: &[u8] = b"price_oracle";
/// Seed of a delegated usage escrow: [ESCROW_SEED, config, payer, router].
pub const ESCROW_SEED: &[u8] = b"escrow";
/// Seed of the per-epoch burn totals: [EPOCH_BURNS_SEED, dc config, epoch as u64 LE].
pub const EPOCH_BURNS_SEED: &[u8] = b"epoch_burns";
/// Usage burns are tracked per reward stream ("category"), e.g. 0 = coverage, 1 = mapping.
pub const MAX_CATEGORIES: usize = 4;
/// DC are whole units: there is no fraction of a data credit.
pub const DC_DECIMALS: u8 = 0;
/// 1 DC = $0.00001, so one dollar buys 10^5 DC.
pub const DC_PER_USD_EXPONENT: i32 = 5;
/// Most keys an oracle-quorum price account accepts submissions from.
pub const MAX_SUBMITTERS: usize = 10;
/// Bound on price exponents, far beyond any real feed, so 10^exponent arithmetic stays small.
pub const MAX_PRICE_EXPONENT: i32 = 18;
/// Longest time lock: the authority raises it at once, so without a bound it could freeze
/// every later change of the config.
pub const MAX_TIMELOCK_SECS: i64 = 30 * 86_400;
/// A payer's withdrawal of delegated DC waits this many burn epochs after it is requested, so
/// the burn authority can still burn the usage already served (usage is burned in the epoch it
/// is verified in).
pub const WITHDRAWAL_NOTICE_EPOCHS: i64 = 2;

/// Where the network token's USD price comes from.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum PriceSource {
    /// Any Pyth `PriceUpdateV2` account of this feed, fully verified by the Pyth receiver.
    Pyth { feed_id: [u8; 32] },
    /// This program's oracle-quorum median price account.
    Quorum { oracle: Pubkey },
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Role {
    /// Proposes changes of the configuration, the price oracle's submitters and the roles;
    /// hands over in two steps, at once (it gains no power by changing hands).
    Authority,
    /// The oracle's key that burns delegated DC per usage batch; a new one waits out the time
    /// lock (it could burn every escrow).
    BurnAuthority,
    /// Cancels pending loosening changes; a new one waits out the time lock.
    Guardian,
}

/// A key proposed for a time-locked role, and when it may accept.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingKey {
    pub key: Pubkey,
    pub applicable_at: i64,
}

/// What minting DC depends on: where the price comes from, how old it may be, and how fast DC
/// may be minted.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct Settings {
    pub price_source: PriceSource,
    /// A price older than this is refused.
    pub max_price_staleness_secs: i64,
    pub breaker: BreakerConfig,
}

impl Settings {
    pub fn validate(&self) -> Result<()> {
        validate_settings(self.max_price_staleness_secs, &self.price_source)?;
        self.breaker.validate().map_err(breaker_error)?;
        // The breaker's base is the DC supply, which starts at zero: a share of it allows nothing.
        require!(self.breaker.absolute_threshold().is_some(), DataCreditsError::BreakerNeedsAbsoluteThreshold);
        Ok(())
    }

    /// Whether `self` is no looser than `current`: the same price source, a staleness limit no
    /// longer, a breaker that lets no more out.
    pub fn is_at_least_as_tight_as(&self, current: &Settings) -> bool {
        self.price_source == current.price_source
            && self.max_price_staleness_secs <= current.max_price_staleness_secs
            && self.breaker.is_at_least_as_tight_as(&current.breaker)
    }
}

/// Settings waiting out the time lock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingSettings {
    pub settings: Settings,
    pub applicable_at: i64,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct DataCreditsConfig {
    // The fields up to `epoch_length_secs` are what fee burns read, first and in this order so
    // they can be decoded alone (see [`ConfigHead`]).
    /// The network token burned to mint DC (SPL Token or Token-2022).
    pub network_mint: Pubkey,
    /// The Token-2022 NonTransferable DC mint, a PDA whose mint authority is this config.
    pub dc_mint: Pubkey,
    /// Epoch e spans [epoch_start + e * epoch_length_secs, epoch_start + (e + 1) * epoch_length_secs).
    pub epoch_start: i64,
    pub epoch_length_secs: i64,
    pub authority: Pubkey,
    /// Proposed authority; `Pubkey::default()` when none is pending.
    pub pending_authority: Pubkey,
    pub burn_authority: Pubkey,
    pub pending_burn_authority: Option<PendingKey>,
    /// Cancels pending loosening changes; never the authority's key.
    pub guardian: Pubkey,
    pub pending_guardian: Option<PendingKey>,
    /// How long every loosening change waits. Fixed at creation as a floor: it can only rise.
    pub timelock_secs: i64,
    pub pending_settings: Option<PendingSettings>,
    pub price_source: PriceSource,
    /// A price older than this is refused.
    pub max_price_staleness_secs: i64,
    /// Limits how much DC can be minted per window.
    pub breaker: WindowedBreaker,
    pub bump: u8,
    pub dc_mint_bump: u8,
}

/// The leading fields of a [`DataCreditsConfig`]: its mints and its burn epochs, all a fee burn
/// needs. Their encoding is the start of the config's (checked by a test), so fee burns (and the
/// registry, which names the epoch) decode them alone instead of the whole config.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigHead {
    pub network_mint: Pubkey,
    pub dc_mint: Pubkey,
    pub epoch_start: i64,
    pub epoch_length_secs: i64,
}

impl ConfigHead {
    /// The head of the config at `account`, which must be a config of this program.
    pub fn read(account: &AccountInfo) -> Result<Self> {
        require_keys_eq!(*account.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
        let data = account.try_borrow_data()?;
        require!(data.len() > 8 && data[..8] == *DataCreditsConfig::DISCRIMINATOR, ErrorCode::AccountDiscriminatorMismatch);
        Self::deserialize(&mut &data[8..]).map_err(|_| ErrorCode::AccountDidNotDeserialize.into())
    }

    /// The burn epoch `now` falls in.
    pub fn epoch_at(&self, now: i64) -> Result<u64> {
        epoch_at(self.epoch_start, self.epoch_length_secs, now)
    }

    /// Refuses a burn booked under another epoch than the current one, so a transaction built
    /// just before an epoch boundary cannot add to a closed epoch's totals.
    pub fn require_current_epoch(&self, epoch: u64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(self.epoch_at(now)? == epoch, DataCreditsError::EpochMismatch);
        Ok(())
    }
}

/// The epoch of burns starting at `epoch_start`, `epoch_length_secs` long, that `now` falls in.
fn epoch_at(epoch_start: i64, epoch_length_secs: i64, now: i64) -> Result<u64> {
    require!(now >= epoch_start, DataCreditsError::EpochNotStarted);
    // Both are non-negative here; unsigned division because SBF has no signed division.
    let elapsed = now.checked_sub(epoch_start).ok_or(DataCreditsError::ArithmeticOverflow)?;
    let elapsed = u64::try_from(elapsed).map_err(|_| error!(DataCreditsError::ArithmeticOverflow))?;
    let length = u64::try_from(epoch_length_secs).map_err(|_| error!(DataCreditsError::ArithmeticOverflow))?;
    elapsed.checked_div(length).ok_or(error!(DataCreditsError::ArithmeticOverflow))
}

impl DataCreditsConfig {
    /// The price source, staleness limit and breaker in force.
    pub fn settings(&self) -> Settings {
        Settings {
            price_source: self.price_source,
            max_price_staleness_secs: self.max_price_staleness_secs,
            breaker: self.breaker.config,
        }
    }

    /// When a change proposed at `now` may take effect.
    pub fn unlocks_at(&self, now: i64) -> Result<i64> {
        now.checked_add(self.timelock_secs).ok_or_else(|| DataCreditsError::ArithmeticOverflow.into())
    }

    /// The burn epoch `now` falls in.
    pub fn epoch_at(&self, now: i64) -> Result<u64> {
        epoch_at(self.epoch_start, self.epoch_length_secs, now)
    }

    /// Refuses a burn booked under another epoch than the current one, so a transaction built
    /// just before an epoch boundary cannot add to a closed epoch's totals.
    pub fn require_current_epoch(&self, epoch: u64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(self.epoch_at(now)? == epoch, DataCreditsError::EpochMismatch);
        Ok(())
    }
}

/// Whether `timelock_secs` may be a config's time lock: at least a second (a zero lock gives the
/// guardian no time to cancel anything) and at most [`MAX_TIMELOCK_SECS`].
pub fn validate_timelock(timelock_secs: i64) -> Result<()> {
    require!((1..=MAX_TIMELOCK_SECS).contains(&timelock_secs), DataCreditsError::InvalidTimeLock);
    Ok(())
}

pub fn validate_settings(max_price_staleness_secs: i64, price_source: &PriceSource) -> Result<()> {
    require!(max_price_staleness_secs > 0, DataCreditsError::InvalidStaleness);
    if let PriceSource::Quorum { oracle } = price_source {
        require!(*oracle != Pubkey::default(), DataCreditsError::InvalidPriceSource);
    }
    Ok(())
}

/// One submitter's latest price.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct PriceSubmission {
    /// USD price of one whole network token, times 10^-expo of the oracle account.
    pub price: u64,
    /// When it was submitted; 0 when the slot has never been filled.
    pub submitted_at: i64,
}

/// An oracle-quorum price: each submitter keeps its latest price in its own slot, and readers
/// take the median of the fresh ones, so up to half the quorum minus one can lie or go silent.
#[account]
#[derive(InitSpace, Debug)]
pub struct PriceOracle {
    pub config: Pubkey,
    pub submitters: [Pubkey; MAX_SUBMITTERS],
    pub submitter_count: u8,
    /// Fewest fresh submissions a reader accepts.
    pub min_submissions: u8,
    /// Decimal exponent of every submitted price (e.g. -8: price 123_000_000 means $1.23).
    pub expo: i32,
    /// Slot i belongs to submitters[i].
    pub submissions: [PriceSubmission; MAX_SUBMITTERS],
    /// A new submitter set waiting out the config's time lock.
    pub pending: Option<PendingSubmitters>,
    pub bump: u8,
}

/// A submitter set: 1 to 10 distinct keys, and how many fresh prices a reader needs.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct SubmitterSet {
    pub keys: [Pubkey; MAX_SUBMITTERS],
    pub count: u8,
    pub min_submissions: u8,
}

impl SubmitterSet {
    pub fn new(submitters: &[Pubkey], min_submissions: u8) -> Result<Self> {
        let distinct = submitters.iter().enumerate().all(|(i, k)| !submitters[..i].contains(k));
        require!(
            !submitters.is_empty()
                && submitters.len() <= MAX_SUBMITTERS
                && distinct
                && min_submissions >= 1
                && usize::from(min_submissions) <= submitters.len(),
            DataCreditsError::InvalidSubmitterSet
        );
        let mut keys = [Pubkey::default(); MAX_SUBMITTERS];
        keys[..submitters.len()].copy_from_slice(submitters);
        Ok(Self { keys, count: submitters.len() as u8, min_submissions })
    }

    pub fn keys(&self) -> &[Pubkey] {
        &self.keys[..usize::from(self.count)]
    }
}

/// A submitter set waiting out the config's time lock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingSubmitters {
    pub set: SubmitterSet,
    pub applicable_at: i64,
}

impl PriceOracle {
    pub fn submitters(&self) -> &[Pubkey] {
        &self.submitters[..usize::from(self.submitter_count)]
    }

    /// Replaces the submitter set and forgets every earlier submission, so a removed key's last
    /// price cannot keep counting.
    pub fn set_submitters(&mut self, set: &SubmitterSet) {
        self.submitters = set.keys;
        self.submitter_count = set.count;
        self.min_submissions = set.min_submissions;
        self.submissions = [PriceSubmission::default(); MAX_SUBMITTERS];
    }
}

/// DC a payer delegated for the usage of one router (operator) key. The escrow PDA owns the DC
/// token account the burn authority burns from.
#[account]
#[derive(InitSpace, Debug)]
pub struct DelegatedEscrow {
    pub config: Pubkey,
    pub payer: Pubkey,
    pub router: Pubkey,
    /// Lifetime DC delegated into and burned out of the escrow.
    pub delegated: u64,
    pub burned: u64,
    /// When the payer may take back what is left (`withdraw_delegated`); 0 when no withdrawal
    /// was requested.
    pub withdrawable_at: i64,
    /// Lifetime DC the payer took back.
    pub withdrawn: u64,
    pub bump: u8,
}

/// DC burned during one epoch, read by the treasury to weight emissions by real usage.
#[account]
#[derive(InitSpace, Debug)]
pub struct EpochBurns {
    pub config: Pubkey,
    pub epoch: u64,
    /// Delegated usage burns, per category.
    pub usage_by_category: [u64; MAX_CATEGORIES],
    /// Fee burns (onboarding, location asserts).
    pub fees: u64,
    pub bump: u8,
}

impl EpochBurns {
    /// The burn totals of `epoch` of `config` at `account`: decoded when they exist, created at
    /// their canonical address (paid by `payer`) when they do not. Only this function creates
    /// them, always at the canonical address, so totals of this program naming the config and
    /// the epoch are THE totals: no address derivation is needed to open them.
    pub fn open_or_create<'info>(
        account: &AccountInfo<'info>,
        config: &Pubkey,
        epoch: u64,
        payer: &AccountInfo<'info>,
        system_program: &AccountInfo<'info>,
    ) -> Result<Self> {
        if *account.owner == crate::ID {
            let burns = Self::try_deserialize(&mut &account.try_borrow_data()?[..])?;
            require!(burns.config == *config && burns.epoch == epoch, DataCreditsError::WrongEpochBurns);
            return Ok(burns);
        }
        let epoch_seed = epoch.to_le_bytes();
        let seeds: &[&[u8]] = &[EPOCH_BURNS_SEED, config.as_ref(), &epoch_seed];
        let (address, bump) = fieldproof_pda::find_program_address(seeds, &crate::ID).ok_or(DataCreditsError::WrongEpochBurns)?;
        require_keys_eq!(account.key(), address, DataCreditsError::WrongEpochBurns);
        let signer: &[&[u8]] = &[EPOCH_BURNS_SEED, config.as_ref(), &epoch_seed, &[bump]];
        fieldproof_pda::create_account(payer, account, system_program, signer, 8 + Self::INIT_SPACE, &crate::ID)?;
        Ok(Self { config: *config, epoch, usage_by_category: [0; MAX_CATEGORIES], fees: 0, bump })
    }

    /// Writes the totals into their account (discriminator included).
    pub fn store(&self, account: &AccountInfo) -> Result<()> {
        let mut data = account.try_borrow_mut_data()?;
        let mut out: &mut [u8] = &mut data;
        self.try_serialize(&mut out)
    }
}

pub fn breaker_error(e: fieldproof_circuit_breaker::BreakerError) -> Error {
    use fieldproof_circuit_breaker::BreakerError;
    match e {
        BreakerError::InvalidConfig => DataCreditsError::InvalidBreakerConfig.into(),
        BreakerError::Tripped => DataCreditsError::CircuitBreakerTripped.into(),
        BreakerError::Overflow => DataCreditsError::ArithmeticOverflow.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldproof_circuit_breaker::{BreakerConfig, Threshold};

    #[test]
    fn the_head_is_the_start_of_the_configs_encoding() {
        let config = DataCreditsConfig {
            network_mint: Pubkey::new_from_array([1; 32]),
            dc_mint: Pubkey::new_from_array([2; 32]),
            epoch_start: 3,
            epoch_length_secs: 4,
            authority: Pubkey::new_from_array([5; 32]),
            pending_authority: Pubkey::default(),
            burn_authority: Pubkey::new_from_array([6; 32]),
            pending_burn_authority: Some(PendingKey { key: Pubkey::new_from_array([7; 32]), applicable_at: 8 }),
            guardian: Pubkey::new_from_array([9; 32]),
            pending_guardian: None,
            timelock_secs: 10,
            pending_settings: None,
            price_source: PriceSource::Quorum { oracle: Pubkey::new_from_array([11; 32]) },
            max_price_staleness_secs: 12,
            breaker: WindowedBreaker { config: BreakerConfig { window_secs: 13, threshold: Threshold::Absolute(14) }, last_total: 15, last_ts: 16 },
            bump: 17,
            dc_mint_bump: 18,
        };
        let mut data = Vec::new();
        config.try_serialize(&mut data).unwrap();
        let head = ConfigHead::deserialize(&mut &data[8..]).unwrap();
        assert_eq!((head.network_mint, head.dc_mint, head.epoch_start, head.epoch_length_secs), (config.network_mint, config.dc_mint, 3, 4));
    }
}
