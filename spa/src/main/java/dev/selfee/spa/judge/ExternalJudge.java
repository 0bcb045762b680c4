package dev.selfee.spa.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A judge program run as a child process (the {@code --judge-cmd} protocol): it reads JSONL
 * {@code {"prompt","response_a","response_b"}} on stdin and writes one {@code {"preference": 0|1|0.5}}
 * line per input, 0 meaning response a is better.
 */
public final class ExternalJudge {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String command;

    public ExternalJudge(String command) {
        if (command == null || command.isBlank()) throw new IllegalArgumentException("--judge-cmd is empty");
        this.command = command;
    }

    /** Judges every comparison in one run of the program; returns the preferences in order. */
    public double[] judge(List<PairwiseComparison> comparisons) {
        Process p;
        try {
            p = new ProcessBuilder("/bin/sh", "-c", command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IllegalStateException("judge command '" + command + "' could not start: " + e.getMessage(), e);
        }
        // Feed stdin on another thread so a judge that answers line by line never deadlocks on full pipes.
        CompletableFuture<Void> feeder = CompletableFuture.runAsync(() -> {
            try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8))) {
                for (PairwiseComparison c : comparisons) {
                    ObjectNode o = JSON.createObjectNode().put("prompt", c.prompt())
                            .put("response_a", c.responseA()).put("response_b", c.responseB());
                    w.write(JSON.writeValueAsString(o));
                    w.write('\n');
                }
            } catch (IOException e) {
                // the judge closed its stdin early; the answer count check below reports it
            }
        });
        double[] out = new double[comparisons.size()];
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                if (n == out.length) throw new IllegalStateException("judge command '" + command + "' wrote more answers than the " + out.length + " comparisons");
                out[n] = parse(line, n + 1);
                n++;
            }
            feeder.join();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("judge command '" + command + "' did not exit after writing its answers");
            }
        } catch (IOException e) {
            throw new IllegalStateException("judge command '" + command + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while judging", e);
        }
        if (p.exitValue() != 0) throw new IllegalStateException("judge command '" + command + "' exited with status " + p.exitValue());
        if (n != out.length) {
            throw new IllegalStateException("judge command '" + command + "' answered " + n + " of " + out.length + " comparisons");
        }
        return out;
    }

    private double parse(String line, int lineNo) {
        try {
            JsonNode o = JSON.readTree(line);
            JsonNode v = o == null ? null : o.get("preference");
            if (v != null && v.isNumber()) {
                double d = v.doubleValue();
                if (d == 0 || d == 1 || d == 0.5) return d;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalStateException("judge command '" + command + "' output line " + lineNo
                + " is not {\"preference\": 0|1|0.5}: " + (line.length() > 120 ? line.substring(0, 120) + "…" : line));
    }
}
