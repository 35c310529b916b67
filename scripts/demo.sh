#!/usr/bin/env bash
# The main job on the embedded defaults: generate problems, grade the bundled
# example completions, store the run and print its report.
set -euo pipefail
cd "$(dirname "$0")/.."
PROCTOR=.venv/bin/proctor
OUT=demo-out
mkdir -p "$OUT"
export PROCTOR_DB="$OUT/proctor.db"
$PROCTOR generate arith.integer --n 60 --seed 0 --param difficulty=2 -o "$OUT/problems.jsonl"
# The bundled completions answer exactly these problems: same task, seed and parameters, same bytes.
cmp "$OUT/problems.jsonl" examples/arith_problems.jsonl
RUN="demo-$(date +%Y%m%d-%H%M%S)"
$PROCTOR grade "$OUT/problems.jsonl" examples/arith_completions.jsonl --run "$RUN" -o "$OUT/verdicts.jsonl"

echo "verdicts: $OUT/verdicts.jsonl   store: $PROCTOR_DB   see: .venv/bin/proctor report $RUN --db $PROCTOR_DB"
