#!/usr/bin/env python3
"""Whole-keeper runs at crash scale: the points of docs/BENCHMARKS.md ("Crash scale").

For each point it generates a state (4-asset liquidation market, crash round) whose liquidatable
accounts are spread uniformly at random (fixed seed) or packed in one cluster, then times, as
separate processes with the parameters cached:
  - `zkliq keeper` (claims: prove every liquidatable account), and
  - `zkliq keeper --execute` (liquidate them all as a chain of proofs), with `verify-chain`.
It prints one JSON line per run: accounts, density, layout, liquidatable, proofs, seconds,
ms per account and peak resident memory (from wait4's rusage).

    cargo build --release -p zkliq-prover
    python3 scripts/crash-scale.py                     # every point
    python3 scripts/crash-scale.py --only 10000:0.05   # one point
    python3 scripts/crash-scale.py --no-execute        # claims only (--no-claims: executions only)
    python3 scripts/crash-scale.py --depth fit         # trees of the smallest depth that holds the book
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import timed

ROOT = Path(__file__).resolve().parent.parent
ZKLIQ = ROOT / "target/release/zkliq"
MARKET = ROOT / "fixtures/markets/aave-v3-4-liquidation.json"
PRICES = ROOT / "fixtures/prices/aave-v3-4-crash.json"
LIQUIDATOR = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
POINTS = [
    (10_000, 0.01, "scattered"),
    (10_000, 0.05, "scattered"),
    (100_000, 0.01, "scattered"),
    (10_000, 256 / 10_000, "clustered"),
]


def accounts(n, liquidatable):
    """JSONL: the liquidatable accounts hold 1 WETH against 5,000 USDC at the crash round, the
    others 10 WETH; salts are distinct and of full strength."""
    for i in range(n):
        weth = (1 if i in liquidatable else 10) * 10**18
        salt = timed.salt(i)
        yield json.dumps(
            {
                "id": f"a{i}",
                "salt": salt,
                "collateral": {"WETH": str(weth), "DAI": str(i % 1000)},
                "debt": {"USDC": "5000000000"},
            }
        ) + "\n"


def run(args, env):
    """Runs zkliq, returning (seconds, peak RSS in MiB, stdout)."""
    return timed.run(ZKLIQ, args, env)


def point(n, density, layout, execute, env, work, depth, claims=True):
    count = round(n * density)
    if layout == "scattered":
        chosen = set(random.Random(n * 1000 + count).sample(range(n), count))
    else:
        chosen = set(range(4096, 4096 + count))
    db = work / f"state-{n}-{count}-{layout}.db"
    jsonl = work / f"accounts-{n}-{count}-{layout}.jsonl"
    with open(jsonl, "w") as f:
        f.writelines(accounts(n, chosen))
    if depth == "fit":
        depth = str(max(1, (n - 1).bit_length()))
    init = [str(ZKLIQ), "state", "init", "--state", str(db), "--market", str(MARKET)]
    if depth != "32":
        init += ["--depth", depth]
    subprocess.run(init, check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([str(ZKLIQ), "state", "import", "--state", str(db), str(jsonl)], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    common = ["--state", str(db), "--market", str(MARKET), "--prices", str(PRICES)]
    if claims:
        keeper_claims(n, density, layout, count, depth, common, env, work)
    if not execute:
        return
    execute_all(n, density, layout, depth, db, common, env, work, count)


def keeper_claims(n, density, layout, count, depth, common, env, work):
    seconds, rss, out = run(["keeper", *common, "--out", str(work / f"claims-{n}-{count}-{layout}")], env)
    summary = json.loads(out)
    print(json.dumps({
        "run": "keeper", "accounts": n, "depth": int(depth), "density": density, "layout": layout,
        "liquidatable": summary["liquidatable"], "proofs": summary["proofs"],
        "batch_positions": summary["batch_positions"], "k": summary["batch_k"],
        "seconds": round(seconds, 2), "ms_per_account": round(seconds * 1e3 / count, 1),
        "peak_mib": round(rss), "phases": summary["seconds"],
        "predicted_prove_seconds": round(summary["plan"]["predicted_prove_seconds"], 2),
    }), flush=True)


def execute_all(n, density, layout, depth, db, common, env, work, count):
    root = subprocess.run([str(ZKLIQ), "state", "root", "--state", str(db)], check=True, env=env, capture_output=True, text=True).stdout.strip()
    out_dir = work / f"executed-{n}-{count}-{layout}"
    seconds, rss, out = run(["keeper", "--execute", "--liquidator", LIQUIDATOR, *common, "--out", str(out_dir)], env)
    summary = json.loads(out)
    started = time.monotonic()
    subprocess.run([str(ZKLIQ), "verify-chain", str(out_dir), "--market", str(MARKET), "--prices", str(PRICES), "--from", root, "--to", summary["final_root"], "--depth", depth], check=True, env=env, stdout=subprocess.DEVNULL)
    verify = time.monotonic() - started
    executed = summary["executed"]
    print(json.dumps({
        "run": "keeper --execute", "accounts": n, "depth": int(depth), "density": density, "layout": layout,
        "executed": executed, "proofs": executed, "k": summary["liquidation_k"],
        "seconds": round(seconds, 2), "ms_per_execution": round(seconds * 1e3 / max(executed, 1), 1),
        "peak_mib": round(rss), "verify_chain_seconds": round(verify, 2), "phases": summary["seconds"],
    }), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="one point, ACCOUNTS:DENSITY[:clustered]")
    parser.add_argument("--no-execute", action="store_true", help="claims only")
    parser.add_argument("--no-claims", action="store_true", help="executions only")
    parser.add_argument("--depth", default="32", help="tree depth at state init: a number, or fit (the smallest that holds the accounts)")
    args = parser.parse_args()
    if not ZKLIQ.exists():
        sys.exit("target/release/zkliq not found: run cargo build --release -p zkliq-prover first")
    env = dict(os.environ)
    env.setdefault("ZKLIQ_PARAMS_DIR", str(ROOT / "target/zkliq-params"))
    points = POINTS
    if args.only:
        parts = args.only.split(":")
        points = [(int(parts[0]), float(parts[1]), parts[2] if len(parts) > 2 else "scattered")]
    with tempfile.TemporaryDirectory() as work:
        for n, density, layout in points:
            point(n, density, layout, not args.no_execute, env, Path(work), args.depth, not args.no_claims)


if __name__ == "__main__":
    main()
