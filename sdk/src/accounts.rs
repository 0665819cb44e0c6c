//! Decoding program accounts into the programs' own state types.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Owner};
use solana_account::Account;

use crate::SdkError;

/// Decodes `account` (at `address`) as `T`: checks that `T`'s program owns it and that its
/// discriminator and layout are `T`'s.
pub fn decode_account<T: AccountDeserialize + Owner>(address: &Pubkey, account: &Account) -> Result<T, SdkError> {
    if account.owner != T::owner() {
        return Err(SdkError::WrongAccountOwner { address: *address, owner: account.owner, expected: T::owner() });
    }
    T::try_deserialize(&mut account.data.as_slice()).map_err(|e| SdkError::AccountDecode {
        address: *address,
        expected: std::any::type_name::<T>(),
        reason: e.to_string(),
    })
}
