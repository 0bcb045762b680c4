package dev.selfee.engine.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Typed fields of one JSON object read from a file; every error names the file and the field. */
final class JsonFields {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path file;
    private final JsonNode node;
    private final String prefix;

    private JsonFields(Path file, JsonNode node, String prefix) {
        this.file = file;
        this.node = node;
        this.prefix = prefix;
    }

    static JsonFields read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such file", e);
        } catch (JacksonException e) {
            throw new CheckpointException(file, "not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new CheckpointException(file, "not a JSON object");
        return new JsonFields(file, root, "");
    }

    /** The field's path as messages show it, e.g. {@code rope_scaling.factor}. */
    String path(String field) {
        return prefix + field;
    }

    CheckpointException error(String field, String problem) {
        return new CheckpointException(file, "field '" + path(field) + "' " + problem);
    }

    /** True when the field is absent or JSON null. */
    boolean isNull(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull();
    }

    boolean has(String field) {
        return !isNull(field);
    }

    /** The nested object {@code field}, or null when absent or null. */
    JsonFields object(String field) {
        if (isNull(field)) return null;
        JsonNode v = node.get(field);
        if (!v.isObject()) throw error(field, "must be an object, got " + v);
        return new JsonFields(file, v, prefix + field + ".");
    }

    int requiredInt(String field) {
        if (isNull(field)) throw error(field, "is missing");
        return intValue(field);
    }

    int optionalInt(String field, int dflt) {
        return isNull(field) ? dflt : intValue(field);
    }

    Integer nullableInt(String field) {
        return isNull(field) ? null : intValue(field);
    }

    private int intValue(String field) {
        JsonNode v = node.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw error(field, "must be an integer, got " + v);
        return v.intValue();
    }

    int positiveInt(String field) {
        int v = requiredInt(field);
        if (v <= 0) throw error(field, "must be positive, got " + v);
        return v;
    }

    double requiredDouble(String field) {
        if (isNull(field)) throw error(field, "is missing");
        return optionalDouble(field, 0);
    }

    double optionalDouble(String field, double dflt) {
        if (isNull(field)) return dflt;
        JsonNode v = node.get(field);
        if (!v.isNumber()) throw error(field, "must be a number, got " + v);
        return v.doubleValue();
    }

    boolean optionalBoolean(String field, boolean dflt) {
        if (isNull(field)) return dflt;
        JsonNode v = node.get(field);
        if (!v.isBoolean()) throw error(field, "must be true or false, got " + v);
        return v.booleanValue();
    }

    String optionalString(String field) {
        if (isNull(field)) return null;
        JsonNode v = node.get(field);
        if (!v.isTextual()) throw error(field, "must be a string, got " + v);
        return v.asText();
    }

    /** An integer or a list of integers (as {@code eos_token_id} may be); empty when absent. */
    List<Integer> intOrIntList(String field) {
        List<Integer> out = new ArrayList<>();
        if (isNull(field)) return out;
        JsonNode v = node.get(field);
        if (v.isArray()) {
            for (JsonNode x : v) {
                if (!x.isIntegralNumber() || !x.canConvertToInt()) throw error(field, "must be an integer or a list of integers, got " + v);
                out.add(x.intValue());
            }
        } else if (v.isIntegralNumber() && v.canConvertToInt()) {
            out.add(v.intValue());
        } else {
            throw error(field, "must be an integer or a list of integers, got " + v);
        }
        return List.copyOf(out);
    }

    /** A list of strings; empty when absent. */
    List<String> stringList(String field) {
        List<String> out = new ArrayList<>();
        if (isNull(field)) return out;
        JsonNode v = node.get(field);
        if (!v.isArray()) throw error(field, "must be a list of strings, got " + v);
        for (JsonNode x : v) {
            if (!x.isTextual()) throw error(field, "must be a list of strings, got " + v);
            out.add(x.asText());
        }
        return out;
    }
}
