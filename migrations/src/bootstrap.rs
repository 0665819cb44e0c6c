//! The bootstrap: each part of the network, in dependency order, created when missing, left
//! alone when it matches the plan, updated where the program allows a direct update (makers,
//! network fees), and reported as differing where only a time-locked proposal may change it.
//!
//! The order follows the chain of custody the programs enforce: the deployer, still the network
//! token's mint authority, creates the data-credits config (only the mint authority may); as its
//! authority it creates the device network (only the DC authority may); as the network's
//! authority it creates the pools (only the network authority may); last, the treasury takes
//! the mint authority over. Nobody else can take any of these addresses first.
use anchor_lang::prelude::Rent;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, PriceOracle, PriceSource};
use fieldproof_sdk::device_registry::{self, Maker, MakerArgs, NetworkArgs, NetworkConfig};
use fieldproof_sdk::ownership::{tree_account_size, tree_depths};
use fieldproof_sdk::reward_pool::{self, CreatePoolArgs, Pool};
use fieldproof_sdk::treasury::{self, Params, Recipient, Schedule, Treasury};
use fieldproof_sdk::{Chain, Client, Pubkey};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::keys::KeyDir;
use crate::plan::{NetworkPlan, PoolPlan, TreePlan};
use crate::BootstrapError;

const SPL_TOKEN: Pubkey = anchor_spl::token::ID;
const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;
/// Bytes of an SPL Token mint without extensions (the same in Token-2022).
const MINT_BYTES: usize = 82;

/// What one step found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    /// Existed, and was brought in line with the plan.
    Updated,
    Unchanged,
    /// Exists and differs from the plan in a way only a time-locked proposal may change;
    /// nothing was sent.
    Differs(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What the step is about, e.g. `pool 0`.
    pub what: String,
    pub address: Pubkey,
    pub outcome: Outcome,
}

/// The network's addresses, as bootstrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The guardian of the pools, the data-credits config and the treasury, unless the plan
    /// names its own: the key directory's `guardian` key.
    pub guardian: Pubkey,
    pub network_mint: Pubkey,
    pub token_program: Pubkey,
    pub treasury: Pubkey,
    pub pools: Vec<Pubkey>,
    pub dc_config: Pubkey,
    pub dc_mint: Pubkey,
    pub network: Pubkey,
    pub device_tree: Option<Pubkey>,
    pub makers: Vec<Pubkey>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub steps: Vec<Step>,
    pub deployment: Deployment,
}

impl Report {
    /// Whether the run sent anything.
    pub fn changed(&self) -> bool {
        self.steps.iter().any(|s| matches!(s.outcome, Outcome::Created | Outcome::Updated))
    }

    /// The steps whose accounts differ from the plan.
    pub fn differences(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| matches!(s.outcome, Outcome::Differs(_)))
    }
}

