"""transformers' peer for `selfee bench train-step`: tokens/s of one language-model training step
(forward with labels, backward, AdamW step) on a random fp32 model of a config.json, torch eager.

Run from the repository root, back to back with the selfee command on the same machine:
    python tools/bench_train_step_torch.py --config bench/configs/llama-25m.json --batch-size 4 --seq-len 128 --threads 2
    ./selfee bench train-step --config bench/configs/llama-25m.json --batch-size 4 --seq-len 128 --threads 2
Prints one JSON line like selfee's.
"""
import argparse
import json
import statistics
import time

import torch
from transformers import AutoConfig, AutoModelForCausalLM

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--config", required=True)
ap.add_argument("--batch-size", type=int, default=4)
ap.add_argument("--seq-len", type=int, default=128)
ap.add_argument("--steps", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--gradient-checkpointing", action="store_true")
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
cfg = AutoConfig.from_pretrained(a.config)
model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32, attn_implementation="sdpa").train()
if a.gradient_checkpointing:
    model.gradient_checkpointing_enable()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
ids = torch.randint(0, cfg.vocab_size, (a.batch_size, a.seq_len))
times = []
for i in range(-2, a.steps):
    t0 = time.perf_counter()
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    opt.step()
    opt.zero_grad()
    if i >= 0:
        times.append(time.perf_counter() - t0)
med = statistics.median(times)
print(json.dumps({"op": "train_step", "peer": "transformers", "params": sum(p.numel() for p in model.parameters()),
                  "batch_size": a.batch_size, "seq_len": a.seq_len, "threads": a.threads,
                  "tokens_per_s": round(a.batch_size * a.seq_len / med, 3), "s_median": round(med, 4), "loss": round(loss.item(), 4)}))
