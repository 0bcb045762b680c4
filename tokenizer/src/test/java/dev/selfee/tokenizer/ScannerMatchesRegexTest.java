package dev.selfee.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The hand-written scanner splits exactly as a backtracking regex engine does with the same pattern. */
class ScannerMatchesRegexTest {
    @Property(tries = 500)
    void gpt2(@ForAll("texts") String s) {
        same(PretokenizerScanner.GPT2, s);
    }

    @Property(tries = 500)
    void llama3(@ForAll("texts") String s) {
        same(PretokenizerScanner.LLAMA3, s);
    }

    @Property(tries = 500)
    void qwen2(@ForAll("texts") String s) {
        same(PretokenizerScanner.QWEN2, s);
    }

    private static void same(String pattern, String s) {
        IntList a = new IntList(8), b = new IntList(8);
        PretokenizerScanner.forPattern(pattern).findAll(s, a);
        new TextPattern.JavaRegex(pattern).findAll(s, b);
        assertArrayEquals(b.toArray(), a.toArray(), () -> "pattern " + pattern + " on " + HfParityTest.quote(s));
    }

    /** Short strings over the characters where the alternatives compete. */
    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.of("a", "Z", "é", "中", "ſ", "s", "S", "t", "r", "e", "E", "v", "m", "l", "L", "d", "'", "1", "٣", "²",
                        " ", "  ", "\t", "\n", "\r", "\u00A0", "\u3000", "\u2028", "\u000B", ".", "!", "-", "😀", "\u0301", "_")
                .list().ofMaxSize(14).map(l -> String.join("", l));
    }
}
