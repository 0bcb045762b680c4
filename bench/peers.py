"""The side-by-side peer harness: runs selfee and its peer on the same work, back to back, and writes the table.

Run it through bench/peers.sh, which provides the Python environment and builds selfee first:

    bench/peers.sh [--quick] [--rounds N] [PAIR ...]

PAIR is one of gemm, train-step, dpo, generate, score, tokenize, memory (memory is measured on the dpo
runs, so either name runs them); the default is all. Each round runs both sides of a case once, the
side that goes first alternating from round to round; each side measures itself after its own
warm-up (JVM start, Python imports and model loading are not timed) and reports its median, and the
table gives the median, min and max of those over the rounds, and the ratio selfee / peer of the
medians. Peak memory is each process's maximum resident set size, from the kernel's accounting.

A full run writes bench/results.json and bench/results.md (rows it did not measure, of other pairs or
another --threads, are kept from the previous file, marked with their date); --quick writes
bench/.cache/results-quick.{json,md}.
"""
import argparse
import datetime
import gzip
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
SELFEE = str(ROOT / "selfee")
PY = sys.executable
PAIRS = ["gemm", "train-step", "dpo", "generate", "score", "tokenize", "memory"]


@dataclass
class Case:
    id: str
    pair: str
    work: str
    metric: str  # the key of the JSON line both sides print
    unit: str
    peer_name: str
    selfee: list
    peer: list
    target: float | None = None  # selfee / peer should be at least this
    missing: str | None = None  # why the selfee side cannot be measured yet
    check: str | None = None  # a key both sides print that must agree (same work)


