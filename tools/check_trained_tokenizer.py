"""Check the tokenizer the Java BPE trainer wrote against HF tokenizers and record its encodings.

HF's own BpeTrainer, trained on the same corpus with the same settings, must learn the same vocabulary
and merges (the Java trainer follows its ids and tie-breaking); the Java-written file must load in
tokenizers and transformers and round-trip every test string.

The Java test (tokenizer/.../train/BpeTrainerFixtureTest) retrains on the same corpus, checks it writes
the same tokenizer.json byte for byte, and encodes the same strings with the merges it learned; the ids
must equal what HF tokenizers produced here from the Java-written file.

Run from the repository root, after (re)creating the fixture with the project's own trainer:

    ./selfee train-tokenizer --data tokenizer/src/test/resources/bpe/corpus.jsonl --vocab-size 500 \
        --out tokenizer/src/test/resources/bpe
    python tools/check_trained_tokenizer.py

Writes tokenizer/src/test/resources/bpe/encodings.json: [{"text", "ids", "tokens"}].
"""
import json
import os

import re

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoTokenizer

DIR = os.path.join("tokenizer", "src", "test", "resources", "bpe")

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "the the the thinking rethink unthinkable",
    "It's they'll we've I'm you'd she's OK'D",
    "Numbers 0 12 345 6789 3.14159 1e-5 2024-07-06",
    "  leading spaces, trailing spaces   ",
    "tabs\tand\nnewlines\n\n\nand \r\n CRLF",
    "Café naïve résumé façade 日本語 中文 Ελληνικά русский العربية हिन्दी",
    "Emoji 😀🎉👍🏽 and “quotes” — dashes… ellipsis",
    "no-break\u00a0space and ideographic\u3000space and\u2028line separator",
    "def add(a, b):\n    return a + b\n",
    "<|endoftext|>",
    "one document<|endoftext|>another<pad><pad>",
    "<|endoftext|<pad>|>",
    "https://example.com/path?query=1&other=two someone@example.org",
    "Zebra xylophone quixotic juxtaposition (words the corpus never saw)",
    "",
    " ",
    "\u00ff\u0100\u0120 control\u0001chars\u007f",
]


SPECIALS = ["<|endoftext|>", "<pad>"]
VOCAB_SIZE = 500


def corpus_documents():
    fields = ("text", "prompt", "completion", "chosen", "rejected")
    with open(os.path.join(DIR, "corpus.jsonl"), encoding="utf-8") as f:
        return [rec[k] for rec in map(json.loads, filter(str.strip, f)) for k in fields if isinstance(rec.get(k), str)]


def hf_trained():
    """HF's trainer on the corpus, special tokens cut out of the text as the Java trainer does."""
    pieces = [p for d in corpus_documents() for p in re.split("|".join(map(re.escape, SPECIALS)), d) if p]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(pieces, trainer)
    return json.loads(tok.to_str())["model"]


def main():
    with open(os.path.join(DIR, "tokenizer.json"), encoding="utf-8") as f:
        ours = json.load(f)["model"]
    theirs = hf_trained()
    assert ours["vocab"] == theirs["vocab"], "vocabulary differs from HF BpeTrainer's"
    assert [list(m) for m in ours["merges"]] == [m.split(" ") if isinstance(m, str) else list(m) for m in theirs["merges"]], \
        "merges differ from HF BpeTrainer's"
    tok = Tokenizer.from_file(os.path.join(DIR, "tokenizer.json"))
    fast = AutoTokenizer.from_pretrained(DIR)
    assert fast.eos_token == "<|endoftext|>" and fast.pad_token == "<pad>", (fast.eos_token, fast.pad_token)
    records = []
    for text in TEXTS:
        enc = tok.encode(text)
        assert fast(text)["input_ids"] == enc.ids, text
        assert tok.decode(enc.ids, skip_special_tokens=False) == text, (text, tok.decode(enc.ids, skip_special_tokens=False))
        records.append({"text": text, "ids": enc.ids, "tokens": enc.tokens})
    with open(os.path.join(DIR, "encodings.json"), "w", encoding="utf-8") as f:
        json.dump(records, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(records)} encodings, vocab {tok.get_vocab_size()}, {len(ours['merges'])} merges equal to HF BpeTrainer's")


if __name__ == "__main__":
    main()
