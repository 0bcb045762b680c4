"""Reference fixtures for the engine's LoRA adapters, made with PEFT.

For two of the model fixtures written by tools/make_model_fixtures.py it attaches a PEFT LoRA
adapter with fixed, non-zero A and B (so every gradient is non-trivial), saves it with PEFT's
save_pretrained under engine/src/test/resources/lora/<name>/ (adapter_config.json,
adapter_model.safetensors) and records, in expected.safetensors beside it:

  logits             the adapted model's logits of INPUT_IDS (no padding), fp32
  <peft name>.grad   the gradient of every lora_A / lora_B weight for the mean next-token
                     cross-entropy of INPUT_IDS (torch's cross_entropy over positions 0..seq-2)

and in fixture.json the inputs, the loss and the versions used.

  qwen2-qv   base models/qwen2 (q/k/v bias, tied embeddings), r=4, alpha=8, q_proj,v_proj
  llama-all  base models/llama, r=2, alpha=5, all-linear (q, k, v, o, gate, up, down)

lora_dropout is 0 (the engine has no dropout; PEFT with dropout 0 computes the same function).

Needs torch, transformers, safetensors and peft. Run from the repository root:
    python tools/make_lora_fixtures.py                 # (re)write the fixtures
    python tools/make_lora_fixtures.py --check OUT BASE
The second form checks the output OUT of `selfee sft|dpo --lora-r N --model BASE`: the merged
model in OUT, loaded by transformers as a plain model, must compute what PEFT computes from BASE
with the adapter in OUT/adapter (max abs logit difference printed; exit 1 above 1e-4).
"""
import argparse
import json
import os
import sys

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

MODELS = os.path.join("engine", "src", "test", "resources", "models")
OUT = os.path.join("engine", "src", "test", "resources", "lora")
INPUT_IDS = [[5, 17, 33, 8, 91, 12, 64, 3, 40, 27],
             [44, 9, 71, 2, 15, 60, 88, 13, 52, 7]]
FIXTURES = {
    "qwen2-qv": dict(base="qwen2", r=4, alpha=8, targets=["q_proj", "v_proj"], seed=11),
    "llama-all": dict(base="llama", r=2, alpha=5, targets="all-linear", seed=12),
}


def build(name, spec):
    base = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, spec["base"]), dtype=torch.float32,
                                                attn_implementation="eager")
    model = get_peft_model(base, LoraConfig(r=spec["r"], lora_alpha=spec["alpha"], target_modules=spec["targets"],
                                            lora_dropout=0.0, bias="none", task_type="CAUSAL_LM"))
    g = torch.Generator().manual_seed(spec["seed"])
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_" in n:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    model.eval()
    ids = torch.tensor(INPUT_IDS)
    logits = model(input_ids=ids).logits
    vocab = logits.shape[-1]
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
    loss.backward()
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    model.save_pretrained(d)
    os.remove(os.path.join(d, "README.md"))  # PEFT's model card: nothing a test reads
    tensors = {"logits": logits.detach().contiguous()}
    for n, p in model.named_parameters():
        if "lora_" in n:
            # the name PEFT saves under: without the adapter name "default"
            tensors[n.replace(".default", "") + ".grad"] = p.grad.detach().contiguous()
    save_file(tensors, os.path.join(d, "expected.safetensors"))
    with open(os.path.join(d, "fixture.json"), "w") as f:
        json.dump(dict(base=spec["base"], input_ids=INPUT_IDS, loss=loss.item(), peft=peft.__version__,
                       transformers=transformers.__version__, torch=torch.__version__), f, indent=1)
    sizes = {f: os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)}
    print(name, "loss %.6f" % loss.item(), sizes)


def check(out, base_dir):
    from peft import PeftModel
    ids = torch.tensor(INPUT_IDS)
    load = lambda d: AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()
    merged, base = load(out), load(base_dir)
    with torch.no_grad():
        plain = base(input_ids=ids).logits
        adapted = PeftModel.from_pretrained(base, os.path.join(out, "adapter")).eval()(input_ids=ids).logits
        mine = merged(input_ids=ids).logits
    diff = float((mine - adapted).abs().max())
    print("merged model vs base + PEFT adapter: max |diff| %.3g (logit scale %.3g; the adapter moved them by %.3g)"
          % (diff, float(adapted.abs().max()), float((adapted - plain).abs().max())))
    sys.exit(0 if diff <= 1e-4 else 1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", nargs=2, metavar=("OUT", "BASE"))
    args = ap.parse_args()
    if args.check:
        check(*args.check)
    else:
        for name, spec in FIXTURES.items():
            build(name, spec)