@dataclass
class Side:
    values: list = field(default_factory=list)
    rss_mb: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd: list, timeout: float) -> tuple[dict | None, float, str | None]:
    """Runs cmd; returns its last JSON line, its peak RSS in MB, and an error or None."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                p.returncode = -9
                return None, usage.ru_maxrss / 1024, f"timed out after {timeout:.0f} s"
            time.sleep(0.05)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    rss = usage.ru_maxrss / 1024
    lines = [s for s in stdout.splitlines() if s.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = [s for s in stderr.splitlines() if s.strip() and not s.startswith("WARNING: Using incubator")]
        return None, rss, f"exit {p.returncode}: {tail[-1] if tail else 'no output'}"
    return json.loads(lines[-1]), rss, None


def measure(case: Case, rounds: int, timeout: float) -> dict:
    sides = {"selfee": Side(), "peer": Side()}
    for r in range(rounds):
        order = ["selfee", "peer"] if r % 2 == 0 else ["peer", "selfee"]
        for name in order:
            if name == "selfee" and case.missing:
                continue
            cmd = case.selfee if name == "selfee" else case.peer
            t0 = time.monotonic()
            line, rss, error = run(cmd, timeout)
            s = sides[name]
            if error:
                s.errors.append(error)
                log(f"{case.id} round {r + 1} {name}: {error}")
                continue
            s.values.append(float(line[case.metric]))
            s.rss_mb.append(round(rss, 1))
            s.lines.append(line)
            log(f"{case.id} round {r + 1} {name}: {line[case.metric]} {case.unit}, peak RSS {rss:.0f} MB ({time.monotonic() - t0:.0f} s)")
    return summarise(case, sides)


def stats(xs: list) -> dict | None:
    if not xs:
        return None
    return {"median": round(statistics.median(xs), 3), "min": round(min(xs), 3), "max": round(max(xs), 3), "values": xs}


def summarise(case: Case, sides: dict) -> dict:
    row = {"id": case.id, "pair": case.pair, "work": case.work, "metric": case.metric, "unit": case.unit,
           "higher_is_better": True, "peer_name": case.peer_name, "target": case.target,
           "selfee_command": " ".join(map(str, case.selfee)).replace(str(ROOT) + "/", ""),
           "peer_command": " ".join(map(str, case.peer)).replace(PY, "python").replace(str(ROOT) + "/", "")}
    for name, s in sides.items():
        row[name] = {"stats": stats(s.values), "peak_rss_mb": stats(s.rss_mb), "errors": s.errors, "runs": s.lines}
    if case.missing:
        row["selfee"]["missing"] = case.missing
    a, b = row["selfee"]["stats"], row["peer"]["stats"]
    row["ratio"] = round(a["median"] / b["median"], 3) if a and b and b["median"] else None
    row["meets_target"] = None if row["ratio"] is None or case.target is None else row["ratio"] >= case.target
    row["ratio_best"] = best_ratio(row)
    if case.check and sides["selfee"].lines and sides["peer"].lines:
        mine = {json.dumps(x.get(case.check)) for x in sides["selfee"].lines}
        theirs = {json.dumps(x.get(case.check)) for x in sides["peer"].lines}
        row["check"] = {"key": case.check, "selfee": sorted(mine), "peer": sorted(theirs), "same": mine == theirs}
    return row


def memory_row(dpo: dict, target: float) -> dict:
    """Peak RSS of the DPO runs, as its own row: lower is better."""
    row = {"id": dpo["id"].replace("dpo", "memory"), "pair": "memory", "work": "peak resident memory of the whole DPO run (model, reference log-probs, steps) above", "metric": "peak_rss_mb",
           "unit": "MB", "higher_is_better": False, "peer_name": dpo["peer_name"], "target": target,
           "selfee_command": dpo["selfee_command"], "peer_command": dpo["peer_command"]}
    for name in ("selfee", "peer"):
        row[name] = {"stats": dpo[name]["peak_rss_mb"], "errors": dpo[name]["errors"]}
        if "missing" in dpo[name]:
            row[name]["missing"] = dpo[name]["missing"]
    a, b = row["selfee"]["stats"], row["peer"]["stats"]
    row["ratio"] = round(a["median"] / b["median"], 3) if a and b else None
    row["meets_target"] = None if row["ratio"] is None else row["ratio"] <= target
    row["ratio_best"] = best_ratio(row)
    return row


def random_pairs(path: Path, n: int, vocab: int, seed: int = 1) -> Path:
    """n preference pairs of random ids (prompt 16-48 tokens, each completion 8-64), never the special ids 0-2."""
    r = random.Random(seed)
    ids = lambda lo, hi: [r.randrange(3, vocab) for _ in range(r.randint(lo, hi))]  # noqa: E731
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            f.write(json.dumps({"prompt_ids": ids(16, 48), "chosen_ids": ids(8, 64), "rejected_ids": ids(8, 64)}) + "\n")
    return path


def checkpoint(config: str) -> Path:
    out = CACHE / Path(config).stem
    subprocess.run([PY, BENCH / "make_random_checkpoint.py", "--config", BENCH / "configs" / config, "--out", out], check=True, cwd=ROOT)
    return out


def selfee_has(subcommand: str) -> bool:
    usage = subprocess.run([SELFEE, "bench", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    return any(line.split()[:1] == [subcommand] for line in usage.splitlines())


def cases(selected: set, quick: bool, threads: int) -> list:
    out = []
    t = str(threads)
    ts = f"{t} thread" + ("s" if threads != 1 else "")
    if "gemm" in selected:
        n, sec = ("512", "1") if quick else ("1024", "3")
        out.append(Case(f"gemm-t{t}", "gemm", f"fp32 GEMM {n}³ (C = A·B), {ts}", "gflops", "GFLOP/s", "torch.matmul",
                        [SELFEE, "bench", "gemm", "--size", n, "--threads", t, "--seconds", sec],
                        [PY, BENCH / "torch_gemm.py", "--size", n, "--threads", t, "--trans", "nn", "--seconds", sec], 1.5))
    if "train-step" in selected:
        shapes = [("llama-25m", "1", "64", "2")] if quick else [("llama-25m", "4", "256", "3"), ("llama-100m", "1", "256", "2")]
        for cfg, b, seq, steps in shapes:
            args = ["--config", BENCH / "configs" / f"{cfg}.json", "--batch-size", b, "--seq-len", seq, "--steps", steps, "--threads", t]
            out.append(Case(f"train-step-{cfg}-t{t}", "train-step",
                            f"training step (forward + backward + AdamW), {cfg}, batch {b} x seq {seq}, {ts}",
                            "tokens_per_s", "tokens/s", "transformers LlamaForCausalLM, torch eager",
                            [SELFEE, "bench", "train-step", *args], [PY, ROOT / "tools" / "bench_train_step_torch.py", *args], 1.5))
    if selected & {"dpo", "memory", "generate", "score"}:
        model = checkpoint("llama-25m.json")
        pairs = random_pairs(CACHE / "pairs.jsonl", 32 if quick else 256, 8192)
    if selected & {"dpo", "memory"}:
        # 10 warm-up steps on both sides: the JVM compiles the step's code during its first steps, and
        # with as many workers as cores its compiler threads take cores from the timed steps.
        b, warm, steps = ("2", "1", "2") if quick else ("4", "10", "8")
        args = ["--model", model, "--data", pairs, "--batch-size", b, "--warmup", warm, "--steps", steps, "--threads", t]
        out.append(Case(f"dpo-t{t}", "dpo", f"DPO step (sigmoid, AdamW, reference log-probs precomputed), llama-25m, {b} pairs per step, {ts}",
                        "steps_per_s", "steps/s", "TRL DPOTrainer",
                        [SELFEE, "bench", "dpo-step", *args], [PY, BENCH / "trl_dpo_step.py", *args], 2.0,
                        missing=None if selfee_has("dpo-step") else "not yet measured: selfee dpo trainer missing"))
    if "generate" in selected:
        new = "32" if quick else "128"
        for b in ("1", "8"):
            args = ["--model", model, "--batch-size", b, "--prompt-len", "32", "--max-new-tokens", new, "--runs", "1" if quick else "2", "--threads", t]
            out.append(Case(f"generate-b{b}-t{t}", "generate", f"greedy generation with KV cache, llama-25m, batch {b}, 32-token prompts, {new} new tokens, {ts}",
                            "tokens_per_s", "tokens/s", "transformers generate",
                            [SELFEE, "bench", "generate", *args], [PY, ROOT / "tools" / "bench_generate_torch.py", *args], 2.0 if b == "1" else None))
    if "score" in selected:
        args = ["--model", model, "--data", pairs, "--batch-size", "8", "--runs", "1", "--threads", t]
        out.append(Case(f"score-t{t}", "score", f"log-prob scoring of {32 if quick else 256} pairs (both completions), llama-25m, batches of 8, {ts}",
                        "tokens_per_s", "tokens/s", "transformers forward + log-softmax gather",
                        [SELFEE, "bench", "score", *args], [PY, BENCH / "torch_score.py", *args], 1.5, check="logp_sum"))
    if "tokenize" in selected:
        mb = "1" if quick else "10"
        corpus = CACHE / f"corpus-{mb}mb.txt"
        if not corpus.exists():
            subprocess.run([PY, BENCH / "make_tokenize_corpus.py", corpus, "--mb", mb], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        res = ROOT / "tokenizer" / "src" / "test" / "resources" / "tokenizers"
        qwen = CACHE / "qwen3"
        if not (qwen / "tokenizer.json").exists():
            qwen.mkdir(parents=True, exist_ok=True)
            with gzip.open(res / "qwen3" / "tokenizer.json.gz", "rb") as f:
                (qwen / "tokenizer.json").write_bytes(f.read())
            shutil.copy(res / "qwen3" / "tokenizer_config.json", qwen)
        sec = "1" if quick else "3"
        for name, path in [("gpt2", res / "gpt2")] + ([] if quick else [("qwen3", qwen)]):
            args = ["--tokenizer", path, "--input", corpus, "--seconds", sec]
            out.append(Case(f"tokenize-{name}", "tokenize", f"tokenizer encode, {name}, mixed {mb} MB corpus line by line, 1 thread",
                            "mb_per_s", "MB/s", "HF tokenizers (Tokenizer.encode per line)",
                            [SELFEE, "bench", "tokenize", *args], [PY, BENCH / "tokenizers_peer.py", *args], 1.0, check="ids_hash"))
    return out


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    flags = next((line.split(":", 1)[1].split() for line in open("/proc/cpuinfo") if line.startswith("flags")), [])
    mem = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), None)
    java = Path(os.environ.get("JAVA_HOME", "")) / "bin" / "java"
    jdk = subprocess.run([java if java.exists() else "java", "-version"], capture_output=True, text=True).stderr.splitlines()
    versions = subprocess.run([PY, "-c", "import torch, transformers, trl, tokenizers; "
                               "print(torch.__version__, transformers.__version__, trl.__version__, tokenizers.__version__)"],
                              capture_output=True, text=True).stdout.split()
    return {"cores": os.cpu_count(), "cpu": cpu, "avx512": "avx512f" in flags, "memory_mb": mem,
            "os": f"{platform.system()} {platform.release()}", "jdk": jdk[1] if len(jdk) > 1 else "".join(jdk),
            "python": platform.python_version(), "torch": versions[0] if versions else None,
            "transformers": versions[1] if len(versions) > 1 else None, "trl": versions[2] if len(versions) > 2 else None,
            "tokenizers": versions[3] if len(versions) > 3 else None}


def fmt(s: dict | None, unit_digits: int = 2) -> str:
    if not s:
        return "—"
    return f"{s['median']:.{unit_digits}f} ({s['min']:.{unit_digits}f}–{s['max']:.{unit_digits}f})"


def cell(row: dict, name: str) -> str:
    side = row[name]
    if side.get("missing"):
        return side["missing"]
    if side["stats"] is None:
        return "failed: " + (side["errors"][0] if side["errors"] else "no result")
    digits = 0 if row["unit"] == "MB" else 3 if side["stats"]["median"] < 1 else 2 if side["stats"]["median"] < 1000 else 0
    return fmt(side["stats"], digits)


def best_ratio(row: dict) -> float | None:
    """selfee / peer of each side's best round (highest throughput, lowest memory): the least disturbed by other load."""
    a, b = row["selfee"]["stats"], row["peer"]["stats"]
    if not a or not b:
        return None
    key = "max" if row["higher_is_better"] else "min"
    return round(a[key] / b[key], 3)


