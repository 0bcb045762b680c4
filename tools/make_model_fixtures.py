"""Reference fixtures for the engine's Llama-family models, made with transformers.

Creates three small random-initialised checkpoints under
engine/src/test/resources/models/<name>/ (config.json, model.safetensors,
generation_config.json) and, beside them, fixture.json with what transformers computes:

  llama    LlamaForCausalLM, untied, f32, explicit head_dim, llama3 rope scaling
  mistral  MistralForCausalLM, bf16 weights, sliding_window 4 (shorter than the inputs)
  qwen2    Qwen2ForCausalLM, tied embeddings, q/k/v bias, f32

fixture.json holds: logits of a left-padded batch with its attention mask (position ids
cumsum(mask) - 1, as generate uses), summed log-probs of (prompt, completion) pairs computed
from a full forward over each unpadded sequence, and greedy generations of a left-padded batch
of prompts (new tokens up to, not including, EOS). References run in fp32 (bf16 weights widened).

Run from the repository root:
    python tools/make_model_fixtures.py            # (re)write the fixtures
    python tools/make_model_fixtures.py --check DIR
    python tools/make_model_fixtures.py --check DIR --data DATA.jsonl --selfee OUT.jsonl
The second form loads a checkpoint directory DIR written by selfee (e.g. `selfee convert` of a
fixture model) in transformers and checks that its logits on the fixture inputs of the same
architecture equal the fixture's (max abs difference printed; exit 1 above 1e-4). The third works
for any model (e.g. from `selfee init`): transformers scores DATA.jsonl ({"prompt_ids",
"completion_ids"} lines; EOS appended as `selfee logprobs` does) and compares with the "logp" of
OUT.jsonl written by `selfee logprobs --model DIR --data DATA.jsonl --out OUT.jsonl` (exit 1 above 1e-3).
"""
import argparse
import json
import os
import sys

import torch
import transformers
from transformers import (AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM)

OUT = os.path.join("engine", "src", "test", "resources", "models")
VOCAB = 96
COMMON = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, vocab_size=VOCAB, max_position_embeddings=128, rms_norm_eps=1e-5,
              initializer_range=0.1, bos_token_id=1, pad_token_id=0)

# left-padded batch (0 = padding), 10 positions
BATCH = [[5, 17, 33, 8, 91, 12, 64, 3, 40, 27],
         [0, 0, 0, 44, 9, 71, 2, 15, 60, 88],
         [0, 0, 0, 0, 0, 0, 0, 13, 52, 7]]
PAIRS = [([1, 10, 20, 30], [40, 50, 60]),
         ([1, 7], [8, 9, 10, 11, 12, 13, 14, 15]),
         ([1, 3, 5, 7, 9, 11, 13], [2]),
         ([4], [90, 80, 70, 60, 50])]
PROMPTS = [[1, 22, 33, 44, 55], [1, 9], [1, 70, 71, 72, 73, 74, 75, 76]]
MAX_NEW = 10


def make(name):
    if name == "llama":
        cfg = LlamaConfig(**COMMON, head_dim=16, tie_word_embeddings=False,
                          rope_parameters=dict(rope_type="llama3", rope_theta=10000.0, factor=8.0, low_freq_factor=1.0,
                                               high_freq_factor=4.0, original_max_position_embeddings=64))
        return LlamaForCausalLM(cfg), torch.float32
    if name == "mistral":
        cfg = MistralConfig(**COMMON, sliding_window=4, tie_word_embeddings=False, rope_theta=10000.0)
        return MistralForCausalLM(cfg), torch.bfloat16
    if name == "qwen2":
        cfg = Qwen2Config(**COMMON, tie_word_embeddings=True, rope_theta=1000000.0)
        return Qwen2ForCausalLM(cfg), torch.float32
    raise ValueError(name)


def reference(path):
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager").eval()


def batch_logits(model):
    ids = torch.tensor(BATCH)
    mask = (ids != 0).long()
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask, position_ids=pos).logits, mask


def greedy(model, eos):
    longest = max(len(p) for p in PROMPTS)
    ids = torch.tensor([[0] * (longest - len(p)) + p for p in PROMPTS])
    mask = (ids != 0).long()
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False, max_new_tokens=MAX_NEW,
                             eos_token_id=eos, pad_token_id=0, output_scores=True, return_dict_in_generate=True)
    rows, margin = [], float("inf")
    for b in range(len(PROMPTS)):
        new = out.sequences[b, longest:].tolist()
        row = []
        for step, t in enumerate(new):
            if t == eos:
                break
            s = out.scores[step][b].sort(descending=True).values
            margin = min(margin, float(s[0] - s[1]))
            row.append(t)
        rows.append(row)
    return rows, margin


