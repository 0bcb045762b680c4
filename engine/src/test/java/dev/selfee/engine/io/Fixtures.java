package dev.selfee.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The checkpoint fixtures written by tools/make_checkpoint_fixtures.py. */
final class Fixtures {
    static final Path DIR = dir();

    private static Path dir() {
        try {
            return Path.of(Fixtures.class.getResource("/checkpoints/tensors.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String relative) {
        return jsonAt(DIR.resolve(relative));
    }

    static JsonNode jsonAt(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] floats(JsonNode arr) {
        float[] out = new float[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) arr.get(i).doubleValue();
        return out;
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).intValue();
        return out;
    }

    /** safetensors' dtype name for torch's ("bfloat16" → "BF16"). */
    static String safetensorsDtype(String torch) {
        return switch (torch) {
            case "float32" -> "F32";
            case "bfloat16" -> "BF16";
            case "float16" -> "F16";
            default -> throw new IllegalArgumentException(torch);
        };
    }

    private Fixtures() {}
}
