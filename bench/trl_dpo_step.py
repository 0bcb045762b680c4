"""TRL's peer of `selfee bench dpo-step`: DPO training steps (sigmoid loss, beta 0.1, AdamW) with TRL's
DPOTrainer on a model directory, fp32 on the CPU, reference log-probs precomputed before training.

    python bench/trl_dpo_step.py --model DIR --data PAIRS.jsonl [--batch-size 4] [--warmup 2] [--steps 5] [--threads 2]

PAIRS.jsonl holds {prompt_ids, chosen_ids, rejected_ids}; the first batch-size x (warmup + steps) pairs
are used, with EOS appended to each completion as TRL does for text. The ids go to the trainer as
they are (its text tokenization is skipped); a three-token tokenizer only names pad and EOS.
Gradient checkpointing and bf16 (on by default in TRL) are turned off, so both sides do the same fp32
work. Each optimizer step is timed from on_step_begin to on_step_end; steps after the warm-up count.
Prints one JSON line with steps/s and the process's peak resident memory (VmHWM).
"""
import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from tokenizers.models import WordLevel  # noqa: E402
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast, TrainerCallback  # noqa: E402
from trl import DPOConfig, DPOTrainer  # noqa: E402


class PretokenizedDPOTrainer(DPOTrainer):
    """Takes prompt_ids / chosen_ids / rejected_ids as given: the columns TRL's own tokenization produces."""

    def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
        return dataset


class StepTimer(TrainerCallback):
    def __init__(self):
        self.times, self.t0 = [], 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self.t0 = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.times.append(time.perf_counter() - self.t0)


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    eos = model.config.eos_token_id if isinstance(model.config.eos_token_id, int) else model.config.eos_token_id[0]
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2}
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="<pad>")),
                                  pad_token="<pad>", bos_token="<s>", eos_token="</s>")
    assert tok.eos_token_id == eos, "the model's EOS must be id 2"
    n = a.batch_size * (a.warmup + a.steps)
    rows = []
    with open(a.data, encoding="utf-8") as f:
        for line in f:
            if line.strip() and len(rows) < n:
                o = json.loads(line)
                rows.append({"prompt_ids": o["prompt_ids"], "chosen_ids": o["chosen_ids"] + [eos], "rejected_ids": o["rejected_ids"] + [eos]})
    if len(rows) < n:
        raise SystemExit(f"{a.data}: {len(rows)} pairs, but {n} are needed")
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as out:
        cfg = DPOConfig(output_dir=out, per_device_train_batch_size=a.batch_size, max_steps=a.warmup + a.steps,
                        precompute_ref_log_probs=True, gradient_checkpointing=False, bf16=False, use_cpu=True,
                        report_to="none", save_strategy="no", logging_steps=a.warmup + a.steps, disable_tqdm=True,
                        dataloader_num_workers=0, max_length=None, seed=42)
        trainer = PretokenizedDPOTrainer(model=model, args=cfg, train_dataset=Dataset.from_list(rows), processing_class=tok,
                                         callbacks=[timer])
        result = trainer.train()
    times = timer.times[a.warmup:]
    med = statistics.median(times)
    print(json.dumps({"op": "dpo_step", "peer": "trl DPOTrainer", "params": sum(p.numel() for p in model.parameters()),
                      "batch_size": a.batch_size, "threads": a.threads, "steps_per_s": round(1 / med, 4),
                      "pairs_per_s": round(a.batch_size / med, 3), "s_median": round(med, 4), "steps": len(times),
                      "train_loss": round(result.training_loss, 4), "peak_rss_mb": round(peak_rss_mb(), 1)}))


if __name__ == "__main__":
    main()
