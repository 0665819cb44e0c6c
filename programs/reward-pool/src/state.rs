use anchor_lang::prelude::*;
use fieldproof_circuit_breaker::{BreakerConfig, WindowedBreaker};

use crate::errors::RewardPoolError;

pub const POOL_SEED: &[u8] = b"pool";
pub const VAULT_SEED: &[u8] = b"vault";
pub const CLAIM_SEED: &[u8] = b"claim";
pub const MAX_ORACLES: usize = 10;
/// Longest time lock a pool may have: the authority raises it at once, so without a bound it
/// could freeze every later change of the pool (a new oracle set included).
pub const MAX_TIMELOCK_SECS: i64 = 30 * 86_400;
/// Longest dispute window: it is raised at once (a tightening), and a root must wait it out before
/// the next one may be posted, so without a bound the authority could stop every claim.
pub const MAX_DISPUTE_WINDOW_SECS: i64 = 7 * 86_400;
/// Most epochs a root may skip past the newest posted one. Oracles skip epochs in which nothing
/// was earned, but a root at epoch u64::MAX would leave no later epoch and brick the pool.
pub const MAX_EPOCH_STEP: u64 = 1_000_000;

/// A posted root and what it commits to.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct RootState {
    pub epoch: u64,
    pub root: [u8; 32],
    pub cumulative_total: u64,
    pub leaf_count: u64,
    pub content_hash: [u8; 32],
    pub posted_at: i64,
}

/// The oracle keys whose signatures count, and how many must sign.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct OracleSet {
    pub keys: [Pubkey; MAX_ORACLES],
    pub count: u8,
    pub threshold: u8,
}

impl OracleSet {
    /// A set of 2 to 10 distinct keys whose threshold is a strict majority of them (and so at
    /// least 2): no single oracle key posts a root, and no two disjoint quorums exist.
    pub fn from_keys(keys: &[Pubkey], threshold: u8) -> Result<Self> {
        let distinct = keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k) && *k != Pubkey::default());
        require!(
            keys.len() <= MAX_ORACLES && distinct && usize::from(threshold) <= keys.len(),
            RewardPoolError::InvalidOracleSet
        );
        require!(threshold >= 2 && 2 * usize::from(threshold) > keys.len(), RewardPoolError::OracleThresholdTooLow);
        let mut set = OracleSet { count: keys.len() as u8, threshold, ..Default::default() };
        set.keys[..keys.len()].copy_from_slice(keys);
        Ok(set)
    }

    pub fn keys(&self) -> &[Pubkey] {
        &self.keys[..usize::from(self.count)]
    }

    pub fn position(&self, key: &Pubkey) -> Option<usize> {
        self.keys().iter().position(|k| k == key)
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingRoot {
    pub root: RootState,
    /// When anyone may activate it, unless the guardian vetoes it first.
    pub activates_at: i64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingOracleSet {
    pub set: OracleSet,
    /// When the authority may apply it, unless the guardian or the authority cancels it first.
    pub applicable_at: i64,
}

/// A new guardian waiting out the pool's time lock; the current guardian can cancel it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingGuardian {
    pub guardian: Pubkey,
    /// When the proposed key may accept.
    pub applicable_at: i64,
}

/// The settings that bound payouts: how long a root waits, and how fast the vault may drain.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PoolConfig {
    pub dispute_window_secs: i64,
    pub breaker: BreakerConfig,
}

impl PoolConfig {
    pub fn validate(&self) -> Result<()> {
        require!(
            (0..=MAX_DISPUTE_WINDOW_SECS).contains(&self.dispute_window_secs),
            RewardPoolError::InvalidDisputeWindow
        );
        self.breaker.validate().map_err(breaker_error)
    }

    /// Whether `self` is no looser than `current` in every part: a dispute window no shorter and
    /// a breaker that lets no more out (see `BreakerConfig::is_at_least_as_tight_as`).
    pub fn is_at_least_as_tight_as(&self, current: &PoolConfig) -> bool {
        self.dispute_window_secs >= current.dispute_window_secs && self.breaker.is_at_least_as_tight_as(&current.breaker)
    }
}

