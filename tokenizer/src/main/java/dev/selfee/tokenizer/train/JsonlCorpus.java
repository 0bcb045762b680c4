package dev.selfee.tokenizer.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Training documents from a JSON Lines file: each line's string fields {@code text}, {@code prompt},
 * {@code completion}, {@code chosen} and {@code rejected} are separate documents; a field holding a message
 * list ({@code [{"role", "content"}]}) contributes each content string. Blank lines are skipped.
 */
public final class JsonlCorpus {
    public static final List<String> FIELDS = List.of("text", "prompt", "completion", "chosen", "rejected");
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlCorpus() {
    }

    /** The documents of {@code file}; a bad line throws {@link IllegalArgumentException} naming file and line. */
    public static List<String> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
        List<String> docs = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                try {
                    docs.addAll(documents(line));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ":" + n + ": " + e.getMessage());
                }
            }
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not valid UTF-8");
        }
        if (docs.isEmpty()) throw new IllegalArgumentException(file + ": no documents (the file is empty)");
        return docs;
    }

    private static List<String> documents(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException("expected a JSON object");
        List<String> out = new ArrayList<>();
        for (String field : FIELDS) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) continue;
            if (v.isTextual()) {
                out.add(v.asText());
            } else if (v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    JsonNode content = v.get(i).get("content");
                    if (content == null || !content.isTextual()) {
                        throw new IllegalArgumentException("field \"" + field + "\"[" + i + "] must be a message with a string \"content\"");
                    }
                    out.add(content.asText());
                }
            } else {
                throw new IllegalArgumentException("field \"" + field + "\" must be a string or a list of messages");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no text: expected one of the fields " + FIELDS);
        return out;
    }
}
