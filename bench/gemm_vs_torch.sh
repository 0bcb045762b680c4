#!/usr/bin/env bash
# GEMM side by side with the peer: for each shape, runs torch.matmul (bench/torch_gemm.py) and
# `selfee bench gemm` back to back, alternating, ROUNDS times, with the same thread count; then
# prints, per shape, the median GFLOP/s of each and the ratio selfee / torch. Raw JSON lines go
# to stderr.
#
#   bench/gemm_vs_torch.sh [ROUNDS]        (default 3)
#   env: PYTHON (a python with torch; default python3), THREADS (default 2),
#        SECONDS_PER_RUN (measuring time of each run; default 2)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
rounds=${1:-3}
py=${PYTHON:-python3}
threads=${THREADS:-2}
secs=${SECONDS_PER_RUN:-2}
shapes=(  # trans m n k
  "nn 1024 1024 1024" "nt 1024 1024 1024" "tn 1024 1024 1024" "tt 1024 1024 1024"
  "nt 256 1536 512" "nt 256 512 1536" "nn 256 512 1536" "tn 1536 512 256"
  "nt 1 2048 2048" "nn 1 2048 2048" "nt 8 2048 2048")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for s in "${shapes[@]}"; do
  read -r t m n k <<<"$s"
  for ((r = 0; r < rounds; r++)); do
    "$py" "$root/bench/torch_gemm.py" --threads "$threads" --seconds "$secs" --trans "$t" --m "$m" --n "$n" --k "$k" | tee -a "$log" >&2
    "$root/selfee" bench gemm --threads "$threads" --seconds "$secs" --trans "$t" --m "$m" --n "$n" --k "$k" 2>/dev/null | tee -a "$log" >&2
  done
done
"$py" - "$log" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    key = (o["trans"], o["m"], o["n"], o["k"])
    rows.setdefault(key, {"torch": [], "selfee": []})["torch" if "peer" in o else "selfee"].append(o["gflops"])
print(f"{'trans':5} {'m':>5} {'n':>5} {'k':>5} {'selfee GFLOP/s':>15} {'torch GFLOP/s':>14} {'ratio':>6}   (medians of runs)")
for (t, m, n, k), r in rows.items():
    s, p = statistics.median(r["selfee"]), statistics.median(r["torch"])
    print(f"{t:5} {m:5} {n:5} {k:5} {s:15.1f} {p:14.1f} {s / p:6.2f}   selfee {r['selfee']} torch {r['torch']}")
PY