/// A loosening configuration waiting out the pool's time lock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingPoolConfig {
    pub config: PoolConfig,
    pub applicable_at: i64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Role {
    /// Proposes changes; hands over in two steps, at once (it gains no power by changing hands).
    Authority,
    /// Vetoes roots and cancels pending changes; a new guardian waits out the time lock.
    Guardian,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct Pool {
    // The fields up to `breaker` are what every claim reads and writes, first and in this order
    // so that a claim decodes them alone (see [`PoolHead`]) instead of the whole pool.
    /// The device network whose devices the pool pays (device-registry's NetworkConfig).
    pub network: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub id: u16,
    pub bump: u8,
    pub vault_bump: u8,
    /// The mint's decimals, for `transfer_checked` (the token program checks them against the
    /// mint), kept here so that a claim need not decode the mint.
    pub mint_decimals: u8,
    pub active: RootState,
    /// Total paid out of the vault by claims, ever.
    pub total_claimed: u64,
    pub breaker: WindowedBreaker,
    /// Proposes changes of the oracle set, the guardian and the configuration.
    pub authority: Pubkey,
    /// Vetoes pending roots and cancels pending changes; never the authority's key.
    pub guardian: Pubkey,
    /// Proposed authority; `Pubkey::default()` when none is pending.
    pub pending_authority: Pubkey,
    pub pending_guardian: Option<PendingGuardian>,
    pub oracles: OracleSet,
    pub pending_oracles: Option<PendingOracleSet>,
    /// Part of every root message. It starts at a value drawn from the pool's creation (slot,
    /// time, address), so a pool at the same address on another cluster never shares it, and it
    /// is bumped by every change of who may sign and by every veto: signatures gathered under
    /// an earlier configuration, or for a vetoed root, can no longer be posted.
    pub config_version: u64,
    /// How long every loosening change waits, during which the guardian can cancel it. Fixed at
    /// creation as a floor: it can only be raised.
    pub timelock_secs: i64,
    pub dispute_window_secs: i64,
    /// A loosening of the dispute window or the breaker, waiting out the time lock.
    pub pending_config: Option<PendingPoolConfig>,
    /// A posted root in its dispute window.
    pub pending: Option<PendingRoot>,
}

/// The leading fields of a [`Pool`], which a claim reads and writes: decoding these alone costs
/// a tenth of decoding (and re-encoding) the whole pool with its two oracle sets. Their encoding
/// is the start of the pool's (checked by a test), so the head is read from and written back to
/// the same bytes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolHead {
    pub network: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub id: u16,
    pub bump: u8,
    pub vault_bump: u8,
    pub mint_decimals: u8,
    pub active: RootState,
    pub total_claimed: u64,
    pub breaker: WindowedBreaker,
}

impl PoolHead {
    /// The head of the pool at `account`, which must be a pool of this program.
    pub fn read(account: &AccountInfo) -> Result<Self> {
        require_keys_eq!(*account.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
        let data = account.try_borrow_data()?;
        require!(data.len() > 8 && data[..8] == *Pool::DISCRIMINATOR, ErrorCode::AccountDiscriminatorMismatch);
        Self::deserialize(&mut &data[8..]).map_err(|_| ErrorCode::AccountDidNotDeserialize.into())
    }

    /// Writes the head back over the pool's first fields; the rest of the pool is untouched. The
    /// breaker's threshold keeps its kind, so the encoding keeps its length.
    pub fn write(&self, account: &AccountInfo) -> Result<()> {
        let mut data = account.try_borrow_mut_data()?;
        let mut out = data.get_mut(8..).ok_or(ErrorCode::AccountDidNotSerialize)?;
        self.serialize(&mut out).map_err(|_| ErrorCode::AccountDidNotSerialize.into())
    }

    pub fn signer_seeds(&self) -> ([u8; 2], [u8; 1]) {
        (self.id.to_le_bytes(), [self.bump])
    }
}

impl Pool {
    /// The newest posted root, pending or active: a new root must build on it.
    pub fn latest_root(&self) -> &RootState {
        self.pending.as_ref().map_or(&self.active, |p| &p.root)
    }

    /// The dispute window and the breaker in force.
    pub fn config(&self) -> PoolConfig {
        PoolConfig { dispute_window_secs: self.dispute_window_secs, breaker: self.breaker.config }
    }

    /// When a change proposed at `now` may take effect.
    pub fn unlocks_at(&self, now: i64) -> Result<i64> {
        now.checked_add(self.timelock_secs).ok_or_else(|| RewardPoolError::ArithmeticOverflow.into())
    }

    pub fn bump_version(&mut self) -> Result<()> {
        self.config_version = self.config_version.checked_add(1).ok_or(RewardPoolError::ArithmeticOverflow)?;
        Ok(())
    }
}

/// What has been paid for one asset of one pool.
#[account]
#[derive(InitSpace, Debug)]
pub struct ClaimRecord {
    pub pool: Pubkey,
    pub asset: Pubkey,
    /// Cumulative amount paid so far; a claim pays the leaf's cumulative amount minus this.
    pub claimed: u64,
    /// Token account the owner chose for payouts; `Pubkey::default()` pays the owner directly.
    pub destination: Pubkey,
    /// Who set the destination. It applies only while they own the device: after the cNFT
    /// changes hands, the new owner is paid directly until they set their own.
    pub destination_owner: Pubkey,
    pub bump: u8,
}

impl ClaimRecord {
    /// The record of `asset` in `pool` at `account`: decoded when it exists, created at its
    /// canonical address (paid by `payer`) when it does not. Only this function creates records,
    /// always at the canonical address, so a record of this program naming the pool and the asset
    /// is THE record: no address derivation is needed to open it.
    pub fn open_or_create<'info>(
        account: &AccountInfo<'info>,
        pool: &Pubkey,
        asset: &Pubkey,
        payer: &AccountInfo<'info>,
        system_program: &AccountInfo<'info>,
    ) -> Result<Self> {
        if *account.owner == crate::ID {
            let record = Self::try_deserialize(&mut &account.try_borrow_data()?[..])?;
            require!(record.pool == *pool && record.asset == *asset, RewardPoolError::WrongClaimRecord);
            return Ok(record);
        }
        let seeds: &[&[u8]] = &[CLAIM_SEED, pool.as_ref(), asset.as_ref()];
        let (address, bump) = fieldproof_pda::find_program_address(seeds, &crate::ID).ok_or(RewardPoolError::WrongClaimRecord)?;
        require_keys_eq!(account.key(), address, RewardPoolError::WrongClaimRecord);
        let signer: &[&[u8]] = &[CLAIM_SEED, pool.as_ref(), asset.as_ref(), &[bump]];
        fieldproof_pda::create_account(payer, account, system_program, signer, 8 + Self::INIT_SPACE, &crate::ID)?;
        Ok(Self { pool: *pool, asset: *asset, claimed: 0, destination: Pubkey::default(), destination_owner: Pubkey::default(), bump })
    }

