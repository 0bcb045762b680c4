package dev.selfee.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Megabyte-long single words encode correctly (the timeout only guards against the quadratic or backtracking
 * blow-ups these inputs provoke; speed is measured by {@code selfee bench tokenize}).
 */
@Timeout(60)
class LongInputTest {
    private static final int MB = 1 << 20;

    @Test
    void byteLevelWords() {
        for (String name : new String[] {TestTokenizers.GPT2, TestTokenizers.QWEN3}) {
            Tokenizer t = TestTokenizers.get(name);
            for (String unit : new String[] {"a", " ", "1", "\n ", "é", "!?"}) {
                String s = unit.repeat(MB / unit.length());
                assertEquals(s, t.decode(t.encode(s, false)), name + ": " + HfParityTest.quote(unit) + " repeated");
            }
        }
    }

    @Test
    void sentencePieceSegment() {
        // no pre-tokenizer: the whole text is one BPE word
        Tokenizer t = TestTokenizers.get(TestTokenizers.MISTRAL);
        String s = "the quick brown fox 中文 ".repeat(MB / 24);
        assertEquals(s.strip(), t.decode(t.encode(s, false)).strip());
    }
}
