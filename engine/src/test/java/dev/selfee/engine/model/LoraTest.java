package dev.selfee.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.io.CheckpointException;
import dev.selfee.engine.io.SafetensorsFile;
import dev.selfee.engine.ops.CrossEntropy;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA on the Llama model: identity at initialisation, merging, PEFT's format, frozen base weights,
 * and PEFT's own logits and adapter gradients (fixtures by tools/make_lora_fixtures.py).
 */
class LoraTest {
    private static final int[] IDS = {5, 17, 33, 8, 91, 12, 64, 3, 40, 27, 44, 9, 71, 2, 15, 60};
    private static final float[] MASK = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

    private static float[] logits(LlamaModel m) {
        try (NoGrad _ = NoGrad.enter()) {
            return m.logits(IDS, MASK, 2, 8).value().toArray();
        }
    }

    /** B random, so the adapters change the function. */
    private static void randomiseB(LoraAdapters lora, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (LoraAdapters.Adapter a : lora.adapters()) {
            float[] b = a.b().value().data();
            for (int i = 0; i < b.length; i++) b[i] = (float) (r.nextGaussian() * 0.2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"q_proj,v_proj", "all-linear"})
    void freshAdaptersLeaveTheLogitsExactlyAsTheBaseModels(String targets) {
        LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir("qwen2"));
        float[] base = logits(m);
        LoraAdapters lora = m.attachLora(LoraConfig.of(4, 8, targets), 7);
        assertArrayEquals(base, logits(m), 0f);
        int layers = m.config().numHiddenLayers(), perLayer = targets.equals("all-linear") ? 7 : 2;
        assertEquals(2 * layers * perLayer, lora.parameters().size());
        assertEquals(lora.parameters(), m.trainableParameters());
        // A ~ U(-1/sqrt(in), 1/sqrt(in)) as PEFT's kaiming-uniform(a = sqrt 5); B = 0
        for (LoraAdapters.Adapter a : lora.adapters()) {
            double bound = 1 / Math.sqrt(a.a().shape()[1]), max = 0;
            for (float v : a.a().value().toArray()) max = Math.max(max, Math.abs(v));
            assertTrue(max <= bound && max > bound / 2, a.module() + ": |A| max " + max + " vs bound " + bound);
            for (float v : a.b().value().toArray()) assertEquals(0f, v);
        }
    }

    @Test
    void mergedModelComputesWhatTheAdaptedModelComputes(@TempDir Path tmp) {
        LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir("llama"));
        float[] base = logits(m);
        LoraAdapters lora = m.attachLora(LoraConfig.of(3, 6, "all-linear"), 1);
        randomiseB(lora, 2);
        float[] adapted = logits(m);
        assertTrue(maxDiff(base, adapted) > 1e-2, "the adapters must change the logits for this test to mean anything");
        LlamaModel merged = m.merged();
        assertNull(merged.lora());
        assertArrayEquals(adapted, logits(merged), 1e-5f);
        assertArrayEquals(base, logits(LlamaCheckpoint.load(ModelFixtures.dir("llama"))), 0f, "merged() leaves the base weights alone");
        try (var _ = lora.disable()) {
            assertArrayEquals(base, logits(m), 0f, "adapters disabled: the base model");
        }
        assertArrayEquals(adapted, logits(m), 0f);
        // a merged checkpoint is a plain model
        try {
            LlamaCheckpoint.save(m, tmp); // saving an adapted model writes it merged
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertArrayEquals(adapted, logits(LlamaCheckpoint.load(tmp)), 1e-5f);
        // merging in place
        m.mergeLora();
        assertNull(m.lora());
        for (Parameter p : m.parameters().values()) assertFalse(p.frozen());
        assertArrayEquals(adapted, logits(m), 1e-5f);
    }

