#!/bin/bash
# submit.sh: N shards of SUITE as one array job, then the merge once every shard succeeded.
# Usage: SUITE=sweep.toml N=16 ./submit.sh   (prints the merge job's id)
set -euo pipefail
export SUITE="${SUITE:-sweep.toml}" N="${N:-16}"
mkdir -p logs parts
jid=$(sbatch --parsable --array=1-"$N" --export=ALL sweep.sbatch)
sbatch --parsable --dependency=afterok:"$jid" --output=logs/merge.out --export=ALL --wrap \
  'escrowlab merge parts/part-*.jsonl --format html --out report.html &&
   escrowlab merge parts/part-*.jsonl --format json --out report.json'
