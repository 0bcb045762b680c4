package dev.selfee.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/** The real tokenizers under test/resources/tokenizers, loaded once per test run, and their HF fixtures. */
final class TestTokenizers {
    static final String GPT2 = "gpt2", MISTRAL = "mistral", QWEN3 = "qwen3";
    static final String SYNTHETIC_BYTELEVEL = "synthetic_bytelevel", SYNTHETIC_METASPACE = "synthetic_metaspace",
            SYNTHETIC_GENERIC = "synthetic_generic";
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private TestTokenizers() {}

    static Path dir(String name) {
        try {
            return Path.of(TestTokenizers.class.getResource("/tokenizers/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Tokenizer get(String name) {
        return LOADED.computeIfAbsent(name, TestTokenizers::load);
    }

    private static Tokenizer load(String name) {
        Path d = dir(name);
        if (Files.exists(d.resolve("encoder.json")) || Files.exists(d.resolve("tokenizer.json"))) return Tokenizer.load(d);
        try {
            String config = Files.readString(d.resolve("tokenizer_config.json"));
            return Tokenizer.fromJson(gunzip(d.resolve("tokenizer.json.gz")), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String gunzip(Path gz) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static JsonNode fixtures(String name) {
        return json(name, "hf_encodings.json");
    }

    static JsonNode json(String name, String file) {
        try {
            return new ObjectMapper().readTree(dir(name).resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