/// Brings the cluster behind `client` in line with `plan`, with `deployer` paying and holding
/// every authority, and the new accounts' keys kept in `keys`. `progress` sees each step as
/// it completes. A rerun with the same plan sends nothing.
pub async fn bootstrap<C: Chain>(
    client: &Client<C>,
    deployer: &Keypair,
    plan: &NetworkPlan,
    keys: &KeyDir,
    mut progress: impl FnMut(&Step),
) -> Result<Report, BootstrapError> {
    let mut run = Run { client, deployer, plan, steps: Vec::new() };
    let token_program = if plan.network_token.token_2022 { TOKEN_2022 } else { SPL_TOKEN };

    let mint = keys.get_or_create("network-mint")?;
    let step = run.network_mint(&mint, &token_program).await?;
    run.record(step, &mut progress);
    let mint = mint.pubkey();

    // The guardian must be another key than the deployer, which holds every authority.
    let guardian = keys.get_or_create("guardian")?.pubkey();
    let start_ts = run.start_ts(&mint).await?;

    let step = run.data_credits(&mint, start_ts, guardian).await?;
    let dc_config = step.address;
    run.record(step, &mut progress);
    let step = run.price_oracle(&dc_config).await?;
    run.record(step, &mut progress);

    let step = run.registry(&dc_config).await?;
    let network = step.address;
    run.record(step, &mut progress);

    let mut pools = Vec::with_capacity(plan.pools.len());
    for pool in &plan.pools {
        let step = run.pool(&mint, &token_program, pool, guardian).await?;
        pools.push(step.address);
        run.record(step, &mut progress);
    }
    let step = run.treasury(&mint, &token_program, start_ts, guardian).await?;
    let treasury = step.address;
    run.record(step, &mut progress);

    let device_tree = match plan.registry.device_tree {
        Some(tree) => {
            let step = run.device_tree(&network, tree, keys).await?;
            let tree = step.address;
            run.record(step, &mut progress);
            Some(tree)
        }
        None => None,
    };
    let mut makers = Vec::with_capacity(plan.makers.len());
    for maker in &plan.makers {
        let step = run.maker(&network, maker.id, maker.attestation_key, maker.quota).await?;
        makers.push(step.address);
        run.record(step, &mut progress);
    }

    let deployment = Deployment {
        guardian,
        network_mint: mint,
        token_program,
        treasury,
        pools,
        dc_config,
        dc_mint: data_credits::dc_mint_address(&dc_config),
        network,
        device_tree,
        makers,
    };
    Ok(Report { steps: run.steps, deployment })
}

struct Run<'a, C> {
    client: &'a Client<C>,
    deployer: &'a Keypair,
    plan: &'a NetworkPlan,
    steps: Vec<Step>,
}

fn step(what: impl Into<String>, address: Pubkey, outcome: Outcome) -> Step {
    Step { what: what.into(), address, outcome }
}

/// `Unchanged` when no field differs, otherwise `Differs` naming them.
fn compare(differences: Vec<String>) -> Outcome {
    if differences.is_empty() {
        Outcome::Unchanged
    } else {
        Outcome::Differs(differences.join("; "))
    }
}

/// `"name: chain X, plan Y"` when the two differ.
fn differ<T: PartialEq + std::fmt::Debug>(name: &str, chain: &T, plan: &T, out: &mut Vec<String>) {
    if chain != plan {
        out.push(format!("{name}: on chain {chain:?}, in the plan {plan:?}"));
    }
}

