package dev.selfee.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vocabulary, special-token ids from tokenizer_config.json, the ways to load, streaming. */
class TokenizerApiTest {
    @Test
    void qwen3Vocabulary() {
        Tokenizer t = TestTokenizers.get(TestTokenizers.QWEN3);
        assertEquals(151669, t.vocabSize());
        assertEquals(-1, t.bosId());
        assertEquals("<|im_end|>", t.eosToken());
        assertEquals(151645, t.eosId());
        assertEquals(151643, t.padId());
        assertEquals(151644, t.tokenToId("<|im_start|>"));
        assertEquals("<|im_start|>", t.idToToken(151644));
        assertEquals("Ġthe", t.idToToken(279));
        assertEquals(279, t.tokenToId("Ġthe"));
        assertEquals(-1, t.tokenToId("no such token"));
        assertNull(t.idToToken(-5));
        assertNull(t.idToToken(10_000_000));
        assertTrue(t.specialTokens().contains("<|endoftext|>"));
        assertTrue(t.isSpecial(151644));
        assertFalse(t.isSpecial(279));
        // <think> is an added token that is not special: it survives skip_special_tokens
        int think = t.tokenToId("<think>");
        assertFalse(t.isSpecial(think));
        assertEquals("<think>hi", t.decode(new int[] {151644, think, t.tokenToId("hi")}, true));
    }

    @Test
    void preTokenizeShowsTheWordsTheModelSees() {
        assertEquals(List.of("Hello", "Ġworld", ",", "Ġ", "1", "2", "3", "ĠâĤ¬"),
                TestTokenizers.get(TestTokenizers.QWEN3).preTokenize("Hello world, 123 €"));
        assertEquals(List.of("▁Hello▁world"), TestTokenizers.get(TestTokenizers.MISTRAL).preTokenize("Hello world"));
        assertEquals("ĠâĤ¬", ByteLevelAlphabet.encode(" €"));
        assertEquals('Ġ', ByteLevelAlphabet.charOf(' '));
        assertEquals(' ', ByteLevelAlphabet.byteOf('Ġ'));
        assertEquals(-1, ByteLevelAlphabet.byteOf('€'));
    }

