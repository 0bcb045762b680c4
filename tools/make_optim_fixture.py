"""Writes engine/src/test/resources/optim/optim.json: what torch.optim and transformers' schedules do.

Run from the repository root with a Python that has torch and transformers:

    python tools/make_optim_fixture.py

Recorded, for parameters of a few shapes (sizes that are not multiples of any vector width) and seeded random gradients:
  - torch.optim.AdamW: 3 steps with given hyperparameters, 3 steps with torch's defaults, and
    3 steps under get_linear_schedule_with_warmup (the learning rate of each step included);
  - torch.optim.SGD: 3 steps with momentum + dampening + weight decay, and 3 with Nesterov;
  - torch.nn.utils.clip_grad_norm_: returned norm and clipped gradients, clipping and not;
  - transformers' constant / constant-with-warm-up / linear / cosine schedule factors by step.
All values are float32 numbers written as exact decimals.
"""
import json
import math
import pathlib

import numpy
import torch
import transformers
from transformers import (get_constant_schedule, get_constant_schedule_with_warmup,
                          get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup)

OUT = pathlib.Path(__file__).resolve().parent.parent / "engine/src/test/resources/optim/optim.json"
SHAPES = {"w": [3, 37], "b": [129], "v": [515]}
STEPS = 3


def values(t):
    # the shortest decimal that reads back as the same float32
    return [float(str(x)) for x in t.detach().reshape(-1).numpy().astype(numpy.float32)]


def params(seed):
    g = torch.Generator().manual_seed(seed)
    return {n: torch.randn(*s, generator=g) for n, s in SHAPES.items()}


def grads(seed, steps):
    g = torch.Generator().manual_seed(seed)
    return [{n: torch.randn(*s, generator=g) * (0.1 + k) for n, s in SHAPES.items()} for k in range(steps)]


def run(make_opt, seed, make_sched=None):
    init = params(seed)
    ps = {n: torch.nn.Parameter(v.clone()) for n, v in init.items()}
    opt = make_opt(list(ps.values()))
    sched = make_sched(opt) if make_sched else None
    gs = grads(seed + 1, STEPS)
    after, lrs = [], []
    for k in range(STEPS):
        for n, p in ps.items():
            p.grad = gs[k][n].clone()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched:
            sched.step()
        after.append({n: values(p) for n, p in ps.items()})
    return {"init": {n: values(v) for n, v in init.items()},
            "grads": [{n: values(v) for n, v in g.items()} for g in gs],
            "after": after, "lrs": lrs}


def clip_case(seed, max_norm):
    gs = grads(seed, 1)[0]
    ps = []
    for n, s in SHAPES.items():
        p = torch.nn.Parameter(torch.zeros(*s))
        p.grad = gs[n].clone()
        ps.append(p)
    norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    return {"max_norm": max_norm, "grads": {n: values(v) for n, v in gs.items()}, "norm": float(norm),
            "clipped": {n: values(p.grad) for n, p in zip(SHAPES, ps)}}


def schedule(make, steps):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def main():
    fixture = {
        "shapes": SHAPES,
        "adamw": dict(run(lambda ps: torch.optim.AdamW(ps, lr=1e-2, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1), 10),
                      lr=1e-2, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.1),
        "adamw_defaults": dict(run(lambda ps: torch.optim.AdamW(ps, lr=3e-3), 20), lr=3e-3),
        "adamw_linear_warmup": dict(run(lambda ps: torch.optim.AdamW(ps, lr=1e-2),
                                        30, lambda o: get_linear_schedule_with_warmup(o, 1, 4)),
                                    lr=1e-2, warmup=1, total=4),
        "sgd_momentum": dict(run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), 40),
                             lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False),
        "sgd_nesterov": dict(run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True), 50),
                             lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True),
        "clip": [clip_case(60, 1.0), clip_case(61, 1e6)],
        "schedules": {
            "steps": 14,
            "warmup": 3,
            "total": 10,
            "constant": schedule(get_constant_schedule, 14),
            "constant_with_warmup": schedule(lambda o: get_constant_schedule_with_warmup(o, 3), 14),
            "linear_with_warmup": schedule(lambda o: get_linear_schedule_with_warmup(o, 3, 10), 14),
            "cosine_with_warmup": schedule(lambda o: get_cosine_schedule_with_warmup(o, 3, 10), 14),
            "cosine_with_warmup_2_cycles": schedule(lambda o: get_cosine_schedule_with_warmup(o, 3, 10, num_cycles=2.0), 14),
        },
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
