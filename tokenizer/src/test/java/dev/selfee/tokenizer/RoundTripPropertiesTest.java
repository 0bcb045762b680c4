package dev.selfee.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.Normalizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Byte-level tokenizers lose nothing: any text (outside Qwen's NFC step) decodes back to itself; streaming id by id gives the same text. */
class RoundTripPropertiesTest {
    @Property(tries = 300)
    void gpt2RoundTrips(@ForAll("texts") String s) {
        Tokenizer tok = TestTokenizers.get(TestTokenizers.GPT2);
        int[] ids = tok.encode(s, true);
        assertEquals(s, tok.decode(ids, false));
        assertEquals(s, streamed(tok, ids));
    }

    /** Qwen normalizes to NFC the text between its added tokens, which are split out first (as in HF). */
    @Property(tries = 300)
    void qwen3RoundTripsUpToNfc(@ForAll("texts") String s) {
        Tokenizer tok = TestTokenizers.get(TestTokenizers.QWEN3);
        int[] ids = tok.encode(s, true);
        assertEquals(nfcBetween(s, "<|endoftext|>", "<|im_start|>"), tok.decode(ids, false));
        assertEquals(tok.decode(ids, false), streamed(tok, ids));
    }

    /** NFC of each piece of {@code s} between occurrences of the given tokens (the only ones {@link #texts()} makes). */
    private static String nfcBetween(String s, String... tokens) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int i = 0; i < s.length(); ) {
            String hit = null;
            for (String t : tokens) if (s.startsWith(t, i)) hit = t;
            if (hit == null) {
                i++;
                continue;
            }
            out.append(Normalizer.normalize(s.substring(start, i), Normalizer.Form.NFC)).append(hit);
            i += hit.length();
            start = i;
        }
        return out.append(Normalizer.normalize(s.substring(start), Normalizer.Form.NFC)).toString();
    }

    @Property(tries = 200)
    void mistralStreamsWhatItDecodes(@ForAll("texts") String s) {
        Tokenizer tok = TestTokenizers.get(TestTokenizers.MISTRAL);
        int[] ids = tok.encode(s, true);
        assertEquals(tok.decode(ids, true), streamed(tok, ids));
    }

    private static String streamed(Tokenizer tok, int[] ids) {
        StreamingDecoder d = tok.streamingDecoder(tok == TestTokenizers.get(TestTokenizers.MISTRAL));
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = d.step(id);
            if (piece != null) sb.append(piece);
        }
        return sb.append(d.finish()).toString();
    }

    /** Strings mixing ASCII, whitespace of all kinds, apostrophes, letters and digits of many scripts, marks, emoji, special tokens. */
    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> pieces = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(8),
                Arbitraries.of(" ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u2003", "\u3000", "\u0085", "\u2028", "'s", "'LL", "'ſ", "'"),
                Arbitraries.strings().withCharRange('\u00C0', '\u024F').ofMaxLength(4),
                Arbitraries.strings().withCharRange('\u0300', '\u036F').ofMaxLength(3),
                Arbitraries.strings().withCharRange('\u0600', '\u06FF').ofMaxLength(4),
                Arbitraries.strings().withCharRange('\u4E00', '\u9FFF').ofMaxLength(4),
                Arbitraries.strings().withCharRange('\uAC00', '\uD7A3').ofMaxLength(3),
                Arbitraries.strings().numeric().ofMaxLength(6),
                Arbitraries.integers().between(0x1F300, 0x1FAFF).map(Character::toString),
                Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString),
                Arbitraries.of("\u200D", "\uFE0F", "\uFFFD", "<|endoftext|>", "<|im_start|>", "<s>", "</s>", "<0x41>", "\u2581"));
        return pieces.list().ofMaxSize(12).map(l -> String.join("", l));
    }
}
