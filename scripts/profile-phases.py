#!/usr/bin/env python3
"""Where a prover's time goes, by phase of halo2's prover: runs a command under `perf record`
(DWARF call graphs) and sorts its samples by the innermost frame that names a phase.

    CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_TARGET_DIR=target/profile \
        cargo build --release -p zkliq-benches --example profile_report
    python3 scripts/profile-phases.py --delay 10000 -- \
        target/profile/release/examples/profile_report 3 7

(run from the repository's root: the example reads its parameters from `target/zkliq-params`).
`--delay` skips the first milliseconds (parameters and key generation); with DWARF unwinding,
frames on rayon's worker threads often lose their callers, so point arithmetic whose caller is
lost is counted with the multi-scalar multiplications (where most of it is), and a sample with no
frame that names a phase is counted by its innermost frame (field arithmetic, memory) on a line
of its own.
"""

import argparse
import collections
import os
import subprocess
import sys
import tempfile

MSM = "multi-scalar multiplications, and point arithmetic whose caller was lost"
# Checked first, on every frame of a sample: work that calls the routines named below.
CALLERS = [
    ("ProverKey5build", "key generation"),
    ("keygen", "key generation"),
    ("parallel_generator_collapse", "the opening argument's folding of the generators"),
]
# (substring of a mangled or inlined frame name, phase); the innermost frame that matches wins.
PHASES = [
    ("Evaluator", "quotient: gate, lookup and permutation expressions on the extended domain"),
    ("evaluate_h", "quotient: gate, lookup and permutation expressions on the extended domain"),
    ("recursive_butterfly", "FFTs"),
    ("best_fft", "FFTs"),
    ("coeff_to_extended", "FFTs"),
    ("extended_to_coeff", "FFTs"),
    ("lagrange_to_coeff", "FFTs"),
    ("BoothBuckets", MSM),
    ("booth", MSM),
    ("multiexp", MSM),
    # Legacy-mangled `pasta_curves::curves::Eq` (and `EqAffine`): point arithmetic whose caller
    # was lost (perf script runs with --no-demangle, so this names the crate's type).
    ("curves..Eq", MSM),
    ("floor_planner", "circuit synthesis and floor planning"),
    ("synthesize", "circuit synthesis and floor planning"),
    ("5plonk11permutation", "permutation argument (products)"),
    ("5plonk6lookup", "lookup argument (permuting, products)"),
]
# Used only when no frame of a sample names a phase (its callers were lost in unwinding).
FALLBACKS = [
    ("clear_page", "the kernel zeroing fresh memory, caller lost"),
    ("memmove", "copying memory, caller lost"),
    ("memcpy", "copying memory, caller lost"),
    ("asm6x86_643mul", "field multiplications, caller lost"),
    ("asm5entry6square", "field multiplications, caller lost"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=int, default=0, help="ms to skip at the start")
    parser.add_argument("--frequency", type=int, default=299, help="samples per second")
    parser.add_argument("command", nargs="+", help="the command to profile (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        record = ["perf", "record", "-q", "-F", str(args.frequency), "--call-graph",
                  "dwarf,32768", "-o", data]
        if args.delay:
            record += ["-D", str(args.delay)]
        subprocess.run(record + ["--"] + args.command, check=True)
        script = subprocess.run(
            ["perf", "script", "-i", data, "-F", "comm,ip,sym", "--no-demangle"],
            check=True, capture_output=True, text=True,
        ).stdout
    counts = collections.Counter()
    stack = []

    def flush():
        if not stack:
            return
        phase = next(
            (p for k, p in CALLERS for frame in stack if k in frame),
            None,
        ) or next(
            (p for table in (PHASES, FALLBACKS) for frame in stack for k, p in table if k in frame),
            "other",
        )
        counts[phase] += 1

    for line in script.splitlines():
        if line and not line[0].isspace():
            flush()
            stack = []
        elif line.strip():
            stack.append(line.split(None, 1)[-1])
    flush()
    total = sum(counts.values())
    if total == 0:
        print("no samples", file=sys.stderr)
        return 1
    print(f"{total} samples")
    for phase, n in counts.most_common():
        print(f"{100 * n / total:5.1f}%  {phase}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
