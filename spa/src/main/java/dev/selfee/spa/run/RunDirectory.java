package dev.selfee.spa.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One run's directory: a folder per stage, each marked complete by a {@value #MARKER} file written
 * atomically after everything else in it. A stage without the marker was interrupted and is
 * started afresh on resume, so a run killed at any moment continues from its last completed
 * stage. Stages must be deterministic given their inputs and the run's seed (each stage derives
 * its own random stream from the seed and its name), so a resumed run reaches the same result.
 */
public final class RunDirectory {
    public static final String MARKER = "COMPLETE.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    public RunDirectory(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The stage called {@code name} (a folder name such as {@code it1-generate}). */
    public Stage stage(String name) {
        if (!name.matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("bad stage name '" + name + "'");
        return new Stage(root.resolve(name), name);
    }

    /** Names of the completed stages, in name order. */
    public List<String> completedStages() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> Files.isRegularFile(p.resolve(MARKER))).map(p -> p.getFileName().toString()).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** One stage's folder. */
    public static final class Stage {
        private final Path dir;
        private final String name;

        Stage(Path dir, String name) {
            this.dir = dir;
            this.name = name;
        }

        public Path dir() {
            return dir;
        }

        public String name() {
            return name;
        }

        public boolean isComplete() {
            return Files.isRegularFile(dir.resolve(MARKER));
        }

        /** The summary written when the stage completed. */
        public JsonNode summary() {
            try {
                return JSON.readTree(dir.resolve(MARKER).toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(dir.resolve(MARKER) + ": " + e.getMessage(), e);
            }
        }

        /** Empties the folder of an interrupted attempt and creates it; returns it. */
        public Path begin() {
            if (isComplete()) throw new IllegalStateException("stage " + name + " is already complete");
            try {
                if (Files.exists(dir)) deleteTree(dir);
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
            }
            return dir;
        }

        /** Marks the stage complete with a JSON summary; call last, after every output is written. */
        public void complete(Object summary) {
            try {
                AtomicFiles.writeString(dir.resolve(MARKER), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            } catch (IOException e) {
                throw new UncheckedIOException(dir.resolve(MARKER) + ": " + e.getMessage(), e);
            }
        }

        /** A seed for this stage's randomness that depends only on the run seed and the stage name. */
        public long seed(long runSeed) {
            long h = runSeed * 0x9E3779B97F4A7C15L;
            for (char c : name.toCharArray()) h = (h ^ c) * 0x100000001B3L;
            return h ^ (h >>> 31);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
