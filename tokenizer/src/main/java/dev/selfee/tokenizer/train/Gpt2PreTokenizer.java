package dev.selfee.tokenizer.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The GPT-2 split HF's {@code ByteLevel} pre-tokenizer applies with {@code use_regex: true}: contractions,
 * letters and digits with an optional leading space, punctuation runs, and whitespace. Hand-written as a
 * scanner over code points (the regex engine was most of the training time); a property test holds it
 * equal to {@link #PATTERN} with Unicode classes.
 */
public final class Gpt2PreTokenizer {
    /** The pattern this scanner implements, exactly as HF tokenizers' ByteLevel pre-tokenizer defines it. */
    public static final String PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private Gpt2PreTokenizer() {
    }

    /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length(), i = 0;
        while (i < n) {
            int end = match(text, i);
            out.add(text.substring(i, end));
            i = end;
        }
        return out;
    }

    /** The end of the piece starting at {@code i}: the first alternative of the pattern that matches. */
    private static int match(String s, int i) {
        int n = s.length();
        int c = s.codePointAt(i);
        if (c == '\'' && i + 1 < n) {
            int e = contraction(s, i + 1);
            if (e > 0) return e;
        }
        int start = c == ' ' && i + 1 < n ? i + 1 : i; // the optional leading space of the next three alternatives
        int first = s.codePointAt(start);
        if (start > i || !isSpace(first)) {
            int kind = kind(first);
            if (kind != SPACE) {
                int j = start;
                while (j < n) {
                    int cp = s.codePointAt(j);
                    if (kind(cp) != kind) break;
                    j += Character.charCount(cp);
                }
                return j;
            }
        }
        // whitespace: \s+(?!\S) keeps the last space for the next word unless the run ends the text; else \s+
        int j = i;
        int last = i;
        while (j < n && isSpace(s.codePointAt(j))) {
            last = j;
            j += Character.charCount(s.codePointAt(j));
        }
        if (j == n || last == i) return j;
        return last;
    }

    private static int contraction(String s, int k) {
        for (String suffix : new String[] {"s", "t", "re", "ve", "m", "ll", "d"}) {
            if (s.startsWith(suffix, k)) return k + suffix.length();
        }
        return -1;
    }

    private static final int LETTER = 0, NUMBER = 1, OTHER = 2, SPACE = 3;

    private static int kind(int cp) {
        if (isSpace(cp)) return SPACE;
        if (Character.isLetter(cp)) return LETTER;
        int t = Character.getType(cp);
        if (t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER) return NUMBER;
        return OTHER;
    }

    /** Unicode White_Space, what {@code \s} matches in the regex engines HF uses. */
    static boolean isSpace(int c) {
        return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a)
                || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }
}