    /// Writes the record into its account (discriminator included).
    pub fn store(&self, account: &AccountInfo) -> Result<()> {
        let mut data = account.try_borrow_mut_data()?;
        let mut out: &mut [u8] = &mut data;
        self.try_serialize(&mut out)
    }

    /// The destination `owner` set, if the current owner is the one who set it.
    pub fn destination_of(&self, owner: &Pubkey) -> Option<Pubkey> {
        (self.destination != Pubkey::default() && self.destination_owner == *owner).then_some(self.destination)
    }
}

pub fn breaker_error(e: fieldproof_circuit_breaker::BreakerError) -> Error {
    use fieldproof_circuit_breaker::BreakerError;
    match e {
        BreakerError::InvalidConfig => RewardPoolError::InvalidBreakerConfig.into(),
        BreakerError::Tripped => RewardPoolError::CircuitBreakerTripped.into(),
        BreakerError::Overflow => RewardPoolError::ArithmeticOverflow.into(),
    }
}

/// Whether `timelock_secs` may be a pool's time lock: at least a second (a zero lock gives the
/// guardian no time to cancel anything) and at most [`MAX_TIMELOCK_SECS`].
pub fn validate_timelock(timelock_secs: i64) -> Result<()> {
    require!((1..=MAX_TIMELOCK_SECS).contains(&timelock_secs), RewardPoolError::InvalidTimeLock);
    Ok(())
}

/// The first config version of a pool created at `slot` and `unix_timestamp` at `pool`: a hash
/// of the three, below 2^62 (room for every later bump) and above 0.
pub fn initial_config_version(slot: u64, unix_timestamp: i64, pool: &Pubkey) -> u64 {
    let digest = solana_sha256_hasher::hashv(&[&b"fieldproof:pool-version"[..], &slot.to_le_bytes(), &unix_timestamp.to_le_bytes(), pool.as_ref()]).to_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(first) >> 2).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldproof_circuit_breaker::{BreakerConfig, Threshold};

    fn pool(threshold: Threshold) -> Pool {
        let root = RootState { epoch: 3, root: [4; 32], cumulative_total: 5, leaf_count: 6, content_hash: [7; 32], posted_at: 8 };
        let breaker = WindowedBreaker { config: BreakerConfig { window_secs: 9, threshold }, last_total: 10, last_ts: 11 };
        Pool {
            network: Pubkey::new_from_array([1; 32]),
            mint: Pubkey::new_from_array([2; 32]),
            vault: Pubkey::new_from_array([3; 32]),
            id: 12,
            bump: 13,
            vault_bump: 14,
            mint_decimals: 6,
            active: root,
            total_claimed: 15,
            breaker,
            authority: Pubkey::new_from_array([16; 32]),
            guardian: Pubkey::new_from_array([17; 32]),
            pending_authority: Pubkey::default(),
            pending_guardian: Some(PendingGuardian { guardian: Pubkey::new_from_array([18; 32]), applicable_at: 19 }),
            oracles: OracleSet::default(),
            pending_oracles: None,
            config_version: 20,
            timelock_secs: 21,
            dispute_window_secs: 22,
            pending_config: None,
            pending: Some(PendingRoot { root, activates_at: 23 }),
        }
    }

    #[test]
    fn the_head_is_the_start_of_the_pools_encoding_and_writes_back_in_place() {
        for threshold in [Threshold::Absolute(1_000), Threshold::Percent(50)] {
            let mut pool = pool(threshold);
            let mut data = Vec::new();
            pool.try_serialize(&mut data).unwrap();
            let mut head = PoolHead::deserialize(&mut &data[8..]).unwrap();
            assert_eq!(head.active, pool.active);
            assert_eq!((head.mint, head.vault, head.total_claimed, head.breaker), (pool.mint, pool.vault, pool.total_claimed, pool.breaker));

            head.total_claimed = 99;
            head.breaker.last_total = 98;
            head.breaker.last_ts = 97;
            let mut out = &mut data[8..];
            head.serialize(&mut out).unwrap();
            (pool.total_claimed, pool.breaker.last_total, pool.breaker.last_ts) = (99, 98, 97);
            let mut expected = Vec::new();
            pool.try_serialize(&mut expected).unwrap();
            assert_eq!(data, expected, "writing the head changed exactly its fields");
        }
    }
}
