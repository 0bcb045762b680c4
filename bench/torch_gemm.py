"""Peer measurement for `selfee bench gemm`: torch.matmul fp32 on the CPU at the same sizes.

Prints one JSON line per shape with the same keys as `selfee bench gemm`
(op, trans, m, n, k, threads, gflops, gflops_best, ms_median, runs), so the two can be run
back to back and compared as a ratio:

    python bench/torch_gemm.py --threads 2                   # 1024³, nn/nt/tn
    python bench/torch_gemm.py --threads 2 --m 1 --n 2048 --k 2048 --trans nt
    ./selfee bench gemm --threads 2 --trans nt --m 1 --n 2048 --k 2048

Timing mirrors the CLI: warm-up for a third of --seconds (at least 3 runs), then timed runs
for --seconds (at least 5); gflops is 2·m·n·k over the median time.
"""
import argparse
import json
import statistics
import time

import torch


def measure(op, seconds):
    warm_end = time.perf_counter() + seconds / 3
    warm = 0
    while warm < 3 or time.perf_counter() < warm_end:
        op()
        warm += 1
    times = []
    end = time.perf_counter() + seconds
    while len(times) < 5 or time.perf_counter() < end:
        t0 = time.perf_counter()
        op()
        times.append(time.perf_counter() - t0)
    return times


def bench(trans, m, n, k, seconds, threads):
    g = torch.Generator().manual_seed(1)
    # store A and B as the selfee command does: transposed operands are contiguous as stored
    ta, tb = trans[0] == "t", trans[1] == "t"
    a = torch.rand((k, m) if ta else (m, k), generator=g) * 2 - 1
    b = torch.rand((n, k) if tb else (k, n), generator=g) * 2 - 1
    at = a.t() if ta else a
    bt = b.t() if tb else b
    out = torch.empty(m, n)
    times = measure(lambda: torch.matmul(at, bt, out=out), seconds)
    med = statistics.median(times)
    flops = 2.0 * m * n * k
    return {"op": "gemm", "peer": "torch " + torch.__version__, "trans": trans, "m": m, "n": n, "k": k,
            "threads": threads, "gflops": round(flops / med / 1e9, 2),
            "gflops_best": round(flops / min(times) / 1e9, 2),
            "ms_median": round(med * 1e3, 2), "runs": len(times)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=1024, help="m = n = k (default 1024)")
    p.add_argument("--m", type=int)
    p.add_argument("--n", type=int)
    p.add_argument("--k", type=int)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--trans", default="nn,nt,tn", help="comma-separated: nn, nt (A·Bᵀ), tn (Aᵀ·B), tt")
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    m, n, k = (args.m or args.size), (args.n or args.size), (args.k or args.size)
    with torch.no_grad():
        for trans in args.trans.split(","):
            if trans not in ("nn", "nt", "tn", "tt"):
                p.error(f"--trans must be nn, nt, tn or tt, got '{trans}'")
            print(json.dumps(bench(trans, m, n, k, args.seconds, args.threads)), flush=True)


if __name__ == "__main__":
    main()
