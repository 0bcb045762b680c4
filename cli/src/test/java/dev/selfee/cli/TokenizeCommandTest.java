package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.tokenizer.ByteLevelAlphabet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code selfee tokenize} and {@code selfee bench tokenize} on a small byte-level tokenizer written by the test. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    Path tokenizer;

    /** GPT-2's byte alphabet as the vocabulary, BOS at 256, two merges: "he" (257) and "ll" (258). */
    @BeforeEach
    void writeTokenizer() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode vocab = JSON.createObjectNode();
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        vocab.put("he", 257);
        vocab.put("ll", 258);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.set("vocab", vocab);
        model.putArray("merges").add("h e").add("l l");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false);
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>");
        ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A");
        post.putObject("special_tokens").putObject("<s>").put("id", "<s>").putArray("ids").add(256);
        ObjectNode bos = root.putArray("added_tokens").addObject();
        bos.put("id", 256).put("content", "<s>").put("special", true).put("normalized", false);
        tokenizer = dir.resolve("tok");
        Files.createDirectories(tokenizer);
        Files.writeString(tokenizer.resolve("tokenizer.json"), root.toString());
        Files.writeString(tokenizer.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
    }

    @Test
    void encodesAndDecodesJsonl() throws IOException {
        Path in = dir.resolve("in.jsonl"), ids = dir.resolve("ids.jsonl"), back = dir.resolve("back.jsonl");
        Files.writeString(in, "{\"text\": \"hello\"}\n\n{\"text\": \"<s>é\"}\n");
        assertEquals(0, Main.run("tokenize", "--tokenizer", tokenizer.toString(), "--input", in.toString(), "--out", ids.toString()));
        assertEquals(List.of("{\"ids\":[257,258,111]}", "{\"ids\":[256,195,169]}"), Files.readAllLines(ids));

        assertEquals(0, Main.run("tokenize", "--tokenizer", tokenizer.resolve("tokenizer.json").toString(), "--input", in.toString(),
                "--out", ids.toString(), "--add-special-tokens"));
        assertEquals("{\"ids\":[256,257,258,111]}", Files.readAllLines(ids).getFirst());

        assertEquals(0, Main.run("tokenize", "--decode", "--tokenizer", tokenizer.toString(), "--input", ids.toString(), "--out", back.toString()));
        assertEquals(List.of("{\"text\":\"<s>hello\"}", "{\"text\":\"<s><s>é\"}"), Files.readAllLines(back));
        assertEquals(0, Main.run("tokenize", "--decode", "--skip-special-tokens", "--tokenizer", tokenizer.toString(),
                "--input", ids.toString(), "--out", back.toString()));
        assertEquals(List.of("{\"text\":\"hello\"}", "{\"text\":\"é\"}"), Files.readAllLines(back));
    }

    @Test
    void malformedLineNamesFileAndLineAndWritesNothing() throws IOException {
        Path in = dir.resolve("in.jsonl"), out = dir.resolve("out.jsonl");
        Files.writeString(in, "{\"text\": \"fine\"}\n{\"text\": \"also fine\"}\n{\"text\": unquoted}\n");
        String err = stderrOf(1, "tokenize", "--tokenizer", tokenizer.toString(), "--input", in.toString(), "--out", out.toString());
        assertTrue(err.startsWith("selfee tokenize: " + in + " line 3: not valid JSON"), err);
        assertEquals(1, err.lines().count(), err);
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count());
        }

        Files.writeString(in, "{\"text\": \"fine\"}\n{\"prompt\": \"x\"}\n");
        err = stderrOf(1, "tokenize", "--tokenizer", tokenizer.toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals("selfee tokenize: " + in + " line 2: expected an object with a string \"text\"", err.strip());

        Files.writeString(in, "{\"ids\": [1, 2.5]}\n");
        err = stderrOf(1, "tokenize", "--decode", "--tokenizer", tokenizer.toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals("selfee tokenize: " + in + " line 1: ids[1] is not an integer", err.strip());
        assertFalse(Files.exists(out));
    }

    @Test
    void badTokenizerIsOneLine() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"text\": \"x\"}\n");
        Files.writeString(tokenizer.resolve("tokenizer.json"), "{\"model\": {\"type\": \"WordPiece\"}}");
        String err = stderrOf(1, "tokenize", "--tokenizer", tokenizer.toString(), "--input", in.toString(), "--out", dir.resolve("o").toString());
        assertEquals("selfee tokenize: " + tokenizer.resolve("tokenizer.json") + ": model type 'WordPiece' is not supported (supported: BPE)", err.strip());
    }

    @Test
    void benchPrintsThroughput() throws IOException {
        Path text = dir.resolve("corpus.txt");
        Files.writeString(text, "hello world\nhe said hello\n".repeat(200));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run("bench", "tokenize", "--tokenizer", tokenizer.toString(), "--input", text.toString(), "--seconds", "0.2"));
        } finally {
            System.setOut(old);
        }
        JsonNode o = JSON.readTree(buf.toString(StandardCharsets.UTF_8).strip());
        assertEquals("tokenize", o.get("op").asText());
        assertEquals(400, o.get("lines").asInt());
        assertTrue(o.get("mb_per_s").asDouble() > 0, o.toString());
        // "hello world" → he ll o Ġ w o r l d = 9 tokens, "he said hello" → he Ġ s a i d Ġ he ll o = 10
        assertEquals(200 * 19, o.get("tokens").asInt());
    }

    private static String stderrOf(int expectedCode, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedCode, Main.run(args));
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
