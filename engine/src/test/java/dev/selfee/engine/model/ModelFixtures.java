package dev.selfee.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The checkpoints and transformers' outputs written by tools/make_model_fixtures.py. */
final class ModelFixtures {
    static final List<String> NAMES = List.of("llama", "mistral", "qwen2");

    private ModelFixtures() {}

    static Path dir(String name) {
        var url = ModelFixtures.class.getResource("/models/" + name + "/config.json");
        if (url == null) throw new IllegalStateException("fixture model " + name + " missing: run tools/make_model_fixtures.py");
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode fixture(String name) {
        try {
            return new ObjectMapper().readTree(Files.readString(dir(name).resolve("fixture.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode row) {
        int[] out = new int[row.size()];
        for (int i = 0; i < out.length; i++) out[i] = row.get(i).asInt();
        return out;
    }

    static List<int[]> rows(JsonNode rows) {
        List<int[]> out = new ArrayList<>();
        for (JsonNode r : rows) out.add(ints(r));
        return out;
    }

    /** A copy of a fixture model in {@code target} (tests that damage it). */
    static Path copy(String name, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(dir(name))) {
            for (Path f : files.toList()) Files.copy(f, target.resolve(f.getFileName()));
        }
        return target;
    }
}
