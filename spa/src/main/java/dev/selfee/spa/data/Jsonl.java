package dev.selfee.spa.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSON Lines files: one JSON object per line; blank lines are skipped; errors name file and line. */
public final class Jsonl {
    public static final ObjectMapper JSON = new ObjectMapper();

    private Jsonl() {}

    /** Parses one line's object into a value; throws {@link IllegalArgumentException} naming the field on bad content. */
    @FunctionalInterface
    public interface LineParser<T> {
        T parse(JsonNode obj);
    }

    /** One object of a JSON Lines file and where it stands, for checks made after reading. */
    public record Line(Path file, long number, JsonNode json) {
        /** An error naming this file and line. */
        public DataException error(String problem) {
            return new DataException(file, number, problem);
        }

        public boolean has(String field) {
            return json.hasNonNull(field);
        }

        /** The integer-array field {@code field}, or an error naming this line and the field. */
        public int[] ids(String field) {
            try {
                return requireIntArray(json, field);
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }
    }

    /** Reads every non-blank line of {@code file} with {@code parser}. An empty file is an error. */
    public static <T> List<T> read(Path file, LineParser<T> parser) {
        List<T> out = new ArrayList<>();
        forEachObject(file, line -> {
            try {
                out.add(parser.parse(line.json()));
            } catch (IllegalArgumentException e) {
                throw line.error(e.getMessage());
            }
        });
        return out;
    }

    /** Every non-blank line of {@code file} as an object with its line number. An empty file is an error. */
    public static List<Line> lines(Path file) {
        List<Line> out = new ArrayList<>();
        forEachObject(file, out::add);
        return out;
    }

    private static void forEachObject(Path file, java.util.function.Consumer<Line> each) {
        if (!Files.isRegularFile(file)) throw new DataException(file, 0, "no such file");
        boolean any = false;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new DataException(file, n, "not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (node == null || !node.isObject()) throw new DataException(file, n, "expected a JSON object");
                any = true;
                each.accept(new Line(file, n, node));
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new DataException(file, 0, "not valid UTF-8");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        if (!any) throw new DataException(file, 0, "no records (the file is empty)");
    }

    /** The string field {@code name}, or an error naming it. */
    public static String requireString(JsonNode obj, String name) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) throw new IllegalArgumentException("missing field \"" + name + "\"");
        if (!v.isTextual()) throw new IllegalArgumentException("field \"" + name + "\" must be a string");
        return v.asText();
    }

    /** The integer-array field {@code name}, or an error naming it. */
    public static int[] requireIntArray(JsonNode obj, String name) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) throw new IllegalArgumentException("missing field \"" + name + "\"");
        if (!v.isArray()) throw new IllegalArgumentException("field \"" + name + "\" must be an array of integers");
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = v.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new IllegalArgumentException("field \"" + name + "\"[" + i + "] must be an integer, got " + e);
            }
            out[i] = e.intValue();
        }
        return out;
    }
}
