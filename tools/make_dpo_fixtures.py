"""Reference fixtures for selfee's DPO trainer: TRL's DPO losses and a reference SPA loss.

Creates two small random LlamaForCausalLM checkpoints (a policy and a different reference) under
spa/src/test/resources/train/dpo/{policy,reference}/ and records, for six fixed token-id pairs
trained as one batch with the reference log-probs precomputed (TRL's precompute_ref_log_probs):

  sigmoid, ipo   TRL 1.13's own DPOTrainer._compute_loss (called unbound on the batch TRL's
                 DataCollatorForPreference builds; reference log-probs from its
                 compute_ref_log_probs): the loss and TRL's logged metrics (rewards/chosen,
                 rewards/rejected, rewards/accuracies, rewards/margins, logps/chosen, logps/rejected)
  cdpo           TRL 1.13 has no label-smoothed sigmoid loss, so conservative DPO (epsilon 0.1) is
                 computed here in torch on the same log-probs
  spa, spa_dnd   a reference implementation of SPA's loss in torch: DND margins from the
                 extrapolated logits (1 + lambda) h_policy - lambda h_ref (lambda 0.5 for spa_dnd,
                 0 for spa), the sliding-window quantile threshold (released code's mid-point form
                 for spa_dnd, the paper's plain quantile for spa), confidence flags, alpha 0.1
                 (no warm-up), and the per-pair label-smoothed loss

and, for each, the policy's parameters after one plain SGD step (lr 0.1, no weight decay, no
clipping) on that loss, as after_<case>.safetensors.

It then runs TRL's DPOTrainer itself (sigmoid, precompute_ref_log_probs, no tokenisation: the
dataset is already token ids) for 3 optimizer steps of AdamW with weight decay 0.1, a cosine
schedule with warm-up (warmup_steps 0.34: a ratio, 2 of 3 steps), gradient clipping at 0.5 and
2 accumulated micro-batches of 3 pairs, i.e. all six pairs every step, so the order in which
the trainer shuffles them does not matter. Its per-step log (loss, grad_norm, learning_rate,
rewards/*, logps/*) goes to fixture.json under "trainer", the final parameters to
after_trainer.safetensors.

fixture.json holds the pairs, the reference log-probs, and every case's numbers. Everything
runs in fp32 on the CPU.

Run from the repository root with the tools' Python environment (torch, transformers, trl):
    python tools/make_dpo_fixtures.py
"""
import collections
import json
import os
import types

import tempfile

import torch
import torch.nn.functional as F
from datasets import Dataset
from safetensors.torch import save_file
from tokenizers import Tokenizer, models
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from trl import DPOConfig
from trl.trainer.dpo_trainer import DataCollatorForPreference, DPOTrainer
from trl.trainer.utils import selective_log_softmax

OUT = os.path.join("spa", "src", "test", "resources", "train", "dpo")
BETA = 0.1
LR = 0.1
PAIRS = [  # (prompt, chosen, rejected); completions end with EOS 2
    ([1, 10, 11, 12], [20, 21, 2], [30, 31, 32, 33, 2]),
    ([1, 5], [6, 7, 8, 9, 10, 11, 2], [12, 2]),
    ([1, 40, 41, 42, 43, 44, 45], [50, 2], [51, 52, 2]),
    ([1, 3], [60, 61, 62, 2], [60, 61, 63, 2]),
    ([1, 7, 7, 7], [8, 2], [9, 2]),
    ([1, 14, 15, 16, 17], [18, 19, 20, 21, 22, 2], [23, 24, 25, 26, 2]),
]


def make_model(seed):
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, initializer_range=0.2,
                      tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0, attn_implementation="eager")
    return LlamaForCausalLM(cfg).float()


