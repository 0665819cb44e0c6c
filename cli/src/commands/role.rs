//! `fieldproof role propose|accept|cancel`: the hand-over of a role of a pool, the treasury, the
//! data-credits configuration or the device network. The authority hands over at once in two
//! steps; a new guardian or burn authority accepts only after the time lock, and the guardian can
//! cancel it.
use clap::{Args, Subcommand, ValueEnum};
use fieldproof_sdk::data_credits::{self, DataCreditsConfig};
use fieldproof_sdk::device_registry::{self, NetworkConfig};
use fieldproof_sdk::reward_pool;
use fieldproof_sdk::treasury::{self, Treasury};
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// The hand-over of a role.
#[derive(Debug, Subcommand)]
pub enum RoleAction {
    /// (authority) Propose a new holder of a role.
    Propose {
        #[command(flatten)]
        target: RoleTarget,
        /// The proposed holder.
        #[arg(long)]
        to: String,
    },
    /// (the proposed holder) Accept the role (a guardian or burn authority after the time lock).
    Accept {
        #[command(flatten)]
        target: RoleTarget,
    },
    /// (authority, or the guardian for a time-locked role) Withdraw the proposal.
    Cancel {
        #[command(flatten)]
        target: RoleTarget,
    },
}

/// Whose role: exactly one of the accounts, and the role.
#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "account")]
pub struct RoleAccount {
    /// A reward pool (roles: authority, guardian).
    #[arg(long)]
    pool: Option<String>,
    /// The treasury (roles: authority, guardian).
    #[arg(long)]
    treasury: Option<String>,
    /// The data-credits configuration (roles: authority, guardian, burn-authority).
    #[arg(long)]
    dc_config: Option<String>,
    /// The device network (role: authority).
    #[arg(long)]
    network: Option<String>,
}

/// The account and the role.
#[derive(Debug, Args)]
pub struct RoleTarget {
    #[command(flatten)]
    account: RoleAccount,
    /// The role.
    #[arg(long, value_enum)]
    role: RoleName,
}

/// A role's name on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleName {
    /// Proposes changes (every account).
    Authority,
    /// Vetoes roots, cancels pending changes (pools, treasury, data credits).
    Guardian,
    /// Burns delegated DC per usage batch (data credits).
    BurnAuthority,
}

/// What to do with the role.
#[derive(Clone, Copy)]
enum Step {
    Propose(Pubkey),
    Accept,
    Cancel,
}

/// The account a role belongs to, read.
enum Holder {
    Pool(Pubkey),
    /// The treasury's address and its mint (the treasury's seed).
    Treasury(Pubkey, Pubkey),
    DataCredits(Pubkey),
    Network(Pubkey),
}

fn no_such_role(role: RoleName, of: &str) -> Failure {
    Failure::BadInput(format!("{of} has no role {:?}", role).to_lowercase())
}

impl RoleTarget {
    async fn holder<C: Chain, O: OwnershipSource>(&self, ctx: &Context<C, O>) -> Result<Holder, Failure> {
        let a = &self.account;
        Ok(match (&a.pool, &a.treasury, &a.dc_config, &a.network) {
            (Some(pool), ..) => {
                let pool = address("pool", pool)?;
                ctx.client.pool(&pool).await?;
                Holder::Pool(pool)
            }
            (_, Some(treasury), ..) => {
                let address = address("treasury", treasury)?;
                Holder::Treasury(address, ctx.client.account::<Treasury>(&address).await?.mint)
            }
            (_, _, Some(config), _) => {
                let config = address("data-credits configuration", config)?;
                ctx.client.account::<DataCreditsConfig>(&config).await?;
                Holder::DataCredits(config)
            }
            (_, _, _, Some(network)) => {
                let network = address("network", network)?;
                ctx.client.account::<NetworkConfig>(&network).await?;
                Holder::Network(network)
            }
            (None, None, None, None) => return Err(Failure::BadInput("name the account: --pool, --treasury, --dc-config or --network".into())),
        })
    }
}

