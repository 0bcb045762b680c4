"""Writes the checkpoint and config fixtures under engine/src/test/resources/checkpoints/.

Run from the repository root with a Python that has torch, transformers and safetensors:

    python tools/make_checkpoint_fixtures.py            # regenerate the fixtures

It writes, with the reference libraries:
  - f32.safetensors, bf16.safetensors, f16.safetensors: the same small tensors stored in three
    dtypes (safetensors.torch.save_file), and tensors.json: each tensor's dtype, shape and its
    values widened to float32 by torch (what the Java reader must return);
  - llama/, mistral/, qwen2/: config.json + generation_config.json of tiny random models saved by
    transformers (hidden 32, 2 layers, 4 heads, 2 KV heads, vocab 64); llama/ also holds the model
    in bfloat16 split into 2 shards with model.safetensors.index.json, and tensors.json summing up
    every tensor (shape, dtype, sum, sum of squares, first values);
  - legacy-llama3/ and legacy-qwen2.5/: configs in the older spelling of real hub checkpoints
    (rope_theta + rope_scaling, torch_dtype, an eos_token_id list), and configs.json: how
    transformers reads every config here (head_dim, rope theta and type, window, ...) plus the
    rotary inverse frequencies transformers computes for the llama3-scaled one.

After the Java tests have run (`./test -pl engine`), the files the Java writers produced can be
checked against the reference libraries:

    python tools/make_checkpoint_fixtures.py --verify engine/target/checkpoint-roundtrip

which loads the Java-written safetensors with safetensors.torch, and the Java-written tiny Llama
(config.json, generation_config.json, model.safetensors; and again as 2 shards + index) with
transformers, and compares them to the fixtures.
"""
import argparse
import json
import math
import pathlib
import shutil
import sys

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import (AutoConfig, AutoModelForCausalLM, GenerationConfig, LlamaConfig, MistralConfig,
                          Qwen2Config)

ROOT = pathlib.Path(__file__).resolve().parent.parent / "engine/src/test/resources/checkpoints"
TINY = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            vocab_size=64, max_position_embeddings=128)


def floats(t):
    return [float(x) for x in t.detach().to(torch.float32).reshape(-1).tolist()]


def small_tensors():
    g = torch.Generator().manual_seed(1)
    return {
        "a": torch.tensor([[0.0, -0.0, 1.0], [-2.5, 3.140625, 65504.0]]),
        "b.weight": torch.randn(4, 5, generator=g),
        "layers.0.bias": torch.tensor([1e-3, -1e-4, 6.1e-5, 1e4, -3e4, 0.1, 0.2]),
        "scalar": torch.tensor(0.5),
        "empty": torch.zeros(0, 3),
    }


def write_small():
    expected = {}
    for name, dtype in [("f32", torch.float32), ("bf16", torch.bfloat16), ("f16", torch.float16)]:
        ts = {k: v.to(dtype).contiguous() for k, v in small_tensors().items()}
        save_file(ts, str(ROOT / f"{name}.safetensors"), metadata={"format": "pt"})
        back = load_file(str(ROOT / f"{name}.safetensors"))
        expected[f"{name}.safetensors"] = {k: {"dtype": str(v.dtype).removeprefix("torch."), "shape": list(v.shape),
                                               "values": floats(v)} for k, v in back.items()}
    (ROOT / "tensors.json").write_text(json.dumps(expected, indent=1) + "\n")


def summary(ts):
    return {k: {"dtype": str(v.dtype).removeprefix("torch."), "shape": list(v.shape),
                "sum": float(v.double().sum()), "sum_sq": float((v.double() ** 2).sum()), "first": floats(v.reshape(-1)[:4])}
            for k, v in sorted(ts.items())}


def tiny_model(config_class, out, keep_weights, **extra):
    torch.manual_seed(0)
    config = config_class(**TINY, **extra)
    model = AutoModelForCausalLM.from_config(config).to(torch.bfloat16)
    model.generation_config = GenerationConfig(bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id,
                                               pad_token_id=config.pad_token_id)
    shutil.rmtree(out, ignore_errors=True)
    model.save_pretrained(out, max_shard_size="30KB")
    if keep_weights:
        shards = sorted(out.glob("*.safetensors"))
        assert len(shards) == 2 and (out / "model.safetensors.index.json").exists(), shards
        ts = {}
        for s in shards:
            ts.update(load_file(str(s)))
        (out / "tensors.json").write_text(json.dumps(summary(ts), indent=1) + "\n")
    else:
        for f in out.glob("*.safetensors*"):
            f.unlink()


LEGACY = {
    "legacy-llama3": {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
        "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192, "max_position_embeddings": 131072,
        "mlp_bias": False, "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
        "pretraining_tp": 1, "rms_norm_eps": 1e-05,
        "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "rope_theta": 500000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "use_cache": True,
        "vocab_size": 128256},
    "legacy-qwen2.5": {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_dropout": 0.0, "bos_token_id": 151643,
        "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
        "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21, "num_attention_heads": 14,
        "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "sliding_window": 131072, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "use_cache": True,
        "use_sliding_window": False, "vocab_size": 151936},
}