def fake_trainer(model, loss_type):
    """The attributes DPOTrainer._compute_loss and compute_ref_log_probs read, for one process on the CPU."""
    acc = types.SimpleNamespace(device=torch.device("cpu"), gather=lambda x: x, gather_for_metrics=lambda x: x)
    return types.SimpleNamespace(model=model, ref_model=None, accelerator=acc, precompute_ref_logps=True, ld_alpha=None,
                                 loss_types=[loss_type], loss_weights=[1.0], beta=BETA, f_divergence_type="reverse_kl",
                                 use_weighting=False, aux_loss_enabled=False, label_smoothing=0.0,
                                 _metrics={"train": collections.defaultdict(list), "eval": collections.defaultdict(list)},
                                 _total_train_tokens=0, _tp_size=1,
                                 args=types.SimpleNamespace(gradient_checkpointing_kwargs=None))


def batch(ref_c=None, ref_r=None):
    examples = []
    for i, (p, c, r) in enumerate(PAIRS):
        e = {"prompt_ids": p, "chosen_ids": c, "rejected_ids": r}
        if ref_c is not None:
            e["ref_chosen_logps"], e["ref_rejected_logps"] = float(ref_c[i]), float(ref_r[i])
        examples.append(e)
    return DataCollatorForPreference(pad_token_id=0)(examples)


def seq_logps(logits, inputs):
    """Summed completion log-probs of each row, as TRL computes them."""
    labels = inputs["input_ids"][..., 1:]
    mask = inputs["completion_mask"][..., 1:]
    per_token = selective_log_softmax(logits[..., :-1, :], labels)
    per_token[mask == 0] = 0.0
    return per_token.sum(dim=1)


def threshold(margins, quantile, form):
    s = sorted(margins.tolist())
    n = len(s)
    i = min(int(n * quantile), n - 1)
    return s[i] if form == "paper" else (s[i] + s[min(i + 1, n - 1)]) / 2


def sgd_step(policy, loss):
    policy.zero_grad()
    loss.backward()
    with torch.no_grad():
        return {k: (p - LR * p.grad).contiguous() for k, p in policy.named_parameters()}


def metrics(logps, ref_c, ref_r, loss):
    c, r = logps.chunk(2)
    rc, rr = BETA * (c - ref_c), BETA * (r - ref_r)
    return {"loss": loss.item(), "rewards/chosen": rc.mean().item(), "rewards/rejected": rr.mean().item(),
            "rewards/accuracies": (rc > rr).float().mean().item(), "rewards/margins": (rc - rr).mean().item(),
            "logps/chosen": c.mean().item(), "logps/rejected": r.mean().item()}


class IdsDPOTrainer(DPOTrainer):
    """DPOTrainer on a dataset that is already token ids (prompt_ids, chosen_ids, rejected_ids)."""

    def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
        return dataset


TRAINER = dict(per_device_train_batch_size=3, gradient_accumulation_steps=2, max_steps=3, learning_rate=1e-2,
               lr_scheduler_type="cosine", warmup_steps=0.34, max_grad_norm=0.5, weight_decay=0.1, seed=3)
LOGGED = ("loss", "grad_norm", "learning_rate", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
          "logps/chosen", "logps/rejected")


def run_trainer():
    """TRL's DPOTrainer for 3 steps on all pairs; returns its per-step log and the trained policy."""
    policy, reference = make_model(1), make_model(2)
    words = {"t%d" % i: i for i in range(64)}  # a stand-in tokenizer: the data are ids already
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel(words, unk_token="t3")), pad_token="t0",
                                  bos_token="t1", eos_token="t2")
    data = Dataset.from_list([{"prompt_ids": p, "chosen_ids": c, "rejected_ids": r} for p, c, r in PAIRS])
    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(output_dir=out, beta=BETA, loss_type=["sigmoid"], precompute_ref_log_probs=True, max_length=None,
                         logging_steps=1, report_to=[], save_strategy="no", use_cpu=True, bf16=False, fp16=False,
                         **TRAINER)  # fp32 throughout (no autocast)
        trainer = IdsDPOTrainer(model=policy, ref_model=reference, args=args, train_dataset=data, processing_class=tok)
        trainer.train()
    steps = [{k: h[k] for k in LOGGED} for h in trainer.state.log_history if "loss" in h]
    return steps, policy


