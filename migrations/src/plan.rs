//! The network plan: what a deployed network consists of, read from a TOML file
//! (`migrations/localnet.toml` is the annotated example). Unknown keys are errors, so a typo
//! cannot silently fall back to a default.
use std::path::Path;

use fieldproof_sdk::{BreakerConfig, Pubkey, Threshold};
use serde::{Deserialize, Deserializer};

use crate::BootstrapError;

/// Proof nodes a claim transaction has room for beside a 2^20-leaf reward proof (see
/// `docs/compute-units.md`); the default canopy keeps every ownership proof at or under this.
pub const CLAIM_PROOF_NODES: u32 = 6;
/// Deepest canopy account compression accepts.
pub const MAX_CANOPY_DEPTH: u32 = 17;
/// Time lock of the pools and the data-credits config when the plan names none: a day for the
/// guardian to see and cancel a loosening change. It is a floor the programs never let go down.
pub const DEFAULT_TIMELOCK_SECS: i64 = 86_400;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkPlan {
    pub network_token: TokenPlan,
    pub treasury: TreasuryPlan,
    pub data_credits: DataCreditsPlan,
    pub registry: RegistryPlan,
    /// The reward pools, in the order the treasury splits emissions (the first takes the
    /// rounding remainder).
    pub pools: Vec<PoolPlan>,
    #[serde(default)]
    pub makers: Vec<MakerPlan>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenPlan {
    pub decimals: u8,
    /// Token-2022 instead of SPL Token.
    #[serde(default)]
    pub token_2022: bool,
    /// Base units minted to the deployer before the treasury takes the mint authority (e.g.
    /// for buying data credits on a local network); 0 mints nothing.
    #[serde(default)]
    pub premint: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreasuryPlan {
    /// Start of emission epoch 0 (unix seconds); the cluster's clock at the first run when absent.
    pub start_ts: Option<i64>,
    pub epoch_length_secs: i64,
    pub initial_emission: u64,
    /// Epochs between halvings; 0 keeps the emission constant.
    pub halving_interval_epochs: u64,
    pub max_supply: u64,
    /// Share in basis points of each emission split by the epoch's DC usage per pool category.
    #[serde(default)]
    pub usage_bps: u16,
    /// Delay of every parameter change; a floor: later changes may only raise it.
    pub timelock_secs: i64,
    /// Cancels pending parameter changes; the key directory's `guardian` key when absent.
    #[serde(default, deserialize_with = "optional_pubkey")]
    pub guardian: Option<Pubkey>,
    /// Must be absolute, at least one epoch's emission and the schedule's pace.
    #[serde(deserialize_with = "breaker")]
    pub breaker: BreakerConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataCreditsPlan {
    /// The oracle key that burns delegated DC for usage; the deployer when absent.
    #[serde(default, deserialize_with = "optional_pubkey")]
    pub burn_authority: Option<Pubkey>,
    #[serde(deserialize_with = "pubkeys")]
    pub price_submitters: Vec<Pubkey>,
    pub min_submissions: u8,
    /// Decimal exponent of every submitted price (-8: 150000000 is $1.50).
    pub price_expo: i32,
    pub max_price_staleness_secs: i64,
    /// Start of burn epoch 0; the treasury's start when absent. The treasury requires the two
    /// to count the same epochs, so when given it must be the treasury's `start_ts`.
    pub epoch_start: Option<i64>,
    /// Must be the treasury's `epoch_length_secs`.
    pub epoch_length_secs: i64,
    /// Must be absolute: its base, the DC supply, starts at zero.
    #[serde(deserialize_with = "breaker")]
    pub breaker: BreakerConfig,
    /// Cancels pending loosening changes; the key directory's `guardian` key when absent.
    #[serde(default, deserialize_with = "optional_pubkey")]
    pub guardian: Option<Pubkey>,
    /// Delay of every loosening change; [`DEFAULT_TIMELOCK_SECS`] when absent.
    #[serde(default = "default_timelock")]
    pub timelock_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryPlan {
    /// DC burned per device issued.
    pub onboarding_fee: u64,
    /// DC burned per location assert.
    pub location_fee: u64,
    pub metadata_uri: String,
    /// The Bubblegum tree devices are issued into (needs Bubblegum and account compression on
    /// the cluster); none is created when absent.
    pub device_tree: Option<TreePlan>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreePlan {
    pub max_depth: u32,
    pub max_buffer_size: u32,
    /// Levels stored on chain; by default as many as leave an ownership proof of
    /// [`CLAIM_PROOF_NODES`] nodes, so every claim fits one transaction.
    pub canopy_depth: Option<u32>,
}

impl TreePlan {
    /// Depth, buffer, canopy.
    pub fn shape(&self) -> (u32, u32, u32) {
        let canopy = self.canopy_depth.unwrap_or_else(|| self.max_depth.saturating_sub(CLAIM_PROOF_NODES).min(MAX_CANOPY_DEPTH));
        (self.max_depth, self.max_buffer_size, canopy)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolPlan {
    /// Reward stream number, unique per network token (e.g. 0 coverage, 1 mapping).
    pub id: u16,
    /// Share of the treasury's static split, relative to the other pools' weights.
    pub weight: u32,
    /// DC usage category whose burns weight this pool's usage share.
    #[serde(default)]
    pub category: u8,
    /// Vetoes pending roots and cancels pending changes; the key directory's `guardian` key
    /// when absent (never the deployer, which is the pool's authority).
    #[serde(default, deserialize_with = "optional_pubkey")]
    pub guardian: Option<Pubkey>,
    #[serde(deserialize_with = "pubkeys")]
    pub oracles: Vec<Pubkey>,
    /// A strict majority of the oracles, and at least 2.
    pub threshold: u8,
    pub dispute_window_secs: i64,
    #[serde(deserialize_with = "breaker")]
    pub breaker: BreakerConfig,
    /// Delay of every loosening change; [`DEFAULT_TIMELOCK_SECS`] when absent.
    #[serde(default = "default_timelock")]
    pub timelock_secs: i64,
}

fn default_timelock() -> i64 {
    DEFAULT_TIMELOCK_SECS
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakerPlan {
    #[serde(deserialize_with = "pubkey")]
    pub id: Pubkey,
    #[serde(deserialize_with = "pubkey")]
    pub attestation_key: Pubkey,
    pub quota: u64,
}

/// An outflow limit per window, as written: `max_amount` base units, or `max_bps` of the balance.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakerPlan {
    window_secs: u64,
    max_amount: Option<u64>,
    max_bps: Option<u16>,
}

impl NetworkPlan {
    /// Reads and checks the plan at `path`.
    pub fn load(path: &Path) -> Result<Self, BootstrapError> {
        let text = std::fs::read_to_string(path).map_err(|e| BootstrapError::Plan(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| match e {
            BootstrapError::Plan(why) => BootstrapError::Plan(format!("{}: {why}", path.display())),
            other => other,
        })
    }

    /// Parses and checks a plan. Everything the programs would refuse for its shape is refused
    /// here, before any transaction is sent.
    pub fn parse(text: &str) -> Result<Self, BootstrapError> {
        let plan: Self = toml::from_str(text).map_err(|e| BootstrapError::Plan(e.to_string()))?;
        plan.check()?;
        Ok(plan)
    }

    fn check(&self) -> Result<(), BootstrapError> {
        let bad = |why: String| Err(BootstrapError::Plan(why));
        if self.pools.is_empty() {
            return bad("at least one [[pools]] is needed: the treasury emits into the pools' vaults".into());
        }
        for (i, pool) in self.pools.iter().enumerate() {
            if self.pools[..i].iter().any(|p| p.id == pool.id) {
                return bad(format!("pools[{i}]: id {} appears twice", pool.id));
            }
            if pool.threshold == 0 || usize::from(pool.threshold) > pool.oracles.len() {
                return bad(format!("pools[{i}]: threshold {} of {} oracles", pool.threshold, pool.oracles.len()));
            }
            if pool.threshold < 2 || 2 * usize::from(pool.threshold) <= pool.oracles.len() {
                return bad(format!("pools[{i}]: threshold {} of {} oracles is not a majority of at least 2", pool.threshold, pool.oracles.len()));
            }
        }
        for (i, maker) in self.makers.iter().enumerate() {
            if self.makers[..i].iter().any(|m| m.id == maker.id) {
                return bad(format!("makers[{i}]: id {} appears twice", maker.id));
            }
        }
        let dc = &self.data_credits;
        let treasury = &self.treasury;
        if dc.epoch_length_secs != treasury.epoch_length_secs || (dc.epoch_start.is_some() && treasury.start_ts.is_some() && dc.epoch_start != treasury.start_ts) {
            return bad("data_credits: its epochs (epoch_start, epoch_length_secs) must be the treasury's: the usage split reads the burns of the same epoch".into());
        }
        if dc.epoch_start.is_some() && treasury.start_ts.is_none() {
            return bad("data_credits.epoch_start needs treasury.start_ts: the two must be the same".into());
        }
        for (what, breaker) in [("treasury", &treasury.breaker), ("data_credits", &dc.breaker)] {
            if breaker.absolute_threshold().is_none() {
                return bad(format!("{what}.breaker: a mint's breaker needs max_amount (its base, a supply, can be zero)"));
            }
        }
        if dc.min_submissions == 0 || usize::from(dc.min_submissions) > dc.price_submitters.len() {
            return bad(format!("data_credits: min_submissions {} of {} price submitters", dc.min_submissions, dc.price_submitters.len()));
        }
        if let Some(tree) = &self.registry.device_tree {
            let (_, _, canopy) = tree.shape();
            if canopy > MAX_CANOPY_DEPTH || canopy >= tree.max_depth {
                return bad(format!("registry.device_tree: canopy {canopy} for depth {} (at most {MAX_CANOPY_DEPTH}, below the depth)", tree.max_depth));
            }
        }
        Ok(())
    }
}

fn parse_pubkey<E: serde::de::Error>(text: &str) -> Result<Pubkey, E> {
    text.parse().map_err(|_| E::custom(format!("`{text}` is not a base-58 public key")))
}

fn pubkey<'de, D: Deserializer<'de>>(d: D) -> Result<Pubkey, D::Error> {
    parse_pubkey(&String::deserialize(d)?)
}

fn optional_pubkey<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Pubkey>, D::Error> {
    Option::<String>::deserialize(d)?.map(|s| parse_pubkey(&s)).transpose()
}

fn pubkeys<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Pubkey>, D::Error> {
    Vec::<String>::deserialize(d)?.iter().map(|s| parse_pubkey(s)).collect()
}

fn breaker<'de, D: Deserializer<'de>>(d: D) -> Result<BreakerConfig, D::Error> {
    use serde::de::Error;
    let plan = BreakerPlan::deserialize(d)?;
    let threshold = match (plan.max_amount, plan.max_bps) {
        (Some(amount), None) => Threshold::Absolute(amount),
        (None, Some(bps)) if bps <= 10_000 => Threshold::Percent(bps),
        (None, Some(bps)) => return Err(D::Error::custom(format!("max_bps {bps} is above 10000"))),
        _ => return Err(D::Error::custom("give exactly one of max_amount and max_bps")),
    };
    if plan.window_secs == 0 {
        return Err(D::Error::custom("window_secs must be positive"));
    }
    Ok(BreakerConfig { window_secs: plan.window_secs, threshold })
}
