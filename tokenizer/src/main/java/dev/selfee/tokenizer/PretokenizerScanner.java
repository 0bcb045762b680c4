package dev.selfee.tokenizer;

import static dev.selfee.tokenizer.UnicodeClass.LETTER;
import static dev.selfee.tokenizer.UnicodeClass.NUMBER;
import static dev.selfee.tokenizer.UnicodeClass.OTHER;
import static dev.selfee.tokenizer.UnicodeClass.SPACE;

import java.util.ArrayList;
import java.util.List;

/**
 * The pre-tokenizer regexes of GPT-2, Llama 3 and Qwen2/3 written out as a scanner. It decides each
 * match the way a backtracking engine would (first alternative that matches, greedy runs, the
 * {@code \s+(?!\S)} lookahead), but in one linear pass, so megabyte-long words cost no more than short ones.
 */
public final class PretokenizerScanner implements TextPattern {
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final PretokenizerScanner GPT2_SCANNER = forPattern(GPT2);

    /** true: the Llama 3 family ((?i) contractions, a non-letter may lead a word, newline handling); false: GPT-2. */
    private final boolean llama3Style;
    /** How many digits one number token may hold (GPT-2: unbounded). */
    private final int maxDigits;
    private final String source;

    private PretokenizerScanner(boolean llama3Style, int maxDigits, String source) {
        this.llama3Style = llama3Style;
        this.maxDigits = maxDigits;
        this.source = source;
    }

    /** The scanner for one of the known patterns, or null. */
    static PretokenizerScanner forPattern(String regex) {
        return switch (regex) {
            case GPT2 -> new PretokenizerScanner(false, Integer.MAX_VALUE, regex);
            case LLAMA3 -> new PretokenizerScanner(true, 3, regex);
            case QWEN2 -> new PretokenizerScanner(true, 1, regex);
            default -> null;
        };
    }

    /** The GPT-2 scanner (stateless, so one is shared). */
    static PretokenizerScanner gpt2() {
        return GPT2_SCANNER;
    }

    /**
     * The pieces GPT-2's pattern cuts {@code text} into, in order (they concatenate to {@code text}): the split of
     * HF's {@code ByteLevel} pre-tokenizer with {@code use_regex}, before its bytes become the byte-level alphabet.
     */
    public static List<String> splitGpt2(String text) {
        IntList m = new IntList(16);
        GPT2_SCANNER.findAll(text, m);
        List<String> out = new ArrayList<>(m.size() / 2);
        for (int i = 0; i < m.size(); i += 2) out.add(text.substring(m.get(i), m.get(i + 1)));
        return out;
    }

    @Override
    public void findAll(String s, IntList out) {
        int n = s.length();
        for (int i = 0; i < n; ) {
            int end = llama3Style ? matchLlama3(s, i, n) : matchGpt2(s, i, n);
            out.add(i);
            out.add(end);
            i = end;
        }
    }

    private int matchGpt2(String s, int i, int n) {
        int cp = s.codePointAt(i);
        if (cp == '\'') {
            int e = contraction(s, i, n, false);
            if (e > 0) return e;
        }
        if (cp == ' ' && i + 1 < n) {
            byte next = UnicodeClass.of(s.codePointAt(i + 1));
            if (next != SPACE) return run(s, i + 1, n, next);
        }
        byte c = UnicodeClass.of(cp);
        return c == SPACE ? spaces(s, i, n) : run(s, i, n, c);
    }

    private int matchLlama3(String s, int i, int n) {
        int cp = s.codePointAt(i);
        if (cp == '\'') {
            int e = contraction(s, i, n, true);
            if (e > 0) return e;
        }
        byte c = UnicodeClass.of(cp);
        int after = i + Character.charCount(cp);
        if (c == LETTER) return run(s, i, n, LETTER);
        if (c != NUMBER && cp != '\r' && cp != '\n' && after < n && UnicodeClass.of(s.codePointAt(after)) == LETTER)
            return run(s, after, n, LETTER);
        if (c == NUMBER) {
            int j = i;
            for (int k = 0; k < maxDigits && j < n; k++) {
                int d = s.codePointAt(j);
                if (UnicodeClass.of(d) != NUMBER) break;
                j += Character.charCount(d);
            }
            return j;
        }
        if (cp == ' ' && after < n && UnicodeClass.of(s.codePointAt(after)) == OTHER)
            return newlines(s, run(s, after, n, OTHER), n);
        if (c == OTHER) return newlines(s, run(s, i, n, OTHER), n);
        // whitespace: \s*[\r\n]+ ends after the last newline of the run, if there is one
        int j = run(s, i, n, SPACE);
        for (int k = j - 1; k >= i; k--) {
            char ch = s.charAt(k);
            if (ch == '\r' || ch == '\n') return k + 1;
        }
        return spaces(s, i, n);
    }

    /** {@code 's|'t|'re|'ve|'m|'ll|'d} at an apostrophe, case-insensitive as Oniguruma folds (ſ for s); the end, or 0. */
    private static int contraction(String s, int i, int n, boolean ignoreCase) {
        if (i + 1 >= n) return 0;
        char a = s.charAt(i + 1);
        if (ignoreCase) a = fold(a);
        switch (a) {
            case 's', 't', 'm', 'd' -> { return i + 2; }
            case 'r', 'v', 'l' -> {
                if (i + 2 >= n) return 0;
                char b = s.charAt(i + 2);
                if (ignoreCase) b = fold(b);
                char want = a == 'l' ? 'l' : 'e';
                return b == want ? i + 3 : 0;
            }
            default -> { return 0; }
        }
    }

    private static char fold(char c) {
        if (c == '\u017F') return 's';
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    /** The end of the run of class {@code cls} starting at {@code j}. */
    private static int run(String s, int j, int n, byte cls) {
        while (j < n) {
            int cp = s.codePointAt(j);
            if (UnicodeClass.of(cp) != cls) break;
            j += Character.charCount(cp);
        }
        return j;
    }

    private static int newlines(String s, int j, int n) {
        while (j < n && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) j++;
        return j;
    }

    /** {@code \s+(?!\S)|\s+}: a whitespace run, less its last character when a non-space follows it. */
    private static int spaces(String s, int i, int n) {
        int j = run(s, i, n, SPACE); // White_Space characters are all in the BMP: one char each
        return j < n && j - 1 > i ? j - 1 : j;
    }

    @Override
    public String toString() {
        return source;
    }
}
