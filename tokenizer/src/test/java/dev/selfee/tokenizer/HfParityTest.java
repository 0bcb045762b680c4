package dev.selfee.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every text of tools/make_tokenizer_fixtures.py's corpus encodes and decodes exactly as HF tokenizers did. */
class HfParityTest {
    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.GPT2, TestTokenizers.MISTRAL, TestTokenizers.QWEN3, TestTokenizers.SYNTHETIC_BYTELEVEL,
            TestTokenizers.SYNTHETIC_METASPACE, TestTokenizers.SYNTHETIC_GENERIC})
    void matchesHuggingFace(String name) {
        Tokenizer tok = TestTokenizers.get(name);
        List<String> failures = new ArrayList<>();
        int count = 0;
        for (JsonNode row : TestTokenizers.fixtures(name)) {
            count++;
            String text = row.get("text").asText();
            int[] ids = ints(row.get("ids")), plain = ints(row.get("ids_no_special"));
            check(failures, text, "ids", ids, tok.encode(text, true));
            check(failures, text, "ids_no_special", plain, tok.encode(text, false));
            String decoded = tok.decode(ids, false), skipped = tok.decode(ids, true);
            if (!decoded.equals(row.get("decoded").asText())) failures.add(quote(text) + " decoded " + quote(decoded) + " expected " + quote(row.get("decoded").asText()));
            if (!skipped.equals(row.get("decoded_skip_special").asText())) failures.add(quote(text) + " decoded(skip) " + quote(skipped) + " expected " + quote(row.get("decoded_skip_special").asText()));
        }
        assertEquals(List.of(), failures, name + ": " + failures.size() + " mismatches of " + count + " texts");
    }

    /** 400 seeded random strings per tokenizer (hf_random.json) encode and decode exactly as in HF. */
    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.GPT2, TestTokenizers.MISTRAL, TestTokenizers.QWEN3, TestTokenizers.SYNTHETIC_BYTELEVEL,
            TestTokenizers.SYNTHETIC_METASPACE, TestTokenizers.SYNTHETIC_GENERIC})
    void matchesHuggingFaceOnRandomText(String name) {
        Tokenizer tok = TestTokenizers.get(name);
        List<String> failures = new ArrayList<>();
        JsonNode rows = TestTokenizers.json(name, "hf_random.json");
        for (JsonNode row : rows) {
            String text = row.get("text").asText();
            int[] ids = ints(row.get("ids"));
            check(failures, text, "ids", ids, tok.encode(text, true));
            String decoded = tok.decode(ids, false);
            if (!decoded.equals(row.get("decoded").asText())) failures.add(quote(text) + " decoded " + quote(decoded) + " expected " + quote(row.get("decoded").asText()));
        }
        assertEquals(List.of(), failures, name + ": " + failures.size() + " mismatches of " + rows.size() + " texts");
    }

    /** Where HF's decode gives the text back, ours does too (NFC normalization and SentencePiece spaces are why it may not). */
    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.GPT2, TestTokenizers.MISTRAL, TestTokenizers.QWEN3})
    void roundTripsWhereHuggingFaceDoes(String name) {
        Tokenizer tok = TestTokenizers.get(name);
        int checked = 0;
        for (JsonNode row : TestTokenizers.fixtures(name)) {
            String text = row.get("text").asText();
            if (!row.get("decoded_skip_special").asText().equals(text)) continue;
            assertEquals(text, tok.decode(tok.encode(text, true), true), "round trip of " + quote(text));
            checked++;
        }
        assertTrue(checked > 20, name + ": only " + checked + " texts round-trip in HF");
    }

    private static void check(List<String> failures, String text, String what, int[] expected, int[] actual) {
        if (!java.util.Arrays.equals(expected, actual))
            failures.add(quote(text) + " " + what + " " + java.util.Arrays.toString(actual) + " expected " + java.util.Arrays.toString(expected));
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().limit(60).forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7F && cp < 0xA1) || Character.isWhitespace(cp) && cp != ' ') sb.append(String.format("\\u%04X", cp));
            else sb.appendCodePoint(cp);
        });
        return sb.append(s.codePointCount(0, s.length()) > 60 ? "...\"" : "\"").toString();
    }

}