def met_text(median_met: bool, best: str, row: dict) -> str:
    """yes or no when the median and the best-round ratios agree on the target; unclear when other load split them."""
    b = best_ratio(row)
    best_met = b is not None and (b >= row["target"] if row["higher_is_better"] else b <= row["target"])
    if median_met == best_met:
        return "yes" if median_met else "**no**"
    return "unclear (noisy)"


def slower_with_more_threads(row: dict, rows: list) -> bool:
    """True when the peer did the same work slower on more threads than on one: contention, not the engines, set that ratio."""
    if not row["higher_is_better"] or not row["id"].endswith(tuple(f"-t{n}" for n in range(2, 65))):
        return False
    one = next((r for r in rows if r["id"] == row["id"].rsplit("-t", 1)[0] + "-t1"), None)
    mine, theirs = row["peer"]["stats"], one and one["peer"]["stats"]
    return bool(mine and theirs and mine["max"] < theirs["median"])


def markdown(result: dict) -> str:
    m, rows = result["machine"], result["rows"]
    load = result["load"]
    out = ["# selfee against its peers", "",
           f"Generated by `bench/peers.sh{' --quick' if result['quick'] else ''}` on {result['date']} "
           f"({result['rounds']} round{'s' if result['rounds'] > 1 else ''} per pair, {result['wall_s'] / 60:.1f} minutes).", "",
           f"Machine: {m['cores']} cores, {m['cpu']}{' (AVX-512)' if m['avx512'] else ''}, {m['memory_mb']} MB RAM, {m['os']}; "
           f"{m['jdk']}; Python {m['python']}, torch {m['torch']}, transformers {m['transformers']}, trl {m['trl']}, tokenizers {m['tokenizers']}.", "",
           f"Load average (1, 5, 15 min) at the start: {load['start']}, at the end: {load['end']}. "
           "When it exceeds the core count, other processes shared the CPUs during the run: absolute numbers are then low and noisy, "
           "and the ratios (both sides measured back to back, alternating which goes first) are the figures to read. "
           "Contention hurts the sides unequally, though: torch runs each op as an OpenMP parallel region whose threads meet at a barrier, "
           "so when one of its threads is descheduled every small op waits for it, and torch's multi-threaded numbers collapse "
           "far more than single-threaded ones (compare a `--threads 1` run).", "",
           f"Threads per side: {result.get('threads', 2)} (the tokenizers always use 1).", "",
           "Each side measures itself after its own warm-up (JVM start, Python imports and model loading excluded) and reports its median; "
           "the table gives the median (min–max) of those over the rounds, and the ratio selfee / peer of the medians "
           "(for memory, lower is better: the ratio should be at most the target). "
           "Best ratio compares each side's best round, the one least disturbed by other load; "
           "Met says yes or no when both ratios agree on the target, unclear when they do not, "
           "or when even the peer's best multi-threaded round was slower than its median on one thread for the same work "
           "(then contention, not the engines, set the ratio).", "",
           "| Pair | Work | Unit | selfee | peer | Ratio | Best ratio | Target | Met |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        best = best_ratio(r)
        best = "—" if best is None else f"{best:.2f}×"
        target = "—" if r["target"] is None else (f"≤ {r['target']}×" if not r["higher_is_better"] else f"≥ {r['target']}×")
        met = "" if r["meets_target"] is None else met_text(r["meets_target"], best, r)
        if met and slower_with_more_threads(r, rows):
            met = "unclear (peer slower on more threads)"
        work = r["work"].replace(" 1 threads", " 1 thread") + (f" (measured in an earlier run, {r['measured']['date']}, load {r['measured']['load']['start']})" if r.get("measured") else "")
        out.append(f"| {r['pair']} | {work} | {r['unit']} | {cell(r, 'selfee')} | {r['peer_name']}: {cell(r, 'peer')} | {ratio} | {best} | {target} | {met} |")
    out += ["", "Same work on both sides:", ""]
    for r in rows:
        if r.get("check"):
            c = r["check"]
            out.append(f"- {r['id']}: `{c['key']}` {'agrees' if c['same'] else 'DIFFERS'} (selfee {', '.join(c['selfee'])}; peer {', '.join(c['peer'])})")
    batch = [(r["id"], statistics.median(x["mb_per_s_batch"] for x in r["peer"]["runs"])) for r in rows
             if r["pair"] == "tokenize" and r["peer"].get("runs") and "mb_per_s_batch" in r["peer"]["runs"][0]]
    if batch:
        out += ["", "HF tokenizers without a Python call per line (one `encode_batch` over all lines, still one thread), for reference: "
                + "; ".join(f"{i}: {v:.2f} MB/s" for i, v in batch) + "."]
    out += ["", "Commands (each round runs both; paths relative to the repository root, `python` is the peers' venv):", ""]
    for r in rows:
        if r["pair"] != "memory":
            out.append(f"- {r['id']}: `{r['selfee_command']}` vs `{r['peer_command']}`")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", nargs="*", metavar="PAIR", help="some of: " + " ".join(PAIRS) + " (default: all)")
    ap.add_argument("--quick", action="store_true", help="small sizes and one round: checks that the harness works")
    ap.add_argument("--rounds", type=int, help="rounds per pair (default 3, 1 with --quick)")
    ap.add_argument("--threads", type=int, default=2, help="threads each side may use (default 2; the tokenizers use 1)")
    ap.add_argument("--render", action="store_true", help="only rewrite bench/results.md from bench/results.json")
    ap.add_argument("--timeout", type=float, default=300, help="seconds one command may run; a run past it counts as failed (default 300)")
    a = ap.parse_args()
    unknown = [p for p in a.pairs if p not in PAIRS]
    if unknown:
        ap.error(f"unknown pair {', '.join(unknown)}; choose from {' '.join(PAIRS)}")
    selected = set(a.pairs or PAIRS)
    if a.render:
        (BENCH / "results.md").write_text(markdown(json.loads((BENCH / "results.json").read_text())))
        return
    rounds = a.rounds or (1 if a.quick else 3)
    CACHE.mkdir(exist_ok=True)
    start = time.monotonic()
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    log(f"load average {load_start}; {os.cpu_count()} cores")
    rows = []
    for case in cases(selected, a.quick, a.threads):
        log(f"{case.id}: {case.work}")
        rows.append(measure(case, rounds, a.timeout))
        if case.pair == "dpo" and "memory" in selected:
            rows.append(memory_row(rows[-1], 0.7))
    result = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "quick": a.quick,
              "rounds": rounds, "threads": a.threads, "wall_s": round(time.monotonic() - start, 1),
              "load": {"start": load_start, "end": " ".join(f"{x:.2f}" for x in os.getloadavg())},
              "machine": machine(), "rows": rows}
    target = CACHE / "results-quick" if a.quick else BENCH / "results"
    json_file, md_file = target.with_suffix(".json"), target.with_suffix(".md")
    if not a.quick and json_file.exists():  # rows this run did not measure (other pairs, other --threads) are kept
        old = json.loads(json_file.read_text())
        ids = {r["id"] for r in rows}
        kept = [r for r in old.get("rows", []) if r["id"] not in ids]
        for r in kept:
            r.setdefault("measured", {"date": old.get("date"), "load": old.get("load")})
        order = {p: i for i, p in enumerate(PAIRS)}
        result["rows"] = sorted(kept + rows, key=lambda r: order.get(r["pair"], 99))
    json_file.write_text(json.dumps(result, indent=1).replace(str(ROOT) + "/", "") + "\n")  # paths relative to the repository
    md_file.write_text(markdown(result))
    print(md_file.read_text())
    log(f"wrote {md_file.relative_to(ROOT)} and {json_file.relative_to(ROOT)} in {result['wall_s'] / 60:.1f} min")


if __name__ == "__main__":
    main()