def main():
    policy, reference = make_model(1), make_model(2)
    for name, m in (("policy", policy), ("reference", reference)):
        m.save_pretrained(os.path.join(OUT, name))
    reference.eval()
    inputs = batch()
    ref_c, ref_r = DPOTrainer.compute_ref_log_probs(fake_trainer(reference, "sigmoid"), reference, inputs)
    inputs = batch(ref_c, ref_r)
    cases = {}

    for loss_type in ("sigmoid", "ipo"):
        policy.train()
        t = fake_trainer(policy, loss_type)
        loss = DPOTrainer._compute_loss(t, policy, inputs, False)
        m = {k: v[0] for k, v in t._metrics["train"].items() if k.startswith(("rewards/", "logps/"))}
        m["loss"] = loss.item()
        save_file(sgd_step(policy, loss), os.path.join(OUT, "after_" + loss_type + ".safetensors"))
        cases[loss_type] = {"metrics": m}

    model_kwargs = {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"], "use_cache": False}
    eps = 0.1
    logps = seq_logps(policy(**model_kwargs).logits, inputs)
    c, r = logps.chunk(2)
    z = (c - r) - (ref_c - ref_r)
    loss = (-(1 - eps) * F.logsigmoid(BETA * z) - eps * F.logsigmoid(-BETA * z)).mean()
    cases["cdpo"] = {"label_smoothing": eps, "metrics": metrics(logps, ref_c, ref_r, loss)}
    save_file(sgd_step(policy, loss), os.path.join(OUT, "after_cdpo.safetensors"))

    alpha, quantile = 0.1, 0.1
    for name, lam, form in (("spa", 0.0, "paper"), ("spa_dnd", 0.5, "released")):
        logits = policy(**model_kwargs).logits
        with torch.no_grad():
            ref_logits = reference(**model_kwargs).logits
            g = seq_logps((1 + lam) * logits.detach() - lam * ref_logits, inputs)
            gc, gr = g.chunk(2)
            margins = BETA * ((gc - gr) - (ref_c - ref_r))
            tau = threshold(margins, quantile, form)
            confident = (margins > tau).float()
        logps = seq_logps(logits, inputs)
        c, r = logps.chunk(2)
        z = (c - r) - (ref_c - ref_r)
        loss = (-(1 - alpha + alpha * confident) * F.logsigmoid(BETA * z) - (alpha - alpha * confident) * F.logsigmoid(-BETA * z)).mean()
        m = metrics(logps, ref_c, ref_r, loss)
        m.update({"spa/threshold": tau, "spa/confident_fraction": confident.mean().item(), "spa/alpha": alpha, "spa/lambda": lam})
        cases[name] = {"spa_lambda": lam, "spa_alpha": alpha, "spa_quantile": quantile, "spa_threshold_form": form,
                       "extrapolated_chosen": gc.tolist(), "extrapolated_rejected": gr.tolist(), "margins": margins.tolist(),
                       "confident": [bool(x) for x in confident.tolist()], "metrics": m}
        save_file(sgd_step(policy, loss), os.path.join(OUT, "after_" + name + ".safetensors"))

    steps, trained = run_trainer()
    save_file({k: v.detach().contiguous() for k, v in trained.named_parameters()}, os.path.join(OUT, "after_trainer.safetensors"))
    fixture = {"beta": BETA, "lr": LR, "pairs": [{"prompt_ids": p, "chosen_ids": c, "rejected_ids": r} for p, c, r in PAIRS],
               "ref_chosen_logps": ref_c.tolist(), "ref_rejected_logps": ref_r.tolist(), "cases": cases,
               "trainer": {"args": TRAINER, "steps": steps}}
    with open(os.path.join(OUT, "fixture.json"), "w") as f:
        json.dump(fixture, f, indent=1)
    for k, v in cases.items():
        print(k, v["metrics"])
    for s in steps:
        print("trainer", s)


if __name__ == "__main__":
    main()
