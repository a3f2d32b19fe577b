#!/usr/bin/env python3
"""Whole round reports as processes: the "Round reports" figures of docs/BENCHMARKS.md.

It generates a state of N accounts (the 4-asset liquidation market, or with --assets 16 the
16-asset one; depth-32 tree; 5% hold 1 WETH against 5,000 USDC, 2% no debt), then times, as separate processes with the
parameters cached, `zkliq report` once per --jobs value given, and `zkliq verify-report` of
the first. It prints one JSON line per run: accounts, pieces, jobs, seconds (total and proving),
ms per account and peak resident memory (wait4's rusage).

    cargo build --release -p zkliq-prover
    python3 scripts/report-scale.py                        # 2,048 accounts, --jobs 1 and 2
    python3 scripts/report-scale.py --accounts 1024 --jobs 2
    python3 scripts/report-scale.py --accounts 1000000 --shard 8000/8001   # a shard's fixed cost
    python3 scripts/report-scale.py --assets 16 --positions 32 --jobs 2
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
# --assets: the market and its crash round.
MARKETS = {
    4: ("fixtures/markets/aave-v3-4-liquidation.json", "fixtures/prices/aave-v3-4-crash.json"),
    16: ("fixtures/markets/perp-16-liquidation.json", "fixtures/prices/perp-16-crash.json"),
}


def accounts(n):
    """JSONL: 5% hold 1 WETH against 5,000 USDC (liquidatable at the 4-asset crash round), 2% only
    collateral, the rest 10 WETH against 5,000 USDC; salts are distinct and of full strength."""
    rng = random.Random(n)
    kinds = ["liquidatable"] * round(n * 0.05) + ["no debt"] * round(n * 0.02)
    kinds += ["healthy"] * (n - len(kinds))
    rng.shuffle(kinds)
    for i, kind in enumerate(kinds):
        weth = (1 if kind == "liquidatable" else 10) * 10**18
        salt = timed.salt(i)
        account = {"id": f"a{i}", "salt": salt, "collateral": {"WETH": str(weth), "DAI": str(i % 1000)}}
        account["debt"] = {} if kind == "no debt" else {"USDC": "5000000000"}
        yield json.dumps(account) + "\n"


def run(args, env):
    """Runs zkliq, returning (seconds, peak RSS in MiB, stdout)."""
    return timed.run(ZKLIQ, args, env, quiet=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2048)
    parser.add_argument("--positions", type=int, default=128)
    parser.add_argument("--assets", type=int, choices=sorted(MARKETS), default=4)
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values, one run each")
    parser.add_argument("--shard", help="I/N: time only this shard of the report (no verify-report)")
    parser.add_argument("--per-proof", type=int, help="pieces per proof (default: zkliq report's)")
    args = parser.parse_args()
    if not ZKLIQ.exists():
        sys.exit("target/release/zkliq not found: run cargo build --release -p zkliq-prover first")
    market, prices = (ROOT / p for p in MARKETS[args.assets])
    env = dict(os.environ)
    env.setdefault("ZKLIQ_PARAMS_DIR", str(ROOT / "target/zkliq-params"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db, jsonl = work / "state.db", work / "accounts.jsonl"
        with open(jsonl, "w") as f:
            f.writelines(accounts(args.accounts))
        subprocess.run([str(ZKLIQ), "state", "init", "--state", str(db), "--market", str(market)], check=True, env=env, stdout=subprocess.DEVNULL)
        started = time.monotonic()
        subprocess.run([str(ZKLIQ), "state", "import", "--state", str(db), str(jsonl)], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(json.dumps({"import_seconds": round(time.monotonic() - started, 1)}), flush=True)
        root = subprocess.run([str(ZKLIQ), "state", "root", "--state", str(db)], check=True, env=env, capture_output=True, text=True).stdout.strip()
        for n, jobs in enumerate(args.jobs.split(",")):
            out = work / f"report-{jobs}"
            command = ["report", "--state", str(db), "--prices", str(prices), "--out", str(out), "--positions", str(args.positions), "--jobs", jobs]
            if args.per_proof:
                command += ["--per-proof", str(args.per_proof)]
            if args.shard:
                secret = work / f"secret-{jobs}.json"
                subprocess.run([str(ZKLIQ), "report", "secret", "--out", str(secret)], check=True, env=env, stdout=subprocess.DEVNULL)
                command += ["--secret", str(secret), "--shard", args.shard]
            seconds, rss, text = run(command, env)
            summary = json.loads(text)
            line = {
                "accounts": summary["accounts"], "liquidatable": summary["liquidatable"],
                "pieces": summary["pieces"], "positions": summary["positions"], "k": summary["k"], "jobs": int(jobs), "per_proof": summary["per_proof"],
                "seconds": round(seconds, 1), "prove_seconds": round(summary["seconds"]["prove"], 1),
                "ms_per_account": round(seconds * 1e3 / summary["accounts"], 1),
                "prove_ms_per_account": summary["ms_per_account"] and round(summary["ms_per_account"], 1), "peak_mib": round(rss),
            }
            if args.shard:
                line.update({"shard": args.shard, "proved": summary["proved"]})
                del line["ms_per_account"], line["prove_ms_per_account"]
            elif n == 0:
                v_seconds, v_rss, _ = run(["verify-report", str(out), "--market", str(market), "--prices", str(prices), "--root", root, "--json"], env)
                line["verify_report"] = {"seconds": round(v_seconds, 2), "peak_mib": round(v_rss)}
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
