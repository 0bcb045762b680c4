"""Writes a randomly initialised model of a config.json with transformers' save_pretrained, so that
selfee and the peers load the very same weights.

    python bench/make_random_checkpoint.py --config bench/configs/llama-25m.json --out DIR [--seed 0]

Does nothing when DIR already holds a checkpoint made from the same config and seed.
"""
import argparse
import json
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForCausalLM


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    stamp = {"config": json.loads(args.config.read_text()), "seed": args.seed}
    stamp_file = args.out / "made_from.json"
    if stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp and (args.out / "model.safetensors").exists():
        return
    torch.manual_seed(args.seed)
    cfg = AutoConfig.from_pretrained(args.config)
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
    model.save_pretrained(args.out)
    stamp_file.write_text(json.dumps(stamp))
    print(f"{args.out}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")


if __name__ == "__main__":
    main()
