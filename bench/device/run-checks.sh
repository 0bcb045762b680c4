#!/usr/bin/env bash
# Runs selfee's OpenCL checks and benchmarks on a machine with a GPU but no JDK or Maven, using the runtime that
# bench/device/make-runtime.sh put in bench/device/.runtime. Run from anywhere; writes $OUT/checks.log (everything)
# and $OUT/summary.json (one entry per step with the JSON lines it printed, plus the cpu-vs-opencl loss check).
#
# Exits 0 when every step and the loss comparison passed, else 1 (2: no runtime).
# Every step has its own timeout and the whole script stops starting steps after BUDGET_S seconds (default 330),
# so one hang costs one step. Environment:
#   OUT        where to write (default /tmp/selfee-device-checks)
#   QUICK=1    small sizes, for a rehearsal on a CPU OpenCL driver such as PoCL
#   DEVICE     OpenCL device index as 'selfee devices' lists them (default 0)
#   THREADS    CPU threads of the cpu comparison runs (default 16)
#   OPENCL_LOADER  system, carried or auto (default): auto uses the system's libOpenCL.so.1 and falls back to
#                  the carried ICD loader; when no vendor .icd file names the NVIDIA driver, one is made for it.
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
rt="$root/bench/device/.runtime"
OUT=${OUT:-/tmp/selfee-device-checks}
QUICK=${QUICK:-0}
DEVICE=${DEVICE:-0}
THREADS=${THREADS:-16}
BUDGET_S=${BUDGET_S:-330}
OPENCL_LOADER=${OPENCL_LOADER:-auto}
mkdir -p "$OUT"
log="$OUT/checks.log"
summary="$OUT/summary.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$log"
start=$(date +%s)

say() { echo "$*" | tee -a "$log"; }
json_string() { # $1 as a JSON string
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/ }
  printf '"%s"' "$s"
}
entries=()
failed=0

# step NAME TIMEOUT_S ARGS...: runs 'selfee ARGS' (the carried runtime) under a timeout, logs its output, records it in the summary.
step() {
  local name=$1 limit=$2; shift 2
  local left=$((BUDGET_S - ($(date +%s) - start)))
  : >"$work/stdout"
  if [ "$left" -lt 10 ]; then
    say "=== $name: SKIPPED (the ${BUDGET_S}s budget is spent)"
    entries+=("{\"step\":$(json_string "$name"),\"skipped\":true}")
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  say "=== $name (timeout ${limit}s): selfee $*"
  local t0 rc t1
  t0=$(date +%s.%N)
  timeout -k 5 "$limit" "${selfee[@]}" "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  t1=$(date +%s.%N)
  cat "$work/stdout" "$work/stderr" >>"$log"
  cat "$work/stdout"
  local secs results
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  results=$(grep '^{' "$work/stdout" | paste -sd, -)
  local status=ok
  [ "$rc" -ne 0 ] && status=failed
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && status=timed_out
  [ "$rc" -ne 0 ] && { tail -n 15 "$work/stderr"; failed=$((failed + 1)); }
  say "--- $name: $status (exit $rc, ${secs}s)"
  entries+=("{\"step\":$(json_string "$name"),\"status\":\"$status\",\"exit\":$rc,\"seconds\":$secs,\"command\":$(json_string "selfee $*"),\"results\":[${results}],\"stderr_tail\":$(json_string "$(tail -n 5 "$work/stderr")")}")
  return "$rc"
}

say "selfee device checks, $(date -u +%FT%TZ), QUICK=$QUICK DEVICE=$DEVICE THREADS=$THREADS"
say "=== machine"
{ uname -a; nproc; free -g 2>/dev/null | head -n 2; } 2>&1 | tee -a "$log"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi 2>&1 | tee -a "$log"
else
  say "nvidia-smi: not present"
fi
say "=== OpenCL libraries (ldconfig -p | grep -i opencl)"
ldconfig -p 2>/dev/null | grep -i opencl | tee -a "$log" || say "(ldconfig lists no OpenCL library)"
say "ICD files: $(ls /etc/OpenCL/vendors 2>/dev/null | paste -sd' ' - || true)"

