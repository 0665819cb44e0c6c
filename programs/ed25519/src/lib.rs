//! Ed25519 signatures checked by the runtime's precompile, read back by our programs.
//!
//! A program cannot verify ed25519 itself within its compute budget; instead the transaction
//! carries an instruction to the Ed25519 precompile, which the runtime verifies before any
//! program runs (the whole transaction fails on a bad signature). Our programs then read that
//! instruction through the instructions sysvar and check WHAT was signed and BY WHOM.
//!
//! Layout of the precompile's data: `count: u8, padding: u8`, then per signature seven
//! little-endian u16 (signature offset, signature instruction index, public key offset, public
//! key instruction index, message offset, message size, message instruction index). We only
//! accept entries whose three instruction indexes are `u16::MAX` ("this instruction"), so the
//! bytes we read are exactly the bytes the precompile verified.
use solana_account_info::AccountInfo;
use solana_instruction::Instruction;
use solana_instructions_sysvar::{load_current_index_checked, load_instruction_at_checked};
use solana_program_error::ProgramError;

const HEADER_LEN: usize = 2;
const OFFSETS_LEN: usize = 14;
const PUBKEY_LEN: usize = 32;
const SIGNATURE_LEN: usize = 64;
const THIS_INSTRUCTION: u16 = u16::MAX;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ed25519Error {
    /// The current instruction is the first one: nothing precedes it.
    NoPrecedingInstruction,
    /// The preceding instruction is not addressed to the Ed25519 precompile.
    NotEd25519Program,
    /// The precompile's data is truncated, refers to another instruction, or holds no signature.
    MalformedData,
    /// The instructions sysvar could not be read.
    Sysvar(ProgramError),
}

/// One signature the precompile verified: who signed, and the exact bytes they signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedSignature<'a> {
    pub signer: &'a [u8; PUBKEY_LEN],
    pub message: &'a [u8],
}

/// The data of an Ed25519 precompile instruction that the runtime has verified.
pub struct VerifiedSignatures {
    data: Vec<u8>,
}

impl VerifiedSignatures {
    /// Loads the instruction just before the one being executed, which must be the precompile.
    pub fn from_preceding_instruction(ix_sysvar: &AccountInfo) -> Result<Self, Ed25519Error> {
        Self::from_instruction_before(ix_sysvar, 1)
    }

    /// Loads the instruction `distance` positions before the one being executed.
    pub fn from_instruction_before(ix_sysvar: &AccountInfo, distance: usize) -> Result<Self, Ed25519Error> {
        let current = load_current_index_checked(ix_sysvar).map_err(Ed25519Error::Sysvar)? as usize;
        let index = current.checked_sub(distance).ok_or(Ed25519Error::NoPrecedingInstruction)?;
        let ix = load_instruction_at_checked(index, ix_sysvar).map_err(Ed25519Error::Sysvar)?;
        if ix.program_id != solana_sdk_ids::ed25519_program::ID {
            return Err(Ed25519Error::NotEd25519Program);
        }
        let verified = Self { data: ix.data };
        // Walk every entry once so a malformed one is reported here, not skipped later.
        let count = verified.count()?;
        if count == 0 {
            return Err(Ed25519Error::MalformedData);
        }
        for i in 0..count {
            verified.entry(i)?;
        }
        Ok(verified)
    }

    fn count(&self) -> Result<usize, Ed25519Error> {
        let count = *self.data.first().ok_or(Ed25519Error::MalformedData)? as usize;
        if self.data.len() < HEADER_LEN + count * OFFSETS_LEN {
            return Err(Ed25519Error::MalformedData);
        }
        Ok(count)
    }

    fn entry(&self, i: usize) -> Result<VerifiedSignature<'_>, Ed25519Error> {
        let base = HEADER_LEN + i * OFFSETS_LEN;
        let field = |n: usize| -> Result<u16, Ed25519Error> {
            let at = base + 2 * n;
            let bytes = self.data.get(at..at + 2).ok_or(Ed25519Error::MalformedData)?;
            Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
        };
        let (sig_ix, key_off, key_ix) = (field(1)?, field(2)? as usize, field(3)?);
        let (msg_off, msg_len, msg_ix) = (field(4)? as usize, field(5)? as usize, field(6)?);
        if sig_ix != THIS_INSTRUCTION || key_ix != THIS_INSTRUCTION || msg_ix != THIS_INSTRUCTION {
            return Err(Ed25519Error::MalformedData);
        }
        let signer = self
            .data
            .get(key_off..key_off + PUBKEY_LEN)
            .and_then(|k| <&[u8; PUBKEY_LEN]>::try_from(k).ok())
            .ok_or(Ed25519Error::MalformedData)?;
        let message = self.data.get(msg_off..msg_off + msg_len).ok_or(Ed25519Error::MalformedData)?;
        Ok(VerifiedSignature { signer, message })
    }

    /// Every verified (signer, message) pair, in the order of the instruction.
    pub fn iter(&self) -> impl Iterator<Item = VerifiedSignature<'_>> {
        let count = self.count().unwrap_or(0);
        (0..count).filter_map(move |i| self.entry(i).ok())
    }
}

/// Builds one Ed25519 precompile instruction carrying several signatures over the SAME message,
/// which is stored once: k oracle signatures over a root cost 96 bytes each plus one message.
pub fn signatures_instruction(message: &[u8], signatures: &[([u8; PUBKEY_LEN], [u8; SIGNATURE_LEN])]) -> Instruction {
    let count = signatures.len();
    let keys_at = HEADER_LEN + count * OFFSETS_LEN;
    let sigs_at = keys_at + count * PUBKEY_LEN;
    let msg_at = sigs_at + count * SIGNATURE_LEN;
    let mut data = Vec::with_capacity(msg_at + message.len());
    data.push(count as u8);
    data.push(0);
    for i in 0..count {
        let fields = [
            (sigs_at + i * SIGNATURE_LEN) as u16,
            THIS_INSTRUCTION,
            (keys_at + i * PUBKEY_LEN) as u16,
            THIS_INSTRUCTION,
            msg_at as u16,
            message.len() as u16,
            THIS_INSTRUCTION,
        ];
        for f in fields {
            data.extend_from_slice(&f.to_le_bytes());
        }
    }
    for (key, _) in signatures {
        data.extend_from_slice(key);
    }
    for (_, sig) in signatures {
        data.extend_from_slice(sig);
    }
    data.extend_from_slice(message);
    Instruction { program_id: solana_sdk_ids::ed25519_program::ID, accounts: vec![], data }
}
