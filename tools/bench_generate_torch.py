"""transformers' peer for `selfee bench generate`: tokens/s of greedy generation with a KV cache
(random prompts, no stop tokens) for a model directory, fp32, torch eager.

Run from the repository root, back to back with the selfee command on the same machine:
    python tools/bench_generate_torch.py --model DIR --batch-size 8 --prompt-len 32 --max-new-tokens 64 --threads 2
    ./selfee bench generate --model DIR --batch-size 8 --prompt-len 32 --max-new-tokens 64 --threads 2
"""
import argparse
import json
import statistics
import time

import torch
from transformers import AutoModelForCausalLM

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--model", required=True)
ap.add_argument("--batch-size", type=int, default=8)
ap.add_argument("--prompt-len", type=int, default=32)
ap.add_argument("--max-new-tokens", type=int, default=64)
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
g = torch.Generator().manual_seed(1)
ids = torch.randint(0, model.config.vocab_size, (a.batch_size, a.prompt_len), generator=g)
kw = dict(do_sample=False, max_new_tokens=a.max_new_tokens, min_new_tokens=a.max_new_tokens, eos_token_id=None, pad_token_id=0)
with torch.no_grad():
    model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), **kw)
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), **kw)
        times.append(time.perf_counter() - t0)
med = statistics.median(times)
print(json.dumps({"op": "generate", "peer": "transformers", "params": sum(p.numel() for p in model.parameters()),
                  "batch_size": a.batch_size, "prompt_len": a.prompt_len, "max_new_tokens": a.max_new_tokens, "threads": a.threads,
                  "tokens_per_s": round(a.batch_size * a.max_new_tokens / med, 3), "s_median": round(med, 4)}))