# The ICD loader: the system's, else the one make-runtime.sh carried.
system_loader=$(ldconfig -p 2>/dev/null | grep -c 'libOpenCL\.so\.1 ' || true)
if [ "$OPENCL_LOADER" = carried ] || { [ "$OPENCL_LOADER" = auto ] && [ "$system_loader" -eq 0 ]; }; then
  if [ -f "$rt/opencl/libOpenCL.so.1" ]; then
    export SELFEE_OPENCL_LIBRARY="$rt/opencl/libOpenCL.so.1"
    say "OpenCL loader: the carried one ($SELFEE_OPENCL_LIBRARY)"
  else
    say "OpenCL loader: NONE: no libOpenCL.so.1 on this machine and none carried; the opencl steps will fail"
  fi
else
  say "OpenCL loader: the system's libOpenCL.so.1"
fi
# The NVIDIA vendor library, named in an .icd file if the system has none that names it.
nv=$(ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libnvidia-opencl\.so\.1 (libc6,x86-64) => //p' | head -n 1)
for d in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64; do
  [ -z "$nv" ] && [ -e "$d/libnvidia-opencl.so.1" ] && nv="$d/libnvidia-opencl.so.1"
done
if [ -n "$nv" ]; then
  say "NVIDIA OpenCL driver: $nv"
  if ! grep -qs nvidia /etc/OpenCL/vendors/*.icd; then
    mkdir -p "$work/vendors" && echo "$nv" >"$work/vendors/nvidia.icd"
    export OCL_ICD_VENDORS="$work/vendors" OPENCL_VENDOR_PATH="$work/vendors" # ocl-icd's name, the Khronos loader's
    say "no .icd file names it: OCL_ICD_VENDORS=$OCL_ICD_VENDORS (nvidia.icd -> $nv)"
  fi
else
  say "NVIDIA OpenCL driver: NOT FOUND (no libnvidia-opencl.so.1 via ldconfig or in the usual folders)"
fi

if [ ! -x "$rt/java/bin/java" ] && [ -f "$rt/java/bin/java" ]; then chmod -R u+x "$rt/java/bin" "$rt/java/lib"; fi
if [ ! -x "$rt/java/bin/java" ] || [ ! -f "$rt/selfee.jar" ]; then
  say "FAILED: no runtime in $rt; run bench/device/make-runtime.sh first and carry bench/device/.runtime"
  echo "{\"error\":\"no runtime in bench/device/.runtime\"}" >"$summary"
  exit 2
fi
selfee=("$rt/java/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$rt/selfee.jar")

cfg="$root/bench/configs"
cl=(--backend opencl --device "$DEVICE")
if [ "$QUICK" = 1 ]; then
  small=256 large=512 secs=1
  tb25=(--batch-size 2 --seq-len 32 --steps 1) tb100=(--batch-size 1 --seq-len 16 --steps 1)
  parity=(--batch-size 1 --seq-len 16 --steps 1)
  gen=(--batch-size 2 --prompt-len 8 --max-new-tokens 4 --runs 1)
  dpo_batch=1 dpo_warmup=1 dpo_steps=1
else
  small=1024 large=4096 secs=2
  tb25=(--batch-size 16 --seq-len 512 --steps 5) tb100=(--batch-size 8 --seq-len 512 --steps 5)
  parity=(--batch-size 2 --seq-len 64 --steps 1)
  gen=(--batch-size 8 --prompt-len 32 --max-new-tokens 64 --runs 3)
  dpo_batch=8 dpo_warmup=3 dpo_steps=5
fi

# Most telling first, so a spent budget skips the least.
step devices 30 devices
step devices-json 30 devices --json
if grep -q '"type":"gpu"' "$work/stdout"; then
  say "OpenCL GPU: yes (device $DEVICE is used; see the list above)"
else
  say "WARNING: NO OpenCL GPU is visible (no driver, loader or .icd file; see above); the opencl steps run on whatever device $DEVICE is, if any"
fi
step "gemm opencl $small" 45 bench gemm --size "$small" --seconds "$secs" "${cl[@]}"
step "train-step parity cpu" 60 bench train-step --config "$cfg/llama-25m.json" "${parity[@]}" --threads "$THREADS"
cpu_loss=$(sed -n 's/.*"loss":\([-0-9.eE]*\).*/\1/p' "$work/stdout" | head -n 1)
step "train-step parity opencl" 60 bench train-step --config "$cfg/llama-25m.json" "${parity[@]}" "${cl[@]}"
cl_loss=$(sed -n 's/.*"loss":\([-0-9.eE]*\).*/\1/p' "$work/stdout" | head -n 1)
step "train-step opencl llama-25m" 90 bench train-step --config "$cfg/llama-25m.json" "${tb25[@]}" "${cl[@]}"
step "gemm opencl $large" 60 bench gemm --size "$large" --seconds "$secs" "${cl[@]}"
step "init llama-25m" 30 init --config "$cfg/llama-25m.json" --out "$work/llama-25m"
step "generate opencl llama-25m" 60 bench generate --model "$work/llama-25m" "${gen[@]}" "${cl[@]}"
# DPO pairs of random token ids (awk: the machine may have no Python), as many as the step needs
awk -v n="$((dpo_batch * (dpo_warmup + dpo_steps)))" 'function ids(k,   s, i) { s = ""; for (i = 0; i < k; i++) s = s (i ? "," : "") int(3 + rand() * 8189); return "[" s "]" }
  BEGIN { srand(7); for (j = 0; j < n; j++) printf "{\"prompt_ids\":%s,\"chosen_ids\":%s,\"rejected_ids\":%s}\n", ids(16 + int(rand() * 16)), ids(32 + int(rand() * 64)), ids(32 + int(rand() * 64)) }' >"$work/pairs.jsonl"
step "dpo-step opencl llama-25m" 90 bench dpo-step --model "$work/llama-25m" --data "$work/pairs.jsonl" --batch-size "$dpo_batch" --warmup "$dpo_warmup" --steps "$dpo_steps" "${cl[@]}"
step "train-step opencl llama-100m" 90 bench train-step --config "$cfg/llama-100m.json" "${tb100[@]}" "${cl[@]}"
step "gemm cpu $small" 30 bench gemm --size "$small" --seconds "$secs" --threads "$THREADS"
step "gemm cpu $large" 45 bench gemm --size "$large" --seconds "$secs" --threads "$THREADS"
step "generate cpu llama-25m" 45 bench generate --model "$work/llama-25m" "${gen[@]}" --threads "$THREADS"
step "dpo-step cpu llama-25m" 60 bench dpo-step --model "$work/llama-25m" --data "$work/pairs.jsonl" --batch-size "$dpo_batch" --warmup "$dpo_warmup" --steps "$dpo_steps" --threads "$THREADS"
step "train-step opencl llama-100m lora" 60 bench train-step --config "$cfg/llama-100m.json" "${tb100[@]}" --lora-r 16 --lora-target-modules all-linear "${cl[@]}"

# The same training step on the cpu and on the device: equal losses within float rounding.
parity_json="null"
if [ -n "$cpu_loss" ] && [ -n "$cl_loss" ]; then
  ok=$(awk -v a="$cpu_loss" -v b="$cl_loss" 'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 1e-3 ? "true" : "false") }')
  parity_json="{\"cpu_loss\":$cpu_loss,\"opencl_loss\":$cl_loss,\"tolerance\":0.001,\"equal\":$ok}"
  say "=== parity: cpu loss $cpu_loss, opencl loss $cl_loss, equal within 1e-3: $ok"
  [ "$ok" = true ] || failed=$((failed + 1))
else
  say "=== parity: NOT CHECKED (cpu loss '${cpu_loss}', opencl loss '${cl_loss}')"
  failed=$((failed + 1))
fi
total=$(($(date +%s) - start))
{
  printf '{"date":%s,"uname":%s,"quick":%s,"device":%s,"threads":%s,"seconds":%s,' \
    "$(json_string "$(date -u +%FT%TZ)")" "$(json_string "$(uname -a)")" "$QUICK" "$DEVICE" "$THREADS" "$total"
  printf '"failed":%s,"gpu":%s,"opencl_library":%s,"parity":%s,"steps":[' \
    "$failed" "$(json_string "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo none)")" \
    "$(json_string "${SELFEE_OPENCL_LIBRARY:-system libOpenCL.so.1}")" "$parity_json"
  (IFS=,; printf '%s' "${entries[*]}")
  printf ']}\n'
} >"$summary"
say "=== done in ${total}s with $failed failed check(s); $log and $summary"
[ "$failed" -eq 0 ]
