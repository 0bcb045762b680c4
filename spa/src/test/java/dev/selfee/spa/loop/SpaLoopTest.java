package dev.selfee.spa.loop;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.spa.data.Jsonl;
import dev.selfee.spa.run.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpaLoopTest {
    @TempDir Path tmp;

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void runsSeedDpoThenTwoIterationsAndWritesEveryStage() throws Exception {
        Path cfgFile = TinyRun.write(tmp);
        SpaConfig cfg = SpaConfig.resolve(cfgFile, null);
        Path run = tmp.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ObjectNode summary = SpaLoop.start(cfg, run, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(List.of("it0-seed-dpo", "it1-generate", "it1-judge", "it1-train", "it2-generate", "it2-judge", "it2-train"),
                new RunDirectory(run).completedStages());
        assertTrue(Files.isRegularFile(run.resolve("it2-train/model/model.safetensors")));
        assertTrue(Files.isRegularFile(run.resolve("it2-train/model/tokenizer.json")));
        List<JsonNode> gens = Jsonl.read(run.resolve("it1-generate/generations.jsonl"), o -> o);
        assertEquals(6, gens.size());
        assertEquals(2, gens.get(0).get("responses_ids").size());
        List<JsonNode> pairs = Jsonl.read(run.resolve("it1-judge/pairs.jsonl"), o -> o);
        for (JsonNode p : pairs) {
            assertTrue(p.get("reward_chosen").asDouble() >= p.get("reward_rejected").asDouble());
            assertNotEquals(p.get("chosen_ids"), p.get("rejected_ids"));
        }
        // SPA's metrics and per-pair refinement flags are kept with the stage
        JsonNode last = Jsonl.read(run.resolve("it2-train/metrics.jsonl"), o -> o).getLast();
        assertEquals(0.25, last.get("spa/lambda").asDouble(), 1e-12);
        assertTrue(last.has("spa/threshold") && last.has("spa/confident_fraction"));
        assertTrue(Files.isRegularFile(run.resolve("it1-train/pairs_refinement.jsonl")));
        assertEquals(7, summary.get("stages").size());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("final model: "));
        // running again finds every stage complete and changes nothing
        byte[] before = Files.readAllBytes(run.resolve("it2-train/model/model.safetensors"));
        SpaLoop.resume(run, quiet());
        assertArrayEquals(before, Files.readAllBytes(run.resolve("it2-train/model/model.safetensors")));
    }

    @Test
    void aRunKilledMidStageResumesToTheSameWeights() throws Exception {
        Path cfgFile = TinyRun.write(tmp);
        SpaConfig cfg = SpaConfig.resolve(cfgFile, null);
        Path whole = tmp.resolve("whole");
        SpaLoop.start(cfg, whole, quiet());

        Path killed = tmp.resolve("killed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                SpaLoopChild.class.getName(), cfgFile.toString(), killed.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // kill -9 as soon as iteration 1's pairs are judged, i.e. inside (or right before) the training stage
        Path marker = killed.resolve("it1-judge").resolve(RunDirectory.MARKER);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5); // polling a child process's progress
        p.destroyForcibly().waitFor();
        assertTrue(Files.exists(marker), "the child never reached the judge stage");
        assertFalse(new RunDirectory(killed).stage("it2-train").isComplete(), "the child finished before it was killed");

        SpaLoop.resume(killed, quiet());
        assertArrayEquals(Files.readAllBytes(whole.resolve("it2-train/model/model.safetensors")),
                Files.readAllBytes(killed.resolve("it2-train/model/model.safetensors")));
        assertEquals(Files.readString(whole.resolve("it2-judge/pairs.jsonl")), Files.readString(killed.resolve("it2-judge/pairs.jsonl")));
    }

    @Test
    void withLoraEveryStageTrainsAdaptersAndSavesMergedModels() throws Exception {
        Path cfgFile = TinyRun.write(tmp);
        ObjectNode lora = SpaConfig.JSON.createObjectNode().put("lora_r", 2).put("lora_target_modules", "all-linear").put("lr", 1e-2);
        Path run = tmp.resolve("run");
        SpaLoop.start(SpaConfig.resolve(cfgFile, lora), run, quiet());
        for (String stage : List.of("it0-seed-dpo", "it1-train", "it2-train")) {
            assertTrue(Files.isRegularFile(run.resolve(stage + "/model/adapter/adapter_config.json")), stage);
        }
        // the merged model of iteration 1 is where iteration 2 started: its adapters were trained on top of it
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(run.resolve("it1-train/model/model.safetensors")),
                Files.readAllBytes(run.resolve("it2-train/model/model.safetensors"))));
        var e = assertThrows(IllegalArgumentException.class,
                () -> SpaConfig.resolve(cfgFile, SpaConfig.JSON.createObjectNode().put("lora_r", 2).put("lora_target_modules", "mlp")));
        assertTrue(e.getMessage().contains("mlp"), e.getMessage());
    }

    @Test
    void badConfigsNameTheField() throws Exception {
        Path cfgFile = TinyRun.write(tmp);
        ObjectNode o = (ObjectNode) SpaConfig.JSON.readTree(cfgFile.toFile());
        o.put("temprature", 0.5);
        Files.writeString(tmp.resolve("typo.json"), o.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> SpaConfig.resolve(tmp.resolve("typo.json"), null));
        assertEquals(tmp.resolve("typo.json") + ": unknown field \"temprature\"", e.getMessage());

        o.remove("temprature");
        o.put("judging_reference", "gpt4");
        Files.writeString(tmp.resolve("ref.json"), o.toString());
        var e2 = assertThrows(IllegalArgumentException.class, () -> SpaConfig.resolve(tmp.resolve("ref.json"), null));
        assertTrue(e2.getMessage().contains("unknown judging reference 'gpt4'"), e2.getMessage());

        o.put("judging_reference", "sft");
        o.putArray("iteration_sizes").add(6).add(600);
        Files.writeString(tmp.resolve("big.json"), o.toString());
        var e3 = assertThrows(IllegalArgumentException.class, () -> SpaLoop.start(SpaConfig.resolve(tmp.resolve("big.json"), null), tmp.resolve("r"), quiet()));
        assertTrue(e3.getMessage().endsWith("iteration_sizes ask for 606 prompts but the pool has 12"), e3.getMessage());

        ObjectNode flags = SpaConfig.JSON.createObjectNode().put("samples_per_prompt", "many");
        var e4 = assertThrows(IllegalArgumentException.class, () -> SpaConfig.resolve(cfgFile, flags));
        assertTrue(e4.getMessage().contains("field \"samples_per_prompt\" has the wrong type"), e4.getMessage());
    }

    @Test
    void anotherConfigInTheSameRunDirectoryIsRefused() throws Exception {
        Path cfgFile = TinyRun.write(tmp);
        SpaConfig cfg = SpaConfig.resolve(cfgFile, null);
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve(SpaLoop.CONFIG_FILE), cfg.toJson());
        SpaConfig other = SpaConfig.resolve(cfgFile, SpaConfig.JSON.createObjectNode().put("beta", 0.3));
        var e = assertThrows(IllegalArgumentException.class, () -> SpaLoop.start(other, run, quiet()));
        assertTrue(e.getMessage().contains("already holds a run with another configuration"), e.getMessage());
    }
}
