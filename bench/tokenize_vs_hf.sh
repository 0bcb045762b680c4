#!/usr/bin/env bash
# Encode throughput of selfee's tokenizer against HF tokenizers (both on one thread), back to back on the
# same generated corpus, for GPT-2, Mistral (SentencePiece-style BPE) and Qwen3.
#   bench/tokenize_vs_hf.sh [MB]        (PYTHON=path/to/python with `tokenizers` installed; default python3)
# Prints one JSON line per run: selfee's, then the peer's, per tokenizer; equal "tokens" and "ids_hash"
# show both produced the same ids on the whole corpus.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
py=${PYTHON:-python3}
mb=${1:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$root/bench/make_tokenize_corpus.py" "$work/corpus.txt" --mb "$mb" >&2
res="$root/tokenizer/src/test/resources/tokenizers"
mkdir -p "$work/mistral" "$work/qwen3"
for t in mistral qwen3; do
  gunzip -c "$res/$t/tokenizer.json.gz" > "$work/$t/tokenizer.json"
  cp "$res/$t/tokenizer_config.json" "$work/$t/"
done
for t in "$res/gpt2" "$work/mistral" "$work/qwen3"; do
  "$root/selfee" bench tokenize --tokenizer "$t" --input "$work/corpus.txt"
  "$py" "$root/bench/tokenizers_peer.py" --tokenizer "$t" --input "$work/corpus.txt"
done
