package dev.selfee.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The records of a JSONL file (blank lines skipped); every error names the file and the line. */
final class JsonlFile {
    /** One JSON object and where it came from. */
    record Line(Path file, int number, JsonNode json) {
        IllegalArgumentException error(String problem) {
            return new IllegalArgumentException(file + ":" + number + ": " + problem);
        }

        boolean has(String field) {
            return json.hasNonNull(field);
        }

        /** The integer array {@code field}. */
        int[] ids(String field) {
            JsonNode a = json.get(field);
            if (a == null || a.isNull()) throw error("missing field '" + field + "'");
            if (!a.isArray()) throw error("field '" + field + "' must be an array of token ids");
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode v = a.get(i);
                if (!v.isIntegralNumber() || !v.canConvertToInt()) throw error("field '" + field + "' item " + i + " is not an integer token id: " + v);
                out[i] = v.asInt();
            }
            return out;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlFile() {}

    static List<Line> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
        }
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i);
            if (s.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(s);
            } catch (JacksonException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (n == null || !n.isObject()) throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected a JSON object");
            out.add(new Line(file, i + 1, n));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no records");
        return out;
    }
}