    @Test
    void peftFormatRoundTrips(@TempDir Path tmp) throws IOException {
        LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir("qwen2"));
        LoraAdapters lora = m.attachLora(LoraConfig.of(2, 3, "k_proj,o_proj,up_proj"), 5);
        randomiseB(lora, 6);
        lora.save(tmp, "base");
        JsonNode c = new ObjectMapper().readTree(Files.readString(tmp.resolve(LoraAdapters.CONFIG_FILE)));
        assertEquals("LORA", c.get("peft_type").asText());
        assertEquals(2, c.get("r").asInt());
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve(LoraAdapters.WEIGHTS_FILE))) {
            assertTrue(f.names().contains("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"), f.names().toString());
        }
        LlamaModel again = LlamaCheckpoint.load(ModelFixtures.dir("qwen2"));
        again.loadLora(tmp);
        assertEquals(lora.config(), again.lora().config());
        assertArrayEquals(logits(m), logits(again), 0f);
    }

    @Test
    void adapterOfAnotherShapeIsRefusedNamingTheTensor(@TempDir Path tmp) throws IOException {
        LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir("qwen2"));
        m.attachLora(LoraConfig.of(2, 3, "q_proj"), 5).save(tmp, "base");
        LlamaModel other = LlamaCheckpoint.load(ModelFixtures.dir("llama"));
        var e = assertThrows(CheckpointException.class, () -> other.loadLora(tmp));
        assertTrue(e.getMessage().contains("adapter_model.safetensors") && e.getMessage().contains("q_proj.lora_"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.of(2, 3, "q_proj,lm_head"));
    }

    @Test
    void peftFeaturesTheEngineLacksAreRefusedByName(@TempDir Path tmp) throws IOException {
        LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir("qwen2"));
        m.attachLora(LoraConfig.of(2, 3, "q_proj"), 5).save(tmp, "base");
        Path config = tmp.resolve(LoraAdapters.CONFIG_FILE);
        Files.writeString(config, Files.readString(config).replace("\"use_rslora\" : false", "\"use_rslora\" : true"));
        var e = assertThrows(CheckpointException.class, () -> LlamaCheckpoint.load(ModelFixtures.dir("qwen2")).loadLora(tmp));
        assertTrue(e.getMessage().contains(LoraAdapters.CONFIG_FILE) && e.getMessage().contains("use_rslora"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void baseWeightsGetNoGradientBuffers(boolean checkpointing) {
        LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir("qwen2")).gradientCheckpointing(checkpointing);
        LoraAdapters lora = m.attachLora(LoraConfig.of(2, 4, "all-linear"), 3);
        randomiseB(lora, 4);
        backwardOfMeanLoss(m, IDS, 2, 8);
        for (Parameter p : m.parameters().values()) {
            assertFalse(p.hasGrad(), p.name() + " is frozen and must hold no gradient");
            assertNull(p.grad());
        }
        for (Parameter p : lora.parameters()) assertTrue(p.hasGrad() && norm(p.grad()) > 0, p.name() + " gets a gradient");
    }

    @Test
    void gradientCheckpointingGivesTheSameAdapterGradients() {
        float[][] grads = new float[2][];
        for (int run = 0; run < 2; run++) {
            LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir("llama")).gradientCheckpointing(run == 1);
            LoraAdapters lora = m.attachLora(LoraConfig.of(2, 4, "q_proj,v_proj,down_proj"), 3);
            randomiseB(lora, 4);
            backwardOfMeanLoss(m, IDS, 2, 8);
            grads[run] = lora.parameters().getFirst().grad().toArray();
        }
        assertArrayEquals(grads[0], grads[1], 1e-6f);
    }

    /** PEFT's logits and lora_A / lora_B gradients for the mean next-token cross-entropy, within 1e-4 relative. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-qv", "llama-all"})
    void matchesPeft(String name) throws IOException {
        Path dir = fixtureDir(name);
        JsonNode f = new ObjectMapper().readTree(Files.readString(dir.resolve("fixture.json")));
        LlamaModel m = LlamaCheckpoint.load(ModelFixtures.dir(f.get("base").asText()));
        LoraAdapters lora = m.loadLora(dir);
        List<int[]> rows = ModelFixtures.rows(f.get("input_ids"));
        int batch = rows.size(), seq = rows.getFirst().length;
        int[] ids = new int[batch * seq];
        for (int b = 0; b < batch; b++) System.arraycopy(rows.get(b), 0, ids, b * seq, seq);
        float loss;
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            Tensor want = Tensor.zeros(expected.shape("logits"));
            expected.loadInto("logits", want);
            try (NoGrad _ = NoGrad.enter()) {
                assertRelative(name + " logits", want.toArray(), m.logits(ids, null, batch, seq).value().toArray());
            }
            loss = backwardOfMeanLoss(m, ids, batch, seq);
            for (Parameter p : lora.parameters()) {
                String key = LoraAdapters.PEFT_PREFIX + p.name() + ".grad";
                Tensor g = Tensor.zeros(expected.shape(key));
                expected.loadInto(key, g);
                assertRelative(name + " " + key, g.toArray(), p.grad().toArray());
            }
            assertEquals(lora.parameters().size() + 1, expected.names().size());
        }
        assertEquals(f.get("loss").asDouble(), loss, 1e-4 * f.get("loss").asDouble());
    }

    /** Back-propagates the mean next-token cross-entropy of unpadded rows; returns the loss. */
    private static float backwardOfMeanLoss(LlamaModel m, int[] ids, int batch, int seq) {
        int[] targets = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) targets[b * seq + t] = t + 1 < seq ? ids[b * seq + t + 1] : CrossEntropy.IGNORE_INDEX;
        }
        try (Tape tape = Tape.start()) {
            Var loss = CrossEntropy.apply(m.logits(ids, null, batch, seq), targets);
            tape.backward(loss);
            return loss.item();
        }
    }

    private static void assertRelative(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        double err = maxDiff(expected, actual) / scale;
        assertTrue(scale > 0 && err <= 1e-4, what + ": max error " + err + " relative to " + scale);
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    private static double norm(Tensor t) {
        double s = 0;
        for (float v : t.toArray()) s += v * v;
        return Math.sqrt(s);
    }

    private static Path fixtureDir(String name) {
        var url = LoraTest.class.getResource("/lora/" + name + "/adapter_config.json");
        if (url == null) throw new IllegalStateException("LoRA fixture " + name + " missing: run tools/make_lora_fixtures.py");
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
