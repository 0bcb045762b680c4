package dev.selfee.spa.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Rows as JSON Lines, one object per step (each with a {@code "step"} field), flushed as written,
 * so a killed run keeps every finished step's line. {@link #resumeAt} keeps the rows of the steps
 * a resumed run does not repeat and drops the rest (a fresh run keeps none).
 */
public final class MetricsFile implements MetricsSink, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private BufferedWriter out;

    /** Appends to {@code file} (created when missing) until {@link #resumeAt} says what to keep. */
    public MetricsFile(Path file) {
        this.file = file;
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            out = append();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private BufferedWriter append() throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    public void resumeAt(int stepsDone) {
        try {
            out.close();
            StringBuilder kept = new StringBuilder();
            if (stepsDone > 0 && Files.isRegularFile(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    try {
                        JsonNode n = JSON.readTree(line);
                        if (n != null && n.path("step").asInt(Integer.MAX_VALUE) <= stepsDone) kept.append(line).append('\n');
                    } catch (JsonProcessingException torn) {
                        // a line cut short by a kill: dropped
                    }
                }
            }
            AtomicFiles.writeString(file, kept.toString());
            out = append();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void record(Map<String, Object> row) {
        try {
            out.write(JSON.writeValueAsString(row));
            out.write('\n');
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("row is not JSON-serialisable: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
