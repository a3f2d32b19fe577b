#!/usr/bin/env bash
# Submits the shards of a round report as a Slurm array, and the merge to run after all of
# them succeeded. Usage: ZKLIQ_SHARDS=8 [ZKLIQ_WORK=/work/zkliq] deploy/slurm/submit.sh
set -euo pipefail
: "${ZKLIQ_SHARDS:?set ZKLIQ_SHARDS to the number of shards}"
here="$(cd "$(dirname "$0")" && pwd)"
array=$(sbatch --parsable --export=ALL --array="0-$((ZKLIQ_SHARDS - 1))" "$here/report-shard.sbatch")
sbatch --parsable --export=ALL --dependency="afterok:${array%%;*}" "$here/report-merge.sbatch"
