#!/usr/bin/env bash
# The main job on the embedded defaults: every built-in family of suites/smoke.toml,
# answered by the bundled local model (SmolLM2-135M-Instruct), graded, stored, reported.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo-out
export PROCTOR_DB=demo-out/proctor.db
RUN="smoke-$(date +%Y%m%d-%H%M%S)"
time .venv/bin/proctor run suites/smoke.toml --model local --run "$RUN"
echo "store: $PROCTOR_DB   next: .venv/bin/proctor report $RUN --db $PROCTOR_DB"
