// The programs' addresses and error names, generated from their IDLs at build time
// (scripts/program-errors.mjs): the one source of truth is the programs' error enums.
import generated from './generated/programs.json';

interface ProgramErrors {
  name: string;
  address: string;
  errors: { code: number; name: string; message: string }[];
}

const programs: ProgramErrors[] = generated.programs;

function program(name: string): ProgramErrors {
  const found = programs.find((p) => p.name === name);
  if (!found) throw new Error(`the build has no IDL of ${name}`);
  return found;
}

export const REWARD_POOL_PROGRAM = program('reward_pool').address;
export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';

/** `reward_pool: NothingToClaim — nothing to claim` for a program's custom error code. */
export function programErrorInWords(programAddress: string | undefined, code: number): string {
  const owner = programs.find((p) => p.address === programAddress);
  const error = owner?.errors.find((e) => e.code === code);
  if (owner && error) return `${owner.name}: ${error.name} — ${error.message}`;
  if (owner) return `${owner.name}: error ${code}`;
  return `program ${programAddress ?? 'unknown'}: error ${code}`;
}