def as_read(d):
    """What transformers makes of the config.json in d."""
    c = AutoConfig.from_pretrained(d)
    rp = c.rope_parameters
    eos = c.eos_token_id
    return {
        "architecture": c.architectures[0], "model_type": c.model_type,
        "hidden_size": c.hidden_size, "intermediate_size": c.intermediate_size,
        "num_hidden_layers": c.num_hidden_layers, "num_attention_heads": c.num_attention_heads,
        "num_key_value_heads": c.num_key_value_heads,
        "head_dim": getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads,
        "vocab_size": c.vocab_size, "rms_norm_eps": c.rms_norm_eps, "rope_theta": rp["rope_theta"],
        "rope_type": rp.get("rope_type", "default"),
        "rope_factor": rp.get("factor"), "rope_low_freq_factor": rp.get("low_freq_factor"),
        "rope_high_freq_factor": rp.get("high_freq_factor"),
        "rope_original_max_position_embeddings": rp.get("original_max_position_embeddings"),
        "max_position_embeddings": c.max_position_embeddings, "tie_word_embeddings": c.tie_word_embeddings,
        "attention_bias": getattr(c, "attention_bias", c.model_type == "qwen2"),
        "sliding_window": getattr(c, "sliding_window", None),
        "use_sliding_window": getattr(c, "use_sliding_window", c.model_type == "mistral" and c.sliding_window is not None),
        "bos_token_id": c.bos_token_id, "eos_token_ids": [] if eos is None else (eos if isinstance(eos, list) else [eos]),
        "pad_token_id": c.pad_token_id, "dtype": str(c.dtype).removeprefix("torch.") if c.dtype is not None else None,
        "layer_windows": layer_windows(c),
    }


def layer_windows(c):
    """Each layer's attention window as the modeling code applies it (None: the whole context)."""
    types = getattr(c, "layer_types", None)
    window = getattr(c, "sliding_window", None)
    if types is None:
        return [window] * c.num_hidden_layers
    return [window if t == "sliding_attention" else None for t in types]


def llama3_inv_freq(d):
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
    inv_freq, _ = ROPE_INIT_FUNCTIONS["llama3"](AutoConfig.from_pretrained(d), "cpu")
    return floats(inv_freq)


def generate():
    ROOT.mkdir(parents=True, exist_ok=True)
    write_small()
    tiny_model(LlamaConfig, ROOT / "llama", True, tie_word_embeddings=False)
    tiny_model(MistralConfig, ROOT / "mistral", False, sliding_window=16)
    tiny_model(Qwen2Config, ROOT / "qwen2", False, tie_word_embeddings=True, bos_token_id=60, eos_token_id=[61, 62],
               use_sliding_window=True, sliding_window=8, max_window_layers=1)
    for name, cfg in LEGACY.items():
        (ROOT / name).mkdir(exist_ok=True)
        (ROOT / name / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    configs = {d: as_read(ROOT / d) for d in ["llama", "mistral", "qwen2", *LEGACY]}
    configs["legacy-llama3"]["inv_freq"] = llama3_inv_freq(ROOT / "legacy-llama3")
    configs["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__}
    (ROOT / "configs.json").write_text(json.dumps(configs, indent=1) + "\n")
    for f in sorted(ROOT.rglob("*")):
        if f.is_file():
            print(f"{f.relative_to(ROOT)}: {f.stat().st_size} bytes")


def verify(out):
    out = pathlib.Path(out)
    expected = json.loads((ROOT / "tensors.json").read_text())
    failures = []
    for java_file, source in [("f32-roundtrip.safetensors", "f32.safetensors"), ("bf16-roundtrip.safetensors", "bf16.safetensors")]:
        got = load_file(str(out / java_file))
        want = expected[source]
        if sorted(got) != sorted(want):
            failures.append(f"{java_file}: names {sorted(got)} != {sorted(want)}")
        for k, w in want.items():
            g = got[k]
            if str(g.dtype).removeprefix("torch.") != w["dtype"] or list(g.shape) != w["shape"] or floats(g) != w["values"]:
                failures.append(f"{java_file}: tensor {k} differs")
    # the Java-written tiny Llama: config, generation config and weights load in transformers
    model = AutoModelForCausalLM.from_pretrained(out / "llama", dtype=torch.bfloat16)
    original = AutoModelForCausalLM.from_pretrained(ROOT / "llama", dtype=torch.bfloat16)
    if sorted(model.state_dict()) != sorted(original.state_dict()):
        failures.append("llama: weight names differ")
    for (k, a), (_, b) in zip(sorted(model.state_dict().items()), sorted(original.state_dict().items())):
        if not torch.equal(a, b):
            failures.append(f"llama: weight {k} differs")
    sharded = AutoModelForCausalLM.from_pretrained(out / "llama-sharded", dtype=torch.bfloat16)
    if sorted(sharded.state_dict()) != sorted(original.state_dict()) or not all(
            torch.equal(sharded.state_dict()[k], v) for k, v in original.state_dict().items()):
        failures.append("llama-sharded: weights differ")
    if as_read(out / "llama") != as_read(ROOT / "llama"):
        failures.append(f"llama: config reads differently: {as_read(out / 'llama')} vs {as_read(ROOT / 'llama')}")
    gen = GenerationConfig.from_pretrained(out / "llama")
    if (gen.bos_token_id, gen.eos_token_id) != (original.generation_config.bos_token_id, original.generation_config.eos_token_id):
        failures.append("llama: generation_config differs")
    for d in ["mistral", "qwen2", *LEGACY]:
        a, b = as_read(out / d), as_read(ROOT / d)
        if a != b:
            failures.append(f"{d}: config reads differently: {a} vs {b}")
        AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(out / d)) if d in ("mistral", "qwen2") else None
    print("\n".join(failures) if failures else f"verified: everything the Java writers produced in {out} loads and matches")
    return 1 if failures else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verify", metavar="DIR", help="check the files the Java round-trip test wrote into DIR")
    args = ap.parse_args()
    sys.exit(verify(args.verify) if args.verify else generate())
