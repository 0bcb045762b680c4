package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainTokenizerCommandTest {
    private record Result(int code, String out, String err) { }

    private static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainsFromJsonlAndWritesLoadableFiles(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            sb.append("{\"prompt\": \"What is ").append(i).append(" plus one?\", \"chosen\": \"It is ").append(i + 1)
                    .append(".\", \"rejected\": \"I do not know.\"}\n");
        }
        Files.writeString(data, sb);
        Path out = dir.resolve("tok");
        Result r = run("train-tokenizer", "--data", data.toString(), "--vocab-size", "300", "--out", out.toString(),
                "--special-token", "<|im_start|>");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = new ObjectMapper().readTree(r.out());
        assertEquals(90, summary.get("documents").asInt());
        assertEquals(300, summary.get("vocab_size").asInt());
        assertEquals(3, summary.get("special_tokens").asInt());
        JsonNode tok = new ObjectMapper().readTree(out.resolve("tokenizer.json").toFile());
        assertEquals("BPE", tok.at("/model/type").asText());
        assertEquals(2, tok.at("/model/vocab/<|im_start|>").asInt());
        assertEquals(300 - 3 - 256, tok.at("/model/merges").size());
        assertEquals("<pad>", new ObjectMapper().readTree(out.resolve("tokenizer_config.json").toFile()).get("pad_token").asText());
    }

    @Test
    void aBadLineIsOneErrorNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("bad.jsonl");
        Files.writeString(data, "{\"text\": \"fine\"}\n{\"text\": \"also fine\"}\n{\"text\": [1, 2]}\n");
        Path out = dir.resolve("tok");
        Result r = run("train-tokenizer", "--data", data.toString(), "--vocab-size", "300", "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals("selfee train-tokenizer: " + data + ":3: field \"text\"[0] must be a message with a string \"content\"",
                r.err().strip());
        assertFalse(Files.exists(out), "nothing is written on bad input");
    }

    @Test
    void storesAChatTemplateThatTheTemplateEngineRenders(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"text\": \"hello world hello world\"}\n");
        Path template = dir.resolve("chat.jinja");
        Files.writeString(template, "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{{ eos_token }}{% endfor %}");
        Path out = dir.resolve("tok");
        Result r = run("train-tokenizer", "--data", data.toString(), "--vocab-size", "270", "--out", out.toString(),
                "--chat-template", template.toString());
        assertEquals(0, r.code(), r.err());
        var config = dev.selfee.tokenizer.template.ChatTemplateConfig.read(out.resolve("tokenizer_config.json"));
        assertEquals("<|user|>hi<|endoftext|>", config.template().render(java.util.List.of(java.util.Map.of("role", "user", "content", "hi")), false));

        Files.writeString(template, "line 1\n{{ oops( }}");
        Result bad = run("train-tokenizer", "--data", data.toString(), "--vocab-size", "270", "--out", dir.resolve("t2").toString(),
                "--chat-template", template.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("selfee train-tokenizer: " + template + ": chat template line 2, column 10: "), bad.err());
    }

    @Test
    void aTooSmallVocabularyIsExplained(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"text\": \"fine\"}\n");
        Result r = run("train-tokenizer", "--data", data.toString(), "--vocab-size", "100", "--out", dir.resolve("t").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("vocab size 100 is below the 258 needed"), r.err());
    }
}