def build(name):
    torch.manual_seed({"llama": 1, "mistral": 2, "qwen2": 3}[name])
    model, dtype = make(name)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    model.to(dtype).save_pretrained(d)
    ref = reference(d)
    # EOS: a token greedy decoding emits mid-way for the first prompt, so stopping is exercised
    free, _ = greedy(ref, eos=None)
    eos = free[0][MAX_NEW // 2]
    ref.generation_config.eos_token_id = eos
    ref.config.eos_token_id = eos
    ref.to(dtype).save_pretrained(d)  # rewrite with the chosen EOS in both configs
    ref = reference(d)
    logits, mask = batch_logits(ref)
    pairs = []
    for p, c in PAIRS:
        ids = torch.tensor([p + c])
        with torch.no_grad():
            lp = torch.log_softmax(ref(input_ids=ids).logits[0].double(), -1)
        s = sum(float(lp[len(p) - 1 + j, t]) for j, t in enumerate(c))
        pairs.append(dict(prompt=p, completion=c, logp=s))
    gen, margin = greedy(ref, eos)
    assert margin > 1e-3, f"{name}: greedy decisions too close to call ({margin})"
    fixture = dict(architecture=ref.config.architectures[0], transformers=transformers.__version__, torch=torch.__version__,
                   input_ids=BATCH, attention_mask=mask.tolist(),
                   logits=[[[round(float(x), 7) for x in row] for row in seq] for seq in logits],
                   pairs=pairs, prompts=PROMPTS, max_new_tokens=MAX_NEW, eos_token_id=eos, greedy=gen,
                   greedy_min_margin=margin)
    with open(os.path.join(d, "fixture.json"), "w") as f:
        json.dump(fixture, f)
    sizes = {f: os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)}
    print(name, "eos", eos, "greedy", gen, "margin %.4f" % margin, sizes)


def check_scores(path, data, selfee):
    model = reference(path)
    eos = model.generation_config.eos_token_id
    eos = eos[0] if isinstance(eos, list) else eos
    worst = 0.0
    with open(data) as d, open(selfee) as o:
        rows = [json.loads(l) for l in d if l.strip()]
        outs = [json.loads(l) for l in o if l.strip()]
    for r, out in zip(rows, outs):
        p, c = r["prompt_ids"], list(r["completion_ids"])
        if eos is not None and (not c or c[-1] != eos):
            c.append(eos)
        with torch.no_grad():
            lp = torch.log_softmax(model(input_ids=torch.tensor([p + c])).logits[0].double(), -1)
        worst = max(worst, abs(sum(float(lp[len(p) - 1 + j, t]) for j, t in enumerate(c)) - out["logp"]))
    print(f"{path}: {model.config.architectures[0]} loaded by transformers {transformers.__version__}; "
          f"{len(rows)} completions, max |logp - selfee| = {worst:.3e}")
    return len(rows) == len(outs) and worst <= 1e-3


def check(path):
    model = reference(path)
    name = {"llama": "llama", "mistral": "mistral", "qwen2": "qwen2"}[model.config.model_type]
    with open(os.path.join(OUT, name, "fixture.json")) as f:
        fixture = json.load(f)
    logits, mask = batch_logits(model)
    expected = torch.tensor(fixture["logits"])
    real = mask.bool()
    diff = (logits[real] - expected[real]).abs().max().item()
    print(f"{path}: {model.config.architectures[0]} loaded by transformers {transformers.__version__}; "
          f"max |logit - fixture| over real positions = {diff:.3e}")
    return diff <= 1e-4


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", metavar="DIR", help="load a selfee-written checkpoint and compare with the fixture")
    ap.add_argument("--data", help="with --check: JSONL of prompt_ids/completion_ids that selfee scored")
    ap.add_argument("--selfee", help="with --check: `selfee logprobs` output for --data")
    a = ap.parse_args()
    if a.check and a.data:
        sys.exit(0 if check_scores(a.check, a.data, a.selfee) else 1)
    if a.check:
        sys.exit(0 if check(a.check) else 1)
    for n in ("llama", "mistral", "qwen2"):
        build(n)
