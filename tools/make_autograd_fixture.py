"""Reference fixture for the engine's autograd: a tiny 2-layer Llama-style decoder in plain torch.

The model mirrors HF LlamaModel conventions (rotate_half RoPE, RMSNorm in fp32 with the weight
applied after normalising, attention scale 1/sqrt(head_dim), causal + key-padding mask, GQA by
repeat_kv, SwiGLU MLP, untied lm_head). One forward/backward in fp32 gives the loss (mean
cross-entropy over non-ignored labels), the gradient of every parameter, and the summed
per-sequence log-probabilities of the labels (what DPO scores).

Writes, under engine/src/test/resources/autograd/:
  llama_2layer.bin   raw little-endian float32 tensors, back to back
  llama_2layer.json  config, integer inputs, and {name: {offset, shape}} (offset in floats)

Run from the repository root:  python tools/make_autograd_fixture.py   (needs torch)
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine", "src", "test", "resources", "autograd")
CFG = dict(vocab_size=50, hidden_size=32, num_attention_heads=4, num_key_value_heads=2, intermediate_size=64,
           num_hidden_layers=2, rms_norm_eps=1e-5, rope_theta=10000.0, batch=2, seq=7)


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(p, ids, attention_mask, labels, c):
    B, T = ids.shape
    H, KV, D = c["num_attention_heads"], c["num_key_value_heads"], c["hidden_size"]
    hd = D // H
    eps = c["rms_norm_eps"]
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    pos = torch.arange(T).float()[None, :].expand(B, T)
    freqs = (inv_freq[None, :, None] @ pos[:, None, :]).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # [B, 1, T, hd]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]

    h = p["model.embed_tokens.weight"][ids]
    for l in range(c["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        x = rms_norm(h, p[pre + "input_layernorm.weight"], eps)
        q = (x @ p[pre + "self_attn.q_proj.weight"].T).view(B, T, H, hd).transpose(1, 2)
        k = (x @ p[pre + "self_attn.k_proj.weight"].T).view(B, T, KV, hd).transpose(1, 2)
        v = (x @ p[pre + "self_attn.v_proj.weight"].T).view(B, T, KV, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        scores = scores.masked_fill(~allowed, float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, T, H * hd)
        h = h + a @ p[pre + "self_attn.o_proj.weight"].T
        x = rms_norm(h, p[pre + "post_attention_layernorm.weight"], eps)
        gate = x @ p[pre + "mlp.gate_proj.weight"].T
        up = x @ p[pre + "mlp.up_proj.weight"].T
        h = h + (torch.nn.functional.silu(gate) * up) @ p[pre + "mlp.down_proj.weight"].T
    h = rms_norm(h, p["model.norm.weight"], eps)
    logits = h @ p["lm_head.weight"].T
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    counted = labels != -100
    token_logps = torch.log_softmax(logits, dim=-1).gather(-1, labels.clamp(min=0)[..., None])[..., 0]
    seq_logps = (token_logps * counted).sum(-1)
    return loss, seq_logps


def main():
    torch.manual_seed(20261128)
    c = CFG
    V, D, F, H, KV = c["vocab_size"], c["hidden_size"], c["intermediate_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hd = D // H
    shapes = {"model.embed_tokens.weight": (V, D)}
    for l in range(c["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        shapes.update({
            pre + "input_layernorm.weight": (D,),
            pre + "self_attn.q_proj.weight": (H * hd, D),
            pre + "self_attn.k_proj.weight": (KV * hd, D),
            pre + "self_attn.v_proj.weight": (KV * hd, D),
            pre + "self_attn.o_proj.weight": (D, H * hd),
            pre + "post_attention_layernorm.weight": (D,),
            pre + "mlp.gate_proj.weight": (F, D),
            pre + "mlp.up_proj.weight": (F, D),
            pre + "mlp.down_proj.weight": (D, F),
        })
    shapes["model.norm.weight"] = (D,)
    shapes["lm_head.weight"] = (V, D)
    params = {}
    for name, shape in shapes.items():
        if len(shape) == 1:
            t = 1.0 + 0.1 * torch.randn(shape)
        else:
            t = torch.randn(shape) / math.sqrt(shape[1])
        params[name] = t.float().requires_grad_()

    B, T = c["batch"], c["seq"]
    ids = torch.randint(0, V, (B, T))
    attention_mask = torch.ones(B, T, dtype=torch.int64)
    attention_mask[1, T - 2:] = 0  # right padding in the second sequence
    labels = torch.randint(0, V, (B, T))
    labels[attention_mask == 0] = -100
    labels[0, 0] = -100  # an ignored prompt token

    loss, seq_logps = forward(params, ids, attention_mask, labels, c)
    loss.backward()

    blobs, index, offset = [], {}, 0

    def put(name, t):
        nonlocal offset
        a = t.detach().contiguous().float().reshape(-1)
        index[name] = {"offset": offset, "shape": list(t.shape)}
        blobs.append(a)
        offset += a.numel()

    for name, t in params.items():
        put(name, t)
    for name, t in params.items():
        put("grad." + name, t.grad)
    put("loss", loss.reshape(()))
    put("seq_logps", seq_logps)

    os.makedirs(OUT, exist_ok=True)
    data = torch.cat(blobs).numpy().astype("<f4")
    with open(os.path.join(OUT, "llama_2layer.bin"), "wb") as f:
        f.write(data.tobytes())
    meta = dict(config=c, input_ids=ids.tolist(), attention_mask=attention_mask.tolist(), labels=labels.tolist(),
                params=list(shapes.keys()), tensors=index)
    with open(os.path.join(OUT, "llama_2layer.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"loss {loss.item():.6f}, {offset} floats written to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
