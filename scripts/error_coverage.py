#!/usr/bin/env python3
"""Checks that every named error of every program is asserted by a test.

    error_coverage.py IDL_DIR LOG [LOG ...]

IDL_DIR holds the programs' Anchor IDLs (target/idl/*.json, from scripts/build-programs.sh); each
lists its program's error variants. Each LOG has one `lane program ErrorName` line per refusal a
test asserted by name: `native` for the in-process bank, `node` for solana-test-validator. The
test harnesses write them to the file named by FIELDPROOF_REFUSAL_LOG (tests/src/errors.rs and
the SDK tests' sdk/tests/bank/mod.rs). CI sets it for `cargo test --workspace`,
scripts/test-rpc.sh and the Bubblegum tests, then runs this.

Prints every error with the lanes that asserted it, and fails when one was asserted in none, or
when a log names an error no IDL has (a test asserting a name that no longer exists).
"""
import json
import os
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    idl_dir, log_paths = sys.argv[1], sys.argv[2:]

    errors = {}
    for name in sorted(os.listdir(idl_dir)):
        if not name.endswith(".json"):
            continue
        idl = json.load(open(os.path.join(idl_dir, name)))
        program = idl["metadata"]["name"]
        errors[program] = [e["name"] for e in idl.get("errors", [])]
    if not errors:
        sys.exit(f"no IDLs in {idl_dir}: run scripts/build-programs.sh")

    lanes = {}
    for path in log_paths:
        with open(path) as log:
            for line in log:
                lane, program, error = line.split()
                lanes.setdefault((program, error), set()).add(lane)

    problems = []
    print(f"{'program':<16} {'error':<32} asserted")
    for program, names in errors.items():
        for error in names:
            seen = sorted(lanes.get((program, error), ()))
            print(f"{program:<16} {error:<32} {', '.join(seen) or '-'}")
            if not seen:
                problems.append(f"{program}::{error} is asserted by no test")
    for program, error in sorted(lanes):
        if program in errors and error not in errors[program]:
            problems.append(f"a test asserted {program}::{error}, which the program does not have")
    total = sum(len(n) for n in errors.values())
    print(f"{total - sum(1 for p in problems if 'no test' in p)} of {total} named errors asserted by a test")
    for problem in problems:
        print(f"error coverage: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
