//! Program-derived addresses at their canonical bump, for a fraction of the runtime's price, and
//! the creation of accounts at them.
//!
//! `Pubkey::find_program_address` tries bumps from 255 down through the `create_program_address`
//! syscall, which costs 1,500 compute units per try: half of all seeds need a second try, a
//! quarter a third, and so on, so an instruction's cost swings by thousands of units with its
//! keys. [`find_program_address`] runs the same search with the sha256 syscall and the
//! curve25519 point check (about 300 units per try on the validator) and finds the same address
//! and bump: the canonical ones, which is what keeps a record per seed unique.
use anchor_lang::prelude::*;
use anchor_lang::system_program;

/// What the runtime appends to every PDA's preimage.
const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";
/// Most seeds a PDA may have (the runtime's `MAX_SEEDS`), the bump included.
pub const MAX_SEEDS: usize = 16;

/// The canonical program-derived address of `seeds` under `program_id` and its bump, the same
/// as `Pubkey::find_program_address`'s; `None` when more than 15 seeds are given or no bump
/// leads off the curve (which no real seed meets).
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Option<(Pubkey, u8)> {
    if seeds.len() >= MAX_SEEDS {
        return None;
    }
    let n = seeds.len();
    for bump in (0..=u8::MAX).rev() {
        let bump_seed = [bump];
        let mut parts: [&[u8]; MAX_SEEDS + 2] = [&[]; MAX_SEEDS + 2];
        parts[..n].copy_from_slice(seeds);
        parts[n] = &bump_seed;
        parts[n + 1] = program_id.as_ref();
        parts[n + 2] = PDA_MARKER;
        let address = Pubkey::new_from_array(solana_sha256_hasher::hashv(&parts[..n + 3]).to_bytes());
        if !address.is_on_curve() {
            return Some((address, bump));
        }
    }
    None
}

/// Creates `account` at the PDA signed for by `signer_seeds` (its seeds and bump), owned by
/// `owner`, `space` bytes long and rent-exempt, paid by `payer`. An address that already holds
/// lamports (anyone may send some to an address before it is created) is topped up, allocated
/// and assigned instead, as Anchor's `init` does.
pub fn create_account<'info>(
    payer: &AccountInfo<'info>,
    account: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    signer_seeds: &[&[u8]],
    space: usize,
    owner: &Pubkey,
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(space);
    let signer = &[signer_seeds];
    let current = account.lamports();
    if current == 0 {
        let accounts = system_program::CreateAccount { from: payer.clone(), to: account.clone() };
        return system_program::create_account(
            CpiContext::new_with_signer(system.key(), accounts, signer),
            rent,
            space as u64,
            owner,
        );
    }
    if current < rent {
        let accounts = system_program::Transfer { from: payer.clone(), to: account.clone() };
        system_program::transfer(CpiContext::new(system.key(), accounts), rent - current)?;
    }
    let accounts = system_program::Allocate { account_to_allocate: account.clone() };
    system_program::allocate(CpiContext::new_with_signer(system.key(), accounts, signer), space as u64)?;
    let accounts = system_program::Assign { account_to_assign: account.clone() };
    system_program::assign(CpiContext::new_with_signer(system.key(), accounts, signer), owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn finds_the_runtimes_address_and_bump(seeds in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..=32), 0..=4), program in any::<[u8; 32]>()) {
            let program_id = Pubkey::new_from_array(program);
            let seeds: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(find_program_address(&seeds, &program_id), Some(Pubkey::find_program_address(&seeds, &program_id)));
        }
    }

    #[test]
    fn takes_as_many_seeds_as_the_runtime() {
        let program_id = Pubkey::new_from_array([7; 32]);
        let seeds = [&[1u8][..]; MAX_SEEDS];
        assert_eq!(find_program_address(&seeds, &program_id), None);
        let most = &seeds[..MAX_SEEDS - 1];
        assert_eq!(find_program_address(most, &program_id), Some(Pubkey::find_program_address(most, &program_id)));
    }
}
