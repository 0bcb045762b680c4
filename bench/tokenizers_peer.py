"""The peer for `selfee bench tokenize`: Hugging Face tokenizers encoding the same file on one thread.

    python bench/tokenizers_peer.py --tokenizer PATH --input FILE [--seconds 5]

PATH is a directory with tokenizer.json or with GPT-2's encoder.json + vocab.bpe, or a tokenizer.json file.
Each line is encoded on its own with add_special_tokens=False, as `selfee bench tokenize` does, with one
Python call per line (mb_per_s) and with one encode_batch call over all lines (mb_per_s_batch, no per-call
Python overhead); Rayon is limited to one thread so encode_batch is not parallel either. Prints one JSON
line with MB/s of UTF-8 input (median and best run after one warm-up pass).
Needs: pip install tokenizers
"""
import os

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from tokenizers import Tokenizer, decoders, pre_tokenizers, processors  # noqa: E402
from tokenizers.models import BPE  # noqa: E402


def load(path: Path) -> Tokenizer:
    if path.is_dir() and (path / "encoder.json").exists() and not (path / "tokenizer.json").exists():
        tok = Tokenizer(BPE.from_file(str(path / "encoder.json"), str(path / "vocab.bpe")))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        tok.add_special_tokens(["<|endoftext|>"])
        return tok
    return Tokenizer.from_file(str(path / "tokenizer.json" if path.is_dir() else path))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True, type=Path)
    ap.add_argument("--input", required=True, type=Path)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    tok = load(args.tokenizer)
    load_ms = (time.perf_counter() - t0) * 1e3
    lines = args.input.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    mb = sum(len(s.encode("utf-8")) for s in lines) / 1e6

    def run() -> int:
        return sum(len(tok.encode(s, add_special_tokens=False).ids) for s in lines)

    def run_batch() -> int:
        return sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False))

    def measure(fn) -> list:
        times = []
        end = time.perf_counter() + args.seconds
        while len(times) < 3 or time.perf_counter() < end:
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return times

    tokens, ids_hash = 0, 0  # the warm-up pass also computes selfee's ids_hash: h = h*31 + id, low 63 bits
    for s in lines:
        ids = tok.encode(s, add_special_tokens=False).ids
        tokens += len(ids)
        for i in ids:
            ids_hash = (ids_hash * 31 + i) & 0x7FFFFFFFFFFFFFFF
    times = measure(run)
    run_batch()
    batch_times = measure(run_batch)
    print(json.dumps({"op": "tokenize", "peer": "hf-tokenizers", "tokenizer": str(args.tokenizer), "threads": 1,
                      "mb": round(mb, 2), "lines": len(lines), "tokens": tokens, "ids_hash": ids_hash,
                      "mb_per_s": round(mb / statistics.median(times), 2), "mb_per_s_best": round(mb / min(times), 2),
                      "mb_per_s_batch": round(mb / statistics.median(batch_times), 2),
                      "load_ms": round(load_ms, 2), "runs": len(times)}))


if __name__ == "__main__":
    main()
