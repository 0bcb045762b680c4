"""Writes a mixed-language text corpus for tokenizer benchmarks (deterministic, from a seed).

    python bench/make_tokenize_corpus.py OUT.txt [--mb 8] [--seed 1]

Lines mix English prose (most of it), source code, numbers, whitespace runs, Chinese, Japanese,
Russian, Arabic and emoji, in roughly the proportions of a multilingual chat corpus.
"""
import argparse
import random

WORDS = """the of and to in is was that for it with as his on be at by had this not are but from or have an they
which one you were her all she there would their we him been has when who will more no if out so said what up its
about into than them can only other new some could time these two may then do first any my now such like our over
man me even most made after also did many before must through back years where much your way well down should
because each just those people how too little state good very make world still own see men work long get here
between both life being under never day same another know while last might us great old year off come since
against go came right used take three language model training data learning preference alignment response prompt
judge iteration reward policy gradient token sequence attention transformer layer weight bias matrix vector
""".split()
CODE = [
    "def {f}(x, y=None):\n    return [i * {n} for i in range(x) if i % 2 == 0]",
    "for (int i = 0; i < {n}; i++) {{ sum += a[i] * b[i]; }}",
    "    if ({f} != null && {f}.size() > {n}) {{ throw new IllegalStateException(\"{f}\"); }}",
    "const {f} = async (req, res) => {{ await db.query('SELECT * FROM t WHERE id = $1', [{n}]); }};",
    "#include <stdio.h>\nint main(void) {{ printf(\"%d\\n\", {n}); return 0; }}",
    "\t\t{f}.update({{'lr': {n}e-4, 'betas': (0.9, 0.999)}})",
]
CJK = "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从"
JA = "これはテストですひらがなカタカナ漢字東京大阪日本語の文章を書きます"
RU = "Это пример русского текста для проверки токенизатора с разными словами и ЗАГЛАВНЫМИ буквами".split()
AR = "هذا نص عربي لاختبار المحلل مع كلمات مختلفة وأرقام".split()
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🇩🇪", "🎉", "🤖", "✨", "🫠"]


def line(r: random.Random) -> str:
    k = r.random()
    if k < 0.62:
        words = [r.choice(WORDS) for _ in range(r.randint(5, 40))]
        if r.random() < 0.3:
            words[0] = words[0].capitalize()
        s = " ".join(words)
        s += r.choice([".", ",", "!", "?", "'s", " n't", ":", ""])
        if r.random() < 0.2:
            s += " " + str(r.randint(0, 10 ** r.randint(1, 9)))
        return s
    if k < 0.74:
        return r.choice(CODE).format(f=r.choice(WORDS) + "_" + r.choice(WORDS), n=r.randint(0, 99999))
    if k < 0.79:
        return " ".join(f"{r.uniform(-1e6, 1e6):.{r.randint(0, 6)}f}" for _ in range(r.randint(3, 12)))
    if k < 0.83:
        return r.choice([" ", "\t", "  ", "    "]) * r.randint(1, 30) + r.choice(WORDS) + " " * r.randint(0, 8)
    if k < 0.89:
        return "".join(r.choice(CJK) for _ in range(r.randint(10, 60))) + r.choice(["。", "，", "！", ""])
    if k < 0.91:
        return "".join(r.choice(JA) for _ in range(r.randint(10, 40)))
    if k < 0.95:
        return " ".join(r.choice(RU) for _ in range(r.randint(5, 20)))
    if k < 0.98:
        return " ".join(r.choice(AR) for _ in range(r.randint(5, 20)))
    return " ".join(r.choice(EMOJI) + r.choice(WORDS) for _ in range(r.randint(2, 10)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    r = random.Random(args.seed)
    target = int(args.mb * 1e6)
    size = 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        while size < target:
            s = line(r) + "\n"
            f.write(s)
            size += len(s.encode("utf-8"))
    print(f"{args.out}: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
