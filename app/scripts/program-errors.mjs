// Writes the programs' addresses and error tables, taken from their Anchor IDLs, for the app:
// one source of truth (the programs' `#[error_code]` enums, through the IDLs that
// scripts/build-programs.sh writes), so that a failed transaction is named in words.
//   node scripts/program-errors.mjs <idl dir> <output json>
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [idlDir, output] = process.argv.slice(2);
if (!idlDir || !output) {
  console.error('usage: program-errors.mjs <idl dir> <output json>');
  process.exit(2);
}
let files;
try {
  files = readdirSync(idlDir).filter((f) => f.endsWith('.json')).sort();
} catch (e) {
  console.error(`cannot read the IDLs in ${idlDir} (${e.message}): run scripts/build-programs.sh first`);
  process.exit(1);
}
if (files.length === 0) {
  console.error(`no IDL in ${idlDir}: run scripts/build-programs.sh first`);
  process.exit(1);
}
const programs = files.map((file) => {
  const idl = JSON.parse(readFileSync(join(idlDir, file), 'utf8'));
  if (typeof idl.address !== 'string' || typeof idl.metadata?.name !== 'string') {
    throw new Error(`${file} is not an Anchor IDL (no address or metadata.name)`);
  }
  return {
    name: idl.metadata.name,
    address: idl.address,
    errors: (idl.errors ?? []).map(({ code, name, msg }) => ({ code, name, message: msg ?? '' })),
  };
});
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, JSON.stringify({ programs }, null, 1) + '\n');
console.error(`${output}: ${programs.map((p) => `${p.name} (${p.errors.length} errors)`).join(', ')}`);
