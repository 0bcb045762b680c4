package dev.selfee.spa.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.Backends;
import dev.selfee.engine.backend.cpu.CpuBackend;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SPA loop with generation and training on a device reproduces the CPU run of the tiny
 * configuration: the same samples and judged pairs in every iteration (sampling draws the same
 * streams from logits equal to ~1e-6; rewards within 1e-4) and final weights within 1e-4 of the
 * CPU's, on the CPU backend and on OpenCL (skipped with the reason printed where there is none;
 * failing under {@code SELFEE_REQUIRE_OPENCL}).
 */
class SpaLoopOnDevicesTest {
    @TempDir Path tmp;

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private void assertMatchesTheCpuRun(Backend be) throws Exception {
        assertMatchesTheCpuRun(be, null);
    }

    private void assertMatchesTheCpuRun(Backend be, com.fasterxml.jackson.databind.node.ObjectNode overrides) throws Exception {
        SpaConfig cfg = SpaConfig.resolve(TinyRun.write(tmp), overrides);
        Path cpu = tmp.resolve("cpu"), dev = tmp.resolve("dev");
        SpaLoop.start(cfg, cpu, quiet());
        SpaLoop.start(cfg, dev, quiet(), be);
        for (String f : List.of("it1-generate/generations.jsonl", "it1-judge/pairs.jsonl", "it2-generate/generations.jsonl", "it2-judge/pairs.jsonl")) {
            assertJsonlClose(cpu.resolve(f), dev.resolve(f), be.name() + ": " + f);
        }
        LlamaModel want = LlamaCheckpoint.load(cpu.resolve("it2-train/model")), got = LlamaCheckpoint.load(dev.resolve("it2-train/model"));
        for (var e : want.parameters().entrySet()) {
            float[] w = e.getValue().value().toArray(), g = got.parameter(e.getKey()).value().toArray();
            double max = 0, err = 0;
            for (int i = 0; i < w.length; i++) {
                max = Math.max(max, Math.abs(w[i]));
                err = Math.max(err, Math.abs(w[i] - g[i]));
            }
            assertTrue(err <= 1e-4 * max, be.name() + ": final " + e.getKey() + " differs by " + err + " (scale " + max + ")");
        }
    }

    /** The same lines with the same fields: numbers within 1e-4 · max(1, |cpu|) (rewards of device-trained policies), the rest equal. */
    private static void assertJsonlClose(Path want, Path got, String what) throws java.io.IOException {
        List<String> w = Files.readAllLines(want), g = Files.readAllLines(got);
        assertEquals(w.size(), g.size(), what + ": lines");
        for (int i = 0; i < w.size(); i++) {
            var a = SpaConfig.JSON.readTree(w.get(i));
            var b = SpaConfig.JSON.readTree(g.get(i));
            assertEquals(a.size(), b.size(), what + " line " + (i + 1) + ": fields");
            for (var it = a.fields(); it.hasNext(); ) {
                var e = it.next();
                var other = b.get(e.getKey());
                if (e.getValue().isFloatingPointNumber()) {
                    double x = e.getValue().asDouble();
                    assertEquals(x, other.asDouble(), 1e-4 * Math.max(1, Math.abs(x)), what + " line " + (i + 1) + " " + e.getKey());
                } else {
                    assertEquals(e.getValue(), other, what + " line " + (i + 1) + " " + e.getKey());
                }
            }
        }
    }

    @Test
    void onTheCpuBackend() throws Exception {
        assertMatchesTheCpuRun(new CpuBackend());
    }

    @Test
    void onOpenCl() throws Exception {
        Backend be;
        try {
            be = Backends.get("opencl");
        } catch (RuntimeException e) {
            String reason = "no usable OpenCL device: " + e.getMessage();
            if (System.getenv("SELFEE_REQUIRE_OPENCL") != null) fail(reason + " (SELFEE_REQUIRE_OPENCL is set)");
            System.out.println("SKIPPED (SPA loop on OpenCL): " + reason);
            throw new org.opentest4j.TestAbortedException(reason);
        }
        assertMatchesTheCpuRun(be);
    }

    @Test
    void withLoraAdaptersOnTheCpuBackend() throws Exception {
        // each iteration trains fresh adapters on the device against their own base, and saves the merged model
        assertMatchesTheCpuRun(new CpuBackend(), SpaConfig.JSON.createObjectNode().put("lora_r", 2));
    }
}
