package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code selfee devices} and {@code selfee bench gemm --backend}, run through {@link Main#run}. */
class DevicesAndBenchTest {
    /** Runs the command line; returns its exit code and what it printed to stdout and stderr. */
    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void devicesListsTheCpuAndEveryOpenClDevice() throws Exception {
        Result r = run("devices", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = BenchCommand.JSON.readTree(r.out());
        assertEquals(0, j.at("/cpu/devices/0/index").asInt());
        JsonNode ocl = j.get("opencl");
        if (!ocl.get("available").asBoolean()) {
            System.out.println("SKIPPED (OpenCL part): " + ocl.get("error").asText());
            assertFalse(ocl.get("error").asText().isBlank());
            return;
        }
        int index = 0;
        for (JsonNode p : ocl.get("platforms")) {
            for (JsonNode d : p.get("devices")) {
                assertEquals(index++, d.get("index").asInt());
                assertTrue(d.get("compute_units").asInt() > 0 && d.get("global_memory_bytes").asLong() > 0, d.toString());
            }
        }
        assertTrue(index > 0, "an available OpenCL has at least one device");
        Result text = run("devices");
        assertTrue(text.out().contains("device 0: ") && text.out().contains("max work-group"), text.out());
    }

    @Test
    void benchGemmReportsTheBackend() throws Exception {
        Result cpu = run("bench", "gemm", "--size", "24", "--backend", "cpu", "--seconds", "0.05");
        assertEquals(0, cpu.code(), cpu.err());
        JsonNode j = BenchCommand.JSON.readTree(cpu.out());
        assertEquals("cpu", j.get("backend").asText());
        assertTrue(j.get("gflops").asDouble() > 0);

        Result ocl = run("bench", "gemm", "--size", "24", "--trans", "tt", "--backend", "opencl", "--seconds", "0.05");
        if (ocl.code() != 0 && ocl.err().contains("use --backend cpu")) {
            System.out.println("SKIPPED (OpenCL part): " + ocl.err().strip());
            return;
        }
        assertEquals(0, ocl.code(), ocl.err());
        j = BenchCommand.JSON.readTree(ocl.out());
        assertEquals("opencl", j.get("backend").asText());
        assertEquals("tt", j.get("trans").asText());
        assertTrue(j.get("gflops").asDouble() > 0);
    }

    @Test
    void benchTrainStepRunsOnEitherBackendWithTheSameLoss(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path config = tmp.resolve("config.json");
        java.nio.file.Files.writeString(config, TrainCommandsTest.config(64));
        Result cpu = run("bench", "train-step", "--config", config.toString(), "--batch-size", "2", "--seq-len", "8", "--steps", "1", "--backend", "cpu");
        assertEquals(0, cpu.code(), cpu.err());
        JsonNode c = BenchCommand.JSON.readTree(cpu.out());
        assertEquals("cpu", c.get("backend").asText());
        if (!TrainCommandsTest.openClAvailable("bench train-step --backend opencl")) return;
        Result ocl = run("bench", "train-step", "--config", config.toString(), "--batch-size", "2", "--seq-len", "8", "--steps", "1", "--backend", "opencl");
        assertEquals(0, ocl.code(), ocl.err());
        JsonNode o = BenchCommand.JSON.readTree(ocl.out());
        assertEquals("opencl", o.get("backend").asText());
        assertTrue(o.get("tokens_per_s").asDouble() > 0);
        assertEquals(c.get("loss").asDouble(), o.get("loss").asDouble(), 1e-3, "same random model and batch: the same loss (printed to 6 decimals)");
    }

    @Test
    void benchDpoStepRunsOnEitherBackendWithTheSameLoss(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path model = tmp.resolve("model"), data = tmp.resolve("pairs.jsonl");
        java.nio.file.Files.createDirectories(model);
        java.nio.file.Files.writeString(model.resolve("config.json"), TrainCommandsTest.config(64));
        dev.selfee.engine.model.LlamaCheckpoint.save(dev.selfee.engine.model.LlamaModel.random(
                dev.selfee.engine.model.LlamaCheckpoint.config(model), 3, 0.5), model);
        StringBuilder lines = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        for (int i = 0; i < 6; i++) {
            lines.append(BenchCommand.JSON.writeValueAsString(java.util.Map.of("prompt_ids", r.ints(3 + i % 3, 4, 60).toArray(),
                    "chosen_ids", r.ints(2 + i % 4, 4, 60).toArray(), "rejected_ids", r.ints(5 - i % 3, 4, 60).toArray()))).append('\n');
        }
        java.nio.file.Files.writeString(data, lines);
        String[] args = {"bench", "dpo-step", "--model", model.toString(), "--data", data.toString(), "--batch-size", "2", "--warmup", "1", "--steps", "2"};
        Result cpu = run(concat(args, "--backend", "cpu"));
        assertEquals(0, cpu.code(), cpu.err());
        JsonNode c = BenchCommand.JSON.readTree(cpu.out());
        assertEquals("cpu", c.get("backend").asText());
        if (!TrainCommandsTest.openClAvailable("bench dpo-step --backend opencl")) return;
        Result ocl = run(concat(args, "--backend", "opencl"));
        assertEquals(0, ocl.code(), ocl.err());
        JsonNode o = BenchCommand.JSON.readTree(ocl.out());
        assertEquals("opencl", o.get("backend").asText());
        assertTrue(o.get("steps_per_s").asDouble() > 0);
        assertEquals(c.get("train_loss").asDouble(), o.get("train_loss").asDouble(), 1e-3, "same model and pairs: the same mean loss");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void withoutAnOpenClLibraryTheErrorSaysWhatToDo() throws Exception {
        // a fresh JVM whose OpenCL library does not exist, as on a machine without OpenCL
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench", "gemm", "--size", "8", "--backend", "opencl");
        pb.environment().put("SELFEE_OPENCL_LIBRARY", "libselfee-no-such-opencl.so.1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("selfee gemm: OpenCL is not available: cannot load the library libselfee-no-such-opencl.so.1"), out);
        assertTrue(last.endsWith("or use --backend cpu"), out);
    }

    @Test
    void badBackendsFailWithOneLine() {
        Result r = run("bench", "gemm", "--size", "8", "--backend", "nope");
        assertEquals(1, r.code());
        assertEquals("selfee gemm: unknown backend 'nope'; available: cpu, opencl", r.err().strip());
        r = run("bench", "gemm", "--size", "8", "--backend", "cpu", "--device", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("single device"), r.err());
    }
}
