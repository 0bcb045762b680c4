#!/usr/bin/env bash
# Side-by-side peer benchmarks: selfee against torch, transformers, TRL and HF tokenizers on the same work,
# on this machine, back to back (alternating which side runs first), with warm-up and repeated rounds.
# Writes bench/results.md and bench/results.json (a --quick run writes bench/.cache/results-quick.*).
#
#   bench/peers.sh                      every pair, full sizes, 3 rounds (meant to fit 20 minutes on an idle 2-core machine)
#   bench/peers.sh --quick              small sizes, 1 round: a sanity run of the harness
#   bench/peers.sh gemm train-step      only these pairs (gemm train-step dpo generate score tokenize memory)
#   bench/peers.sh --rounds 5 score     more rounds
#   bench/peers.sh --threads 1          one thread per side (fairer on a machine other work keeps busy)
#
# The peers run in a Python venv, bench/.venv, created on first use from
# pip's configured index, or the mirror named by PEERS_INDEX_URL and PEERS_EXTRA_INDEX_URL; PYTHON=path/to/python uses an
# existing interpreter that has torch, transformers, trl, tokenizers and safetensors instead.
# Never part of the build or CI.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$root/scripts/find-java.sh"
export JAVA_HOME

if [ -z "${PYTHON:-}" ]; then
  venv="$root/bench/.venv"
  if ! "$venv/bin/python" -c 'import torch, transformers, trl, tokenizers, safetensors' >/dev/null 2>&1; then
    echo "peers: creating $venv (torch 2.13 CPU, transformers 5.18, trl, tokenizers)..." >&2
    mkdir -p "$root/bench/.cache"
    python3 -m venv "$venv"
    index=()  # pip's own configuration unless a mirror is named
    [ -n "${PEERS_INDEX_URL:-}" ] && index+=(--index-url "$PEERS_INDEX_URL")
    [ -n "${PEERS_EXTRA_INDEX_URL:-}" ] && index+=(--extra-index-url "$PEERS_EXTRA_INDEX_URL")
    if ! "$venv/bin/pip" install --disable-pip-version-check "${index[@]}" \
        torch==2.13.0 transformers==5.18.0 trl tokenizers safetensors >"$root/bench/.cache/pip.log" 2>&1; then
      grep -v '^WARNING: Location' "$root/bench/.cache/pip.log" | tail -n 20 >&2
      echo "peers: pip install failed; the log is in bench/.cache/pip.log" >&2
      exit 2
    fi
  fi
  PYTHON="$venv/bin/python"
fi

"$root/selfee" --version >/dev/null   # builds selfee now, so that no measurement includes the build
exec "$PYTHON" "$root/bench/peers.py" "$@"
