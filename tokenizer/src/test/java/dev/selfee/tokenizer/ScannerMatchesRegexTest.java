package dev.selfee.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

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

    private static final Pattern GPT2_REGEX = Pattern.compile(PretokenizerScanner.GPT2, Pattern.UNICODE_CHARACTER_CLASS);
    /** Pieces that exercise every GPT-2 alternative: contractions, spaces of several kinds, letters, digits, marks. */
    private static final String[] GPT2_ATOMS = {"'", "s", "t", "re", "ve", "m", "ll", "d", "'s", "'ll", "'D", " ", "  ", "\t",
        "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u001f", "a", "Z", "é", "日本", "Ω", "1", "42", "\u0663", "\u2163", "½",
        ".", ",!?", "-", "😀", "👍🏽", "\u0301", "_", "#", "\u200b", "x"};

    private static List<String> gpt2RegexSplit(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2_REGEX.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    /** {@link PretokenizerScanner#splitGpt2}, which the BPE trainer counts words with, splits as the GPT-2 regex. */
    @Test
    void splitGpt2MatchesThePatternOnEdgeCases() {
        for (String s : new String[] {"", " ", "  ", "a", " a", "  a", "a  ", "a \n b", "\n\na", "it's", "it 's", "'''s",
            "don't stop", "x'Ll", "end   ", "\t\t x", "1 2  3", "a\u00a0b", "\u00a0\u00a0a", "😀😀 😀", "e\u0301t\u0301é"}) {
            assertEquals(gpt2RegexSplit(s), PretokenizerScanner.splitGpt2(s), "'" + s + "'");
        }
    }

    @Test
    void splitGpt2MatchesThePatternOnRandomText() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(12);
            for (int k = 0; k < len; k++) sb.append(GPT2_ATOMS[r.nextInt(GPT2_ATOMS.length)]);
            String s = sb.toString();
            assertEquals(gpt2RegexSplit(s), PretokenizerScanner.splitGpt2(s), "'" + s + "'");
        }
    }

    /** Short strings over the characters where the alternatives compete. */
    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.of("a", "Z", "é", "中", "ſ", "s", "S", "t", "r", "e", "E", "v", "m", "l", "L", "d", "'", "1", "٣", "²",
                        " ", "  ", "\t", "\n", "\r", "\u00A0", "\u3000", "\u2028", "\u000B", ".", "!", "-", "😀", "\u0301", "_")
                .list().ofMaxSize(14).map(l -> String.join("", l));
    }
}
