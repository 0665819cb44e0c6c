#!/usr/bin/env python3
"""Checks measured compute units against the budgets in docs/compute-units.md, and that every
instruction was also refused by name at least once on the node.

    compute_units.py LOG [LOG ...] TABLE [--update-table [--set-budgets]]

Each LOG has one `program Instruction units` line per instruction executed on a node and one
`! program discriminator ErrorName` line per instruction the node refused with a named error
(written by the SDK tests' harness, sdk/tests/bank/mod.rs). Several logs (several runs) are read
as one: the most units any run measured count. TABLE is the markdown table
`| program | instruction | budget | measured | refused with |`.

Fails when an instruction used more than its budget, when an instruction of the table never ran,
when one ran that has no row, when a row has no budget, and when an instruction was never refused
by name, unless its `refused with` cell says `none yet` (an instruction that refuses nothing).

--update-table rewrites the measured and refused-with columns from the logs; with --set-budgets
it also sets every budget to the policy's: the most measured plus 10%, rounded up to a hundred
(plus EPOCH_SEARCH_ALLOWANCE for the instructions in CLOCK_SEEDED), never above the instruction's
ceiling in CEILINGS.
"""
import hashlib
import math
import re
import sys

ROW = re.compile(r"^\| *(\w+) *\| *(\w+) *\| *([\d,]+|-) *\| *([^|]*)\| *([^|]*)\|$")
# A budget is the most measured plus this share, so a regression of that size fails CI.
HEADROOM = 0.10
# The instructions that may create the data-credits epoch's burn totals, whose address is searched
# from the epoch number, that is from the day the tests run (the tests' keys are fixed, the clock
# is not): their budgets also allow eight more tries of the canonical-bump search (~300 units
# each, programs/pda), which the epoch of some day needs once in 256.
CLOCK_SEEDED = {("data_credits", "BurnFee"), ("data_credits", "BurnDelegated"), ("device_registry", "IssueDevice"), ("device_registry", "AssertLocation")}
EPOCH_SEARCH_ALLOWANCE = 8 * 300
# Ceilings the network promises, whatever the measurements (docs/compute-units.md): a claim in a
# network of 2^20 devices, and a device's issue into such a network's tree. A budget never exceeds
# its ceiling, so a change that crosses one fails CI even within the headroom.
CEILINGS = {("reward_pool", "Claim"): 40_000, ("device_registry", "IssueDevice"): 100_000}


def discriminator(instruction):
    """Anchor's instruction discriminator: sha256("global:<snake_case name>")[..8], as hex."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", instruction).lower()
    return hashlib.sha256(f"global:{snake}".encode()).hexdigest()[:16]


def policy_budget(key, units):
    allowance = EPOCH_SEARCH_ALLOWANCE if key in CLOCK_SEEDED else 0
    budget = int(math.ceil((units * (1 + HEADROOM) + allowance) / 100.0) * 100)
    return min(budget, CEILINGS.get(key, budget))


def read_logs(paths):
    measured, refused = {}, {}
    for path in paths:
        with open(path) as log:
            for line in log:
                if line.startswith("! "):
                    _, program, disc, error = line.split()
                    refused.setdefault((program, disc), set()).add(error)
                    continue
                program, instruction, units = line.split()
                key = (program, instruction)
                measured[key] = max(measured.get(key, 0), int(units))
    return measured, refused


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    update = "--update-table" in sys.argv
    set_budgets = "--set-budgets" in sys.argv
    if len(args) < 2 or (set_budgets and not update):
        sys.exit(__doc__)
    *log_paths, table_path = args
    measured, refused = read_logs(log_paths)

    lines = open(table_path).read().split("\n")
    budgets, problems = {}, []
    for i, line in enumerate(lines):
        m = ROW.match(line)
        if not m or m.group(1) == "program":
            continue
        key = (m.group(1), m.group(2))
        units = measured.get(key)
        budget = None if m.group(3) == "-" else int(m.group(3).replace(",", ""))
        if set_budgets and units is not None:
            budget = policy_budget(key, units)
        budgets[key] = budget
        errors = sorted(refused.get((key[0], discriminator(key[1])), ()))
        name = f"{key[0]}::{key[1]}"
        if units is None:
            problems.append(f"{name} never ran on the node")
        if budget is None:
            problems.append(f"{name} has no budget")
        if not errors and m.group(5).strip() != "none yet":
            problems.append(f"{name} was never refused by name")
        if budget is not None and units is not None and units > budget:
            problems.append(f"{name} used {units:,} CU, over its budget of {budget:,}")
        if update and units is not None:
            shown = "-" if budget is None else f"{budget:,}"
            lines[i] = f"| {key[0]} | {key[1]} | {shown} | {units:,} | {', '.join(errors) or 'none yet'} |"
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