pub async fn role<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &RoleAction) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let key = signer.pubkey();
    let (target, step, verb) = match action {
        RoleAction::Propose { target, to } => (target, Step::Propose(address("proposed holder", to)?), "proposed"),
        RoleAction::Accept { target } => (target, Step::Accept, "accepted"),
        RoleAction::Cancel { target } => (target, Step::Cancel, "cancelled"),
    };
    let holder = target.holder(ctx).await?;
    let ix = match (&holder, target.role) {
        (Holder::Pool(pool), role) => {
            let role = match role {
                RoleName::Authority => reward_pool::Role::Authority,
                RoleName::Guardian => reward_pool::Role::Guardian,
                RoleName::BurnAuthority => return Err(no_such_role(role, "a pool")),
            };
            match step {
                Step::Propose(to) => reward_pool::propose_role(pool, &key, role, to),
                Step::Accept => reward_pool::accept_role(pool, &key, role),
                Step::Cancel => reward_pool::cancel_role(pool, &key, role),
            }
        }
        (Holder::Treasury(_, mint), role) => {
            let role = match role {
                RoleName::Authority => treasury::Role::Authority,
                RoleName::Guardian => treasury::Role::Guardian,
                RoleName::BurnAuthority => return Err(no_such_role(role, "the treasury")),
            };
            match step {
                Step::Propose(to) => treasury::propose_role(mint, &key, role, to),
                Step::Accept => treasury::accept_role(mint, &key, role),
                Step::Cancel => treasury::cancel_role(mint, &key, role),
            }
        }
        (Holder::DataCredits(config), role) => {
            let role = match role {
                RoleName::Authority => data_credits::Role::Authority,
                RoleName::Guardian => data_credits::Role::Guardian,
                RoleName::BurnAuthority => data_credits::Role::BurnAuthority,
            };
            match step {
                Step::Propose(to) => data_credits::propose_role(config, &key, role, to),
                Step::Accept => data_credits::accept_role(config, &key, role),
                Step::Cancel => data_credits::cancel_role(config, &key, role),
            }
        }
        (Holder::Network(network), RoleName::Authority) => {
            let role = device_registry::Role::Authority;
            match step {
                Step::Propose(to) => device_registry::propose_role(network, &key, role, to),
                Step::Accept => device_registry::accept_role(network, &key, role),
                Step::Cancel => device_registry::cancel_role(network, &key, role),
            }
        }
        (Holder::Network(_), role) => return Err(no_such_role(role, "a device network")),
    };
    let signature = ctx.client.send(&[ix], &signer, &[]).await?;
    let (account, holders) = holders(ctx, &holder).await?;
    let role = format!("{:?}", target.role).to_lowercase();
    let lines: Vec<String> = holders.as_object().into_iter().flatten().map(|(name, value)| format!("  {name:<24} {value}")).collect();
    Ok(Outcome {
        human: format!("{role} of {account}: {verb}\n{}\n{signature}\n", lines.join("\n")),
        json: json!({"account": account.to_string(), "role": role, "holders": holders, "transaction": signature.to_string()}),
    })
}

/// The roles of the account as they stand now.
async fn holders<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, holder: &Holder) -> Result<(Pubkey, Value), Failure> {
    let pending = |key: Pubkey, at: i64| json!({"key": key.to_string(), "applicable_at": at});
    let proposed = |key: Pubkey| (key != Pubkey::default()).then(|| key.to_string());
    Ok(match holder {
        Holder::Pool(address) => {
            let pool = ctx.client.pool(address).await?;
            let json = json!({
                "authority": pool.authority.to_string(), "pending_authority": proposed(pool.pending_authority),
                "guardian": pool.guardian.to_string(), "pending_guardian": pool.pending_guardian.map(|p| pending(p.guardian, p.applicable_at)),
            });
            (*address, json)
        }
        Holder::Treasury(address, _) => {
            let t: Treasury = ctx.client.account(address).await?;
            let json = json!({
                "authority": t.authority.to_string(), "pending_authority": proposed(t.pending_authority),
                "guardian": t.guardian.to_string(), "pending_guardian": t.pending_guardian.map(|p| pending(p.guardian, p.applicable_at)),
            });
            (*address, json)
        }
        Holder::DataCredits(address) => {
            let c: DataCreditsConfig = ctx.client.account(address).await?;
            let json = json!({
                "authority": c.authority.to_string(), "pending_authority": proposed(c.pending_authority),
                "guardian": c.guardian.to_string(), "pending_guardian": c.pending_guardian.map(|p| pending(p.key, p.applicable_at)),
                "burn_authority": c.burn_authority.to_string(), "pending_burn_authority": c.pending_burn_authority.map(|p| pending(p.key, p.applicable_at)),
            });
            (*address, json)
        }
        Holder::Network(address) => {
            let n: NetworkConfig = ctx.client.account(address).await?;
            (*address, json!({"authority": n.authority.to_string(), "pending_authority": proposed(n.pending_authority)}))
        }
    })
}
