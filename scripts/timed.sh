#!/usr/bin/env bash
# `timed.sh LABEL COMMAND...`: runs COMMAND and prints its wall time, so every install
# step of a fresh machine (apt, venv, llama build, docker image) shows what it costs.
set -uo pipefail
label=$1
shift
start=${EPOCHREALTIME/./}
"$@"
status=$?
elapsed=$(( ${EPOCHREALTIME/./} - start ))
printf 'proctor install: %-13s %4d.%d s%s\n' "$label" $((elapsed / 1000000)) $((elapsed % 1000000 / 100000)) \
    "$([ $status -eq 0 ] || echo "  (failed, exit $status)")" >&2
exit $status
