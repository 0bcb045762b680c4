package dev.selfee.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written scanner must split exactly like the GPT-2 pattern (Unicode classes). */
class Gpt2PreTokenizerTest {
    private static final Pattern REGEX = Pattern.compile(Gpt2PreTokenizer.PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
    /** Pieces that exercise every alternative: contractions, spaces of several kinds, letters, digits, marks. */
    private static final String[] ATOMS = {"'", "s", "t", "re", "ve", "m", "ll", "d", "'s", "'ll", "'D", " ", "  ", "\t",
        "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u001f", "a", "Z", "é", "日本", "Ω", "1", "42", "\u0663", "\u2163", "½",
        ".", ",!?", "-", "😀", "👍🏽", "\u0301", "_", "#", "\u200b", "x"};

    private static List<String> regexSplit(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = REGEX.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    @Test
    void matchesThePatternOnEdgeCases() {
        for (String s : new String[] {"", " ", "  ", "a", " a", "  a", "a  ", "a \n b", "\n\na", "it's", "it 's", "'''s",
            "don't stop", "x'Ll", "end   ", "\t\t x", "1 2  3", "a\u00a0b", "\u00a0\u00a0a", "😀😀 😀", "e\u0301t\u0301é"}) {
            assertEquals(regexSplit(s), Gpt2PreTokenizer.split(s), "'" + s + "'");
        }
    }

    @Test
    void matchesThePatternOnRandomText() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(12);
            for (int k = 0; k < len; k++) sb.append(ATOMS[r.nextInt(ATOMS.length)]);
            String s = sb.toString();
            assertEquals(regexSplit(s), Gpt2PreTokenizer.split(s), "'" + s + "'");
        }
    }
}
