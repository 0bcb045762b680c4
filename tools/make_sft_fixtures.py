"""Reference fixture for selfee's SFT trainer: TRL's SFTTrainer on completion-only data.

Runs TRL 1.13's SFTTrainer on the policy model of tools/make_dpo_fixtures.py (the same tiny
random LlamaForCausalLM, recreated from its seed) with six already-tokenised examples
(input_ids = prompt + completion, completion_mask marking the completion, completion_only_loss),
for 3 optimizer steps of AdamW with weight decay 0.1, a linear schedule with warm-up
(warmup_steps 0.34: a ratio, 2 of 3 steps), gradient clipping at 0.5, and 2 accumulated
micro-batches of 3 examples: all six every step, so the trainer's shuffling does not matter,
while the examples' different completion lengths make transformers' token-count normalisation
across accumulated micro-batches (num_items_in_batch) matter. fp32 on the CPU.

Writes spa/src/test/resources/train/sft/fixture.json (the examples, the arguments, the per-step
loss, grad_norm and learning_rate) and after_trainer.safetensors (the trained parameters).

Run from the repository root with the tools' Python environment (torch, transformers, trl):
    python tools/make_sft_fixtures.py
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from datasets import Dataset
from safetensors.torch import save_file
from tokenizers import Tokenizer, models
from transformers import PreTrainedTokenizerFast
from trl import SFTConfig, SFTTrainer

from make_dpo_fixtures import PAIRS, make_model

OUT = os.path.join("spa", "src", "test", "resources", "train", "sft")
EXAMPLES = [(p, c) for p, c, _ in PAIRS]
ARGS = dict(per_device_train_batch_size=3, gradient_accumulation_steps=2, max_steps=3, learning_rate=1e-2,
            lr_scheduler_type="linear", warmup_steps=0.34, max_grad_norm=0.5, weight_decay=0.1, seed=3)


def main():
    model = make_model(1)
    words = {"t%d" % i: i for i in range(64)}  # a stand-in tokenizer: the data are ids already
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel(words, unk_token="t3")), pad_token="t0",
                                  bos_token="t1", eos_token="t2")
    data = Dataset.from_list([{"input_ids": p + c, "completion_mask": [0] * len(p) + [1] * len(c)} for p, c in EXAMPLES])
    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(output_dir=out, completion_only_loss=True, max_length=None, logging_steps=1, report_to=[],
                         save_strategy="no", use_cpu=True, bf16=False, fp16=False, **ARGS)  # fp32 throughout (no autocast)
        trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tok)
        trainer.train()
    steps = [{k: h[k] for k in ("loss", "grad_norm", "learning_rate")} for h in trainer.state.log_history if "loss" in h]
    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in model.named_parameters()}, os.path.join(OUT, "after_trainer.safetensors"))
    fixture = {"examples": [{"prompt_ids": p, "completion_ids": c} for p, c in EXAMPLES], "args": ARGS, "steps": steps}
    with open(os.path.join(OUT, "fixture.json"), "w") as f:
        json.dump(fixture, f, indent=1)
    for s in steps:
        print(s)


if __name__ == "__main__":
    main()
