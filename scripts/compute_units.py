#!/usr/bin/env python3
"""Checks measured compute units against the budgets in docs/compute-units.md, and that every
instruction was also refused by name at least once.

    compute_units.py LOG TABLE [--update-table]

LOG has one `program Instruction units` line per instruction executed on a node and one
`! program discriminator ErrorName` line per instruction the node refused with a named error
(written by the SDK tests' harness, sdk/tests/bank/mod.rs). TABLE is the markdown table
`| program | instruction | budget | measured | refused with |`. Fails when an instruction used more than its
budget, when an instruction with a budget never ran, or when one ran that has no row. Rows whose
budget is `-` are not run on a node yet. A row whose instruction was never refused by name fails
too, unless its `refused with` cell says `none yet` (an instruction that refuses nothing).
--update-table rewrites the measured and refused-with columns.
"""
import hashlib
import re
import sys

ROW = re.compile(r"^\| *(\w+) *\| *(\w+) *\| *([\d,]+|-) *\| *([^|]*)\| *([^|]*)\|$")


def discriminator(instruction):
    """Anchor's instruction discriminator: sha256("global:<snake_case name>")[..8], as hex."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", instruction).lower()
    return hashlib.sha256(f"global:{snake}".encode()).hexdigest()[:16]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    update = "--update-table" in sys.argv
    if len(args) != 2:
        sys.exit(__doc__)
    log_path, table_path = args

    measured, refused = {}, {}
    with open(log_path) as log:
        for line in log:
            if line.startswith("! "):
                _, program, disc, error = line.split()
                refused.setdefault((program, disc), set()).add(error)
                continue
            program, instruction, units = line.split()
            key = (program, instruction)
            measured[key] = max(measured.get(key, 0), int(units))

    lines = open(table_path).read().split("\n")
    budgets, problems = {}, []
    for i, line in enumerate(lines):
        m = ROW.match(line)
        if not m or m.group(1) == "program":
            continue
        key = (m.group(1), m.group(2))
        budget = None if m.group(3) == "-" else int(m.group(3).replace(",", ""))
        budgets[key] = budget
        units = measured.get(key)
        if budget is not None and units is None:
            problems.append(f"{key[0]}::{key[1]} has a budget but never ran")
        errors = sorted(refused.get((key[0], discriminator(key[1])), ()))
        if budget is not None and not errors and m.group(5).strip() != "none yet":
            problems.append(f"{key[0]}::{key[1]} was never refused by name")
        if budget is not None and units is not None and units > budget:
            problems.append(f"{key[0]}::{key[1]} used {units:,} CU, over its budget of {budget:,}")
        if update and units is not None:
            lines[i] = f"| {key[0]} | {key[1]} | {m.group(3)} | {units:,} | {', '.join(errors) or 'none yet'} |"
    for key in sorted(measured.keys() - budgets.keys()):
        problems.append(f"{key[0]}::{key[1]} ran ({measured[key]:,} CU) but has no row in {table_path}")

    print(f"{'program':<16} {'instruction':<24} {'measured':>9} {'budget':>9}  refused with")
    for key in sorted(budgets.keys() | measured.keys()):
        units, budget = measured.get(key), budgets.get(key)
        errors = ", ".join(sorted(refused.get((key[0], discriminator(key[1])), ())))
        print(f"{key[0]:<16} {key[1]:<24} {units if units is not None else '-':>9} {budget if budget is not None else '-':>9}  {errors}")
    if update:
        open(table_path, "w").write("\n".join(lines))
    for problem in problems:
        print(f"compute units: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