    @Test
    void byteAlphabetRoundTripsEveryByte() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 256; i++) sb.append(ByteLevelAlphabet.charOf(i));
        assertArrayEquals(all, ByteLevelAlphabet.decode(sb.toString()));
        assertEquals('Ġ', ByteLevelAlphabet.charOf(' '));
        assertEquals('Ċ', ByteLevelAlphabet.charOf('\n'));
        assertEquals(256, sb.chars().distinct().count());
        assertThrows(IllegalArgumentException.class, () -> ByteLevelAlphabet.decode("€"));
        // a lone surrogate has no UTF-8 form: it is written as U+FFFD, as the encoder reads it
        assertEquals(ByteLevelAlphabet.encode("a\uFFFDb\uFFFD"), ByteLevelAlphabet.encode("a\uD800b\uDC00"));
    }

    @Test
    void encodesFromManyThreadsAtOnce() throws Exception {
        Tokenizer t = TestTokenizers.get(TestTokenizers.QWEN3);
        List<String> texts = new ArrayList<>();
        for (var row : TestTokenizers.json(TestTokenizers.QWEN3, "hf_random.json")) texts.add(row.get("text").asText());
        List<int[]> expected = texts.stream().map(s -> t.encode(s, false)).toList();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int offset = w;
                results.add(pool.submit(() -> {
                    for (int k = 0; k < texts.size(); k++) {
                        int i = (k * 7 + offset * 101) % texts.size();
                        if (!java.util.Arrays.equals(expected.get(i), t.encode(texts.get(i), false))) return false;
                    }
                    return true;
                }));
            }
            for (var r : results) assertTrue(r.get());
        }
    }

    @Test
    void chatTemplateComesFromTheConfig() {
        assertTrue(TestTokenizers.get(TestTokenizers.QWEN3).chatTemplate().contains("<|im_start|>"));
        assertNull(TestTokenizers.get(TestTokenizers.MISTRAL).chatTemplate());
        assertNull(TestTokenizers.get(TestTokenizers.GPT2).chatTemplate());
    }

    @Test
    void specialTokensMapAndTemplateFileBesideTokenizerJson(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), TestTokenizers.gunzip(TestTokenizers.dir(TestTokenizers.MISTRAL).resolve("tokenizer.json.gz")));
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\", \"pad_token\": \"<unk>\"}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": null, \"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"D\"}]}");
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals(0, t.padId());
        assertEquals("D", t.chatTemplate());
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages }}");
        assertEquals("{{ messages }}", Tokenizer.load(dir.resolve("tokenizer.json")).chatTemplate());
    }

    @Test
    void mistralSpecialTokens() {
        Tokenizer t = TestTokenizers.get(TestTokenizers.MISTRAL);
        assertEquals(32000, t.vocabSize());
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals(0, t.unkId());
        assertEquals(-1, t.padId());
        assertEquals(List.of("<unk>", "<s>", "</s>"), t.specialTokens());
        assertEquals(1, t.encode("Hi")[0]);
        assertEquals(1, t.encode("Hi", true).length - t.encode("Hi", false).length);
    }

    @Test
    void gpt2LegacyFiles() {
        Tokenizer t = TestTokenizers.get(TestTokenizers.GPT2);
        assertEquals(50257, t.vocabSize());
        assertEquals(50256, t.bosId());
        assertEquals(50256, t.eosId());
        assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world"));
    }

    @Test
    void loadsATokenizerJsonFileOrItsDirectory(@TempDir Path dir) throws IOException {
        Path src = TestTokenizers.dir(TestTokenizers.MISTRAL);
        Files.writeString(dir.resolve("tokenizer.json"), TestTokenizers.gunzip(src.resolve("tokenizer.json.gz")));
        Tokenizer fromFile = Tokenizer.load(dir.resolve("tokenizer.json"));
        assertEquals(-1, fromFile.bosId()); // no tokenizer_config.json beside it yet
        Files.copy(src.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Tokenizer fromDir = Tokenizer.load(dir);
        assertEquals(1, fromDir.bosId());
        assertArrayEquals(TestTokenizers.get(TestTokenizers.MISTRAL).encode("Bonjour, monde"), fromDir.encode("Bonjour, monde"));
    }

    @Test
    void streamingWaitsForWholeCharacters() {
        Tokenizer t = TestTokenizers.get(TestTokenizers.QWEN3);
        int[] ids = t.encode("a🫠b", false); // 🫠: its four bytes are three tokens
        StreamingDecoder d = t.streamingDecoder(false);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(d.step(id));
        assertTrue(ids.length > 3, "the emoji takes several byte tokens");
        assertEquals("a", pieces.getFirst());
        assertEquals("b", pieces.getLast());
        assertEquals(List.of("🫠"), pieces.subList(1, pieces.size() - 1).stream().filter(p -> p != null).toList());
        assertEquals("", d.finish());
    }

    @Test
    void streamingKeepsSentencePieceSpaces() {
        Tokenizer t = TestTokenizers.get(TestTokenizers.MISTRAL);
        StreamingDecoder d = t.streamingDecoder(true);
        StringBuilder sb = new StringBuilder();
        for (int id : t.encode("Hello there, general Kenobi.", true)) {
            String p = d.step(id);
            if (p != null) sb.append(p);
        }
        assertEquals("Hello there, general Kenobi.", sb.toString());
    }

    @Test
    void invalidBytesDecodeToReplacementCharacters() {
        Tokenizer gpt2 = TestTokenizers.get(TestTokenizers.GPT2);
        // "ð" alone is byte 0xF0: the start of a 4-byte character that never comes
        int lead = gpt2.tokenToId("ð");
        assertEquals("\uFFFDa", gpt2.decode(new int[] {lead, gpt2.tokenToId("a")}));
        Tokenizer mistral = TestTokenizers.get(TestTokenizers.MISTRAL);
        int f0 = mistral.tokenToId("<0xF0>"), x41 = mistral.tokenToId("<0x41>"), hi = mistral.tokenToId("▁hi");
        // byte fallback: an invalid run of byte tokens becomes one U+FFFD per byte, a valid one its text
        assertEquals("\uFFFD\uFFFD\uFFFD", mistral.decode(new int[] {f0, f0, x41}));
        assertEquals("\uFFFD\uFFFD hi", mistral.decode(new int[] {f0, f0, hi}));
        assertEquals("A", mistral.decode(new int[] {x41}));
    }

    @Test
    void loneSurrogatesEncodeAsReplacementCharacter() {
        Tokenizer t = TestTokenizers.get(TestTokenizers.QWEN3);
        assertArrayEquals(t.encode("a\uFFFDb"), t.encode("a\uD800b"));
        assertArrayEquals(t.encode("\uFFFD"), t.encode("\uDC00"));
        assertArrayEquals(t.encode("😀\uFFFD😀\uFFFD"), t.encode("😀\uD800😀\uDBFF"));
    }
}
