"""The torch peer of `selfee bench adamw`: one torch.optim.AdamW step over one fp32 parameter.

Run from the repository root, back to back with the Java benchmark on the same machine:

    python tools/bench_adamw_torch.py --params 16777216 --threads 2
    ./selfee bench adamw --params 16777216 --threads 2

Prints one JSON line per torch implementation (the default per-tensor loop, foreach, fused).
"""
import argparse
import json
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", type=int, default=16 << 20)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for impl in ["default", "foreach", "fused"]:
        p = torch.nn.Parameter(torch.rand(args.params) * 2 - 1)
        p.grad = (torch.rand(args.params) * 2 - 1) * 1e-2
        kw = {"default": dict(foreach=False), "foreach": dict(foreach=True), "fused": dict(fused=True)}[impl]
        opt = torch.optim.AdamW([p], lr=1e-3, **kw)
        for _ in range(3):
            opt.step()
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            opt.step()
            times.append(time.perf_counter() - t0)
        print(json.dumps({"op": "torch.optim.AdamW", "impl": impl, "params": args.params, "threads": args.threads,
                          "ms_median": round(statistics.median(times) * 1e3, 2), "ms_best": round(min(times) * 1e3, 2)}))


if __name__ == "__main__":
    main()