impl<C: Chain> Run<'_, C> {
    fn record(&mut self, step: Step, progress: &mut impl FnMut(&Step)) {
        progress(&step);
        self.steps.push(step);
    }

    fn deployer(&self) -> Pubkey {
        self.deployer.pubkey()
    }

    async fn send(&self, instructions: &[anchor_lang::solana_program::instruction::Instruction], signers: &[&Keypair]) -> Result<(), BootstrapError> {
        self.client.send(instructions, self.deployer, signers).await?;
        Ok(())
    }

    async fn network_mint(&self, mint: &Keypair, token_program: &Pubkey) -> Result<Step, BootstrapError> {
        let address = mint.pubkey();
        let decimals = self.plan.network_token.decimals;
        if let Some(account) = self.client.chain().get_account(&address).await? {
            let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&account.data)
                .map_err(|_| BootstrapError::Unexpected(format!("{address} (the network mint's key) holds an account that is not a mint")))?;
            let mut differences = Vec::new();
            differ("token program", &account.owner, token_program, &mut differences);
            differ("decimals", &state.base.decimals, &decimals, &mut differences);
            return Ok(step("network token mint", address, compare(differences)));
        }
        let lamports = Rent::default().minimum_balance(MINT_BYTES);
        let create = anchor_lang::solana_program::system_instruction::create_account(&self.deployer(), &address, lamports, MINT_BYTES as u64, token_program);
        let init = spl_token_2022::instruction::initialize_mint2(token_program, &address, &self.deployer(), None, decimals)
            .map_err(|e| BootstrapError::Unexpected(format!("initialize_mint2: {e}")))?;
        self.send(&[create, init], &[mint]).await?;
        Ok(step("network token mint", address, Outcome::Created))
    }

    async fn pool(&self, mint: &Pubkey, token_program: &Pubkey, plan: &PoolPlan, default_guardian: Pubkey) -> Result<Step, BootstrapError> {
        let address = reward_pool::pool_address(mint, plan.id);
        let what = format!("reward pool {}", plan.id);
        let guardian = plan.guardian.unwrap_or(default_guardian);
        if let Some(pool) = self.client.optional_account::<Pool>(&address).await? {
            let mut d = Vec::new();
            differ("oracles", &pool.oracles.keys().to_vec(), &plan.oracles, &mut d);
            differ("threshold", &pool.oracles.threshold, &plan.threshold, &mut d);
            differ("guardian", &pool.guardian, &guardian, &mut d);
            differ("dispute window", &pool.dispute_window_secs, &plan.dispute_window_secs, &mut d);
            differ("breaker", &pool.breaker.config, &plan.breaker, &mut d);
            differ("time lock", &pool.timelock_secs, &plan.timelock_secs, &mut d);
            return Ok(step(what, address, compare(d)));
        }
        let args = CreatePoolArgs {
            id: plan.id,
            guardian,
            oracles: plan.oracles.clone(),
            threshold: plan.threshold,
            dispute_window_secs: plan.dispute_window_secs,
            breaker: plan.breaker,
            timelock_secs: plan.timelock_secs,
        };
        self.send(&[reward_pool::create_pool(&self.deployer(), &self.deployer(), mint, token_program, args)], &[]).await?;
        Ok(step(what, address, Outcome::Created))
    }

    /// The parameters the plan asks for, with the schedule starting at `start_ts`.
    fn treasury_params(&self, mint: &Pubkey, start_ts: i64) -> Params {
        let t = &self.plan.treasury;
        Params {
            schedule: Schedule {
                start_ts,
                epoch_length_secs: t.epoch_length_secs,
                initial_emission: t.initial_emission,
                halving_interval_epochs: t.halving_interval_epochs,
                max_supply: t.max_supply,
            },
            recipients: self
                .plan
                .pools
                .iter()
                .map(|p| Recipient {
                    token_account: reward_pool::vault_address(&reward_pool::pool_address(mint, p.id)),
                    weight: p.weight,
                    category: p.category,
                })
                .collect(),
            usage_bps: t.usage_bps,
            dc_config: data_credits::config_address(mint),
            breaker: t.breaker,
            timelock_secs: t.timelock_secs,
        }
    }

    /// The start of epoch 0 of the treasury and of the data-credits burns: the plan's, else the
    /// one already on chain (the treasury's, or the DC config's when a run stopped between the
    /// two), else the cluster's clock now.
    async fn start_ts(&self, mint: &Pubkey) -> Result<i64, BootstrapError> {
        if let Some(existing) = self.client.optional_account::<Treasury>(&treasury::treasury_address(mint)).await? {
            return Ok(self.plan.treasury.start_ts.unwrap_or(existing.params.schedule.start_ts));
        }
        if let Some(start) = self.plan.treasury.start_ts {
            return Ok(start);
        }
        if let Some(dc) = self.client.optional_account::<DataCreditsConfig>(&data_credits::config_address(mint)).await? {
            return Ok(dc.epoch_start);
        }
        Ok(self.client.chain().clock().await?.unix_timestamp)
    }

    /// The treasury takes over the mint authority; the premint, if any, is minted to the
    /// deployer in the same transaction, so it happens exactly once.
    async fn treasury(&self, mint: &Pubkey, token_program: &Pubkey, start_ts: i64, default_guardian: Pubkey) -> Result<Step, BootstrapError> {
        let address = treasury::treasury_address(mint);
        let guardian = self.plan.treasury.guardian.unwrap_or(default_guardian);
        if let Some(existing) = self.client.optional_account::<Treasury>(&address).await? {
            let mut d = Vec::new();
            differ("params", &existing.params, &self.treasury_params(mint, start_ts), &mut d);
            differ("guardian", &existing.guardian, &guardian, &mut d);
            return Ok(step("treasury", address, compare(d)));
        }
        let args = treasury::InitializeArgs { authority: self.deployer(), guardian, params: self.treasury_params(mint, start_ts) };
        let mut instructions = Vec::new();
        let premint = self.plan.network_token.premint;
        if premint > 0 {
            let deployer = self.deployer();
            let account = get_associated_token_address_with_program_id(&deployer, mint, token_program);
            instructions.push(create_associated_token_account_idempotent(&deployer, &deployer, mint, token_program));
            instructions.push(
                spl_token_2022::instruction::mint_to(token_program, mint, &account, &deployer, &[], premint)
                    .map_err(|e| BootstrapError::Unexpected(format!("mint_to: {e}")))?,
            );
        }
        instructions.push(treasury::initialize(&self.deployer(), &self.deployer(), mint, token_program, args));
        self.send(&instructions, &[]).await?;
        Ok(step("treasury", address, Outcome::Created))
    }

    /// Created by the deployer while it is still the network token's mint authority, with the
    /// treasury's epochs.
    async fn data_credits(&self, mint: &Pubkey, start_ts: i64, default_guardian: Pubkey) -> Result<Step, BootstrapError> {
        let address = data_credits::config_address(mint);
        let plan = &self.plan.data_credits;
        let burn_authority = plan.burn_authority.unwrap_or(self.deployer());
        let guardian = plan.guardian.unwrap_or(default_guardian);
        let price_source = PriceSource::Quorum { oracle: data_credits::price_oracle_address(&address) };
        let epoch_start = plan.epoch_start.unwrap_or(start_ts);
        if let Some(config) = self.client.optional_account::<DataCreditsConfig>(&address).await? {
            let mut d = Vec::new();
            differ("burn authority", &config.burn_authority, &burn_authority, &mut d);
            differ("guardian", &config.guardian, &guardian, &mut d);
            differ("time lock", &config.timelock_secs, &plan.timelock_secs, &mut d);
            differ("price source", &config.price_source, &price_source, &mut d);
            differ("max price staleness", &config.max_price_staleness_secs, &plan.max_price_staleness_secs, &mut d);
            differ("epoch length", &config.epoch_length_secs, &plan.epoch_length_secs, &mut d);
            differ("epoch start", &config.epoch_start, &epoch_start, &mut d);
            differ("breaker", &config.breaker.config, &plan.breaker, &mut d);
            return Ok(step("data credits", address, compare(d)));
        }
        let args = data_credits::InitializeArgs {
            burn_authority,
            guardian,
            timelock_secs: plan.timelock_secs,
            price_source,
            max_price_staleness_secs: plan.max_price_staleness_secs,
            epoch_start,
            epoch_length_secs: plan.epoch_length_secs,
            breaker: plan.breaker,
        };
        self.send(&[data_credits::initialize(&self.deployer(), &self.deployer(), mint, args)], &[]).await?;
        Ok(step("data credits", address, Outcome::Created))
    }

    async fn price_oracle(&self, dc_config: &Pubkey) -> Result<Step, BootstrapError> {
        let address = data_credits::price_oracle_address(dc_config);
        let plan = &self.plan.data_credits;
        if let Some(oracle) = self.client.optional_account::<PriceOracle>(&address).await? {
            // A new submitter set waits out the config's time lock (propose_price_submitters).
            let mut d = Vec::new();
            differ("price expo", &oracle.expo, &plan.price_expo, &mut d);
            differ("price submitters", &oracle.submitters().to_vec(), &plan.price_submitters, &mut d);
            differ("min submissions", &oracle.min_submissions, &plan.min_submissions, &mut d);
            return Ok(step("DC price oracle", address, compare(d)));
        }
        let args = data_credits::InitializePriceOracleArgs {
            submitters: plan.price_submitters.clone(),
            min_submissions: plan.min_submissions,
            expo: plan.price_expo,
        };
        self.send(&[data_credits::initialize_price_oracle(&self.deployer(), &self.deployer(), dc_config, args)], &[]).await?;
        Ok(step("DC price oracle", address, Outcome::Created))
    }

    async fn registry(&self, dc_config: &Pubkey) -> Result<Step, BootstrapError> {
        let address = device_registry::network_address(dc_config);
        let plan = &self.plan.registry;
        let args = NetworkArgs { onboarding_fee: plan.onboarding_fee, location_fee: plan.location_fee, metadata_uri: plan.metadata_uri.clone() };
        if let Some(network) = self.client.optional_account::<NetworkConfig>(&address).await? {
            let same = network.onboarding_fee == args.onboarding_fee && network.location_fee == args.location_fee && network.metadata_uri == args.metadata_uri;
            if same {
                return Ok(step("device network", address, Outcome::Unchanged));
            }
            self.send(&[device_registry::update_network(&address, &self.deployer(), args)], &[]).await?;
            return Ok(step("device network", address, Outcome::Updated));
        }
        self.send(&[device_registry::initialize_network(&self.deployer(), &self.deployer(), dc_config, args)], &[]).await?;
        Ok(step("device network", address, Outcome::Created))
    }

    /// The network's active tree when it has one (checked against the plan's shape), otherwise
    /// the tree of the key directory: created if missing, then handed to the network.
    async fn device_tree(&self, network: &Pubkey, plan: TreePlan, keys: &KeyDir) -> Result<Step, BootstrapError> {
        let (depth, buffer, canopy) = plan.shape();
        let config: NetworkConfig = self.client.account(network).await?;
        if config.active_tree != Pubkey::default() {
            let account = self.client.chain().get_account(&config.active_tree).await?;
            let data = account.map(|a| a.data).unwrap_or_default();
            let mut d = Vec::new();
            let found = tree_depths(&data).map(|(depth, canopy)| (depth as u32, canopy as u32));
            differ("depth and canopy", &found, &Some((depth, canopy)), &mut d);
            differ("account size (the changelog buffer)", &data.len(), &tree_account_size(depth, buffer, canopy), &mut d);
            return Ok(step("device tree", config.active_tree, compare(d)));
        }
        let tree = keys.get_or_create("device-tree")?;
        if self.client.chain().get_account(&tree.pubkey()).await?.is_none() {
            let rent = Rent::default().minimum_balance(tree_account_size(depth, buffer, canopy));
            let create = device_registry::create_tree(&self.deployer(), &self.deployer(), &tree.pubkey(), (depth, buffer, canopy), rent);
            self.send(&create, &[&tree]).await?;
        }
        let hand = device_registry::hand_tree_to_network(network, &self.deployer(), &self.deployer(), &tree.pubkey());
        self.send(&hand, &[]).await?;
        Ok(step("device tree", tree.pubkey(), Outcome::Created))
    }

    async fn maker(&self, network: &Pubkey, id: Pubkey, attestation_key: Pubkey, quota: u64) -> Result<Step, BootstrapError> {
        let address = device_registry::maker_address(network, &id);
        let what = format!("maker {id}");
        let existing = self.client.optional_account::<Maker>(&address).await?;
        if let Some(maker) = &existing {
            // A revocation is a decision the plan cannot know about (a compromised key, say):
            // re-approving is left to the authority, explicitly.
            if !maker.approved {
                return Ok(step(what, address, Outcome::Differs("revoked on chain; re-approve it with approve_maker, or drop it from the plan".into())));
            }
            if maker.attestation_key == attestation_key && maker.quota == quota {
                return Ok(step(what, address, Outcome::Unchanged));
            }
        }
        let args = MakerArgs { id, attestation_key, quota };
        self.send(&[device_registry::approve_maker(&self.deployer(), network, &self.deployer(), args)], &[]).await?;
        Ok(step(what, address, if existing.is_some() { Outcome::Updated } else { Outcome::Created }))
    }
}
