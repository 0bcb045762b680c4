"""The peer of `selfee bench score`: log p(completion | prompt) summed over each completion's tokens with
transformers' model in torch eager (fp32, no grad), for every line of a JSONL file of token ids.

    python bench/torch_score.py --model DIR --data FILE.jsonl [--batch-size 8] [--runs 3] [--threads 2]

Lines are {prompt_ids, completion_ids} or {prompt_ids, chosen_ids, rejected_ids} (both scored); ids are
taken as given. As selfee's Scorer does, sequences are sorted by length and scored in right-padded batches;
log-probs are gathered as TRL does (logit of the target minus logsumexp). Times whole passes after a
warm-up batch and prints one JSON line with the keys of `selfee bench score` (logp_sum should agree).
"""
import argparse
import json
import statistics
import time

import torch
from transformers import AutoModelForCausalLM


def read(path):
    prompts, completions = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            for k in ("chosen_ids", "rejected_ids") if "chosen_ids" in o else ("completion_ids",):
                prompts.append(o["prompt_ids"])
                completions.append(o[k])
    return prompts, completions


@torch.no_grad()
def score(model, prompts, completions, batch_size):
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]) + len(completions[i]))
    out = [0.0] * len(prompts)
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        seqs = [prompts[i] + completions[i] for i in idx]
        t = max(len(x) for x in seqs)
        ids = torch.zeros(len(idx), t, dtype=torch.long)
        mask = torch.zeros(len(idx), t, dtype=torch.long)
        target = torch.zeros(len(idx), t, dtype=torch.bool)  # positions whose token is a completion token
        for r, i in enumerate(idx):
            n, p = len(seqs[r]), len(prompts[i])
            ids[r, :n] = torch.tensor(seqs[r])
            mask[r, :n] = 1
            target[r, p:n] = True
        logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
        labels = ids[:, 1:]
        logp = logits.gather(-1, labels.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
        sums = (logp * target[:, 1:]).sum(-1)
        for r, i in enumerate(idx):
            out[i] = sums[r].item()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    prompts, completions = read(a.data)
    warm = min(len(prompts), a.batch_size)
    score(model, prompts[:warm], completions[:warm], a.batch_size)
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        logp = score(model, prompts, completions, a.batch_size)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    tokens = sum(len(p) + len(c) for p, c in zip(prompts, completions))
    print(json.dumps({"op": "score", "peer": "transformers " + torch.__version__, "params": sum(p.numel() for p in model.parameters()),
                      "sequences": len(logp), "tokens": tokens, "batch_size": a.batch_size, "threads": a.threads,
                      "sequences_per_s": round(len(logp) / med, 2), "tokens_per_s": round(tokens / med, 2),
                      "s_median": round(med, 2), "logp_sum": round(sum(logp), 2), "runs": a.runs}))


if __name__ == "__main__":
    main()
