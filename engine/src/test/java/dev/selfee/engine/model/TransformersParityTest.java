package dev.selfee.engine.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Llama, Mistral (bf16, sliding window) and Qwen2 (tied, q/k/v bias) checkpoints made by
 * transformers load and reproduce transformers' logits (1e-4), summed completion log-probs
 * (1e-3) and greedy generations (exactly): tools/make_model_fixtures.py.
 */
class TransformersParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void logitsOfALeftPaddedBatchMatch(String name) {
        LlamaModel model = LlamaCheckpoint.load(ModelFixtures.dir(name));
        JsonNode f = ModelFixtures.fixture(name);
        int[] ids = flat(f.get("input_ids"));
        int[] maskInts = flat(f.get("attention_mask"));
        int batch = f.get("input_ids").size(), seq = ids.length / batch, vocab = model.config().vocabSize();
        float[] mask = new float[maskInts.length];
        for (int i = 0; i < mask.length; i++) mask[i] = maskInts[i];
        Tensor logits;
        try (NoGrad _ = NoGrad.enter()) {
            logits = model.logits(ids, mask, batch, seq).value();
        }
        double worst = 0;
        int compared = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                if (maskInts[b * seq + t] == 0) continue; // transformers' values at padding are not meaningful
                JsonNode row = f.get("logits").get(b).get(t);
                for (int v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logits.get(b, t, v) - row.get(v).asDouble()));
                compared++;
            }
        }
        System.out.printf("%s: logits of %d positions, max abs diff vs transformers %.2e%n", name, compared, worst);
        assertTrue(worst < 1e-4, name + ": logits differ from transformers by " + worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void summedCompletionLogProbsMatch(String name) {
        LlamaModel model = LlamaCheckpoint.load(ModelFixtures.dir(name));
        JsonNode f = ModelFixtures.fixture(name);
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (JsonNode p : f.get("pairs")) {
            prompts.add(ModelFixtures.ints(p.get("prompt")));
            completions.add(ModelFixtures.ints(p.get("completion")));
        }
        float[] batched = Scorer.score(model, prompts, completions, prompts.size());
        double worst = 0;
        for (int i = 0; i < batched.length; i++) {
            double expected = f.get("pairs").get(i).get("logp").asDouble();
            worst = Math.max(worst, Math.abs(batched[i] - expected));
        }
        System.out.printf("%s: summed log-probs of %d pairs, max abs diff vs transformers %.2e%n", name, batched.length, worst);
        assertTrue(worst < 1e-3, name + ": log-probs differ from transformers by " + worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void greedyGenerationsMatchExactly(String name) {
        LlamaModel model = LlamaCheckpoint.load(ModelFixtures.dir(name));
        JsonNode f = ModelFixtures.fixture(name);
        int eos = f.get("eos_token_id").asInt();
        assertEquals(List.of(eos), LlamaCheckpoint.generationConfig(ModelFixtures.dir(name)).eosTokenIds());
        List<Generator.Generation> out = Generator.generate(model, ModelFixtures.rows(f.get("prompts")),
                SamplingOptions.greedy(f.get("max_new_tokens").asInt(), eos));
        List<int[]> expected = ModelFixtures.rows(f.get("greedy"));
        for (int b = 0; b < expected.size(); b++) {
            assertArrayEquals(expected.get(b), out.get(b).tokens(), name + ": greedy tokens of prompt " + b);
            assertEquals(expected.get(b).length < f.get("max_new_tokens").asInt(), out.get(b).stopped(), name + ": stop of prompt " + b);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void saveThenLoadIsBitExact(String name, @TempDir Path tmp) throws IOException {
        LlamaModel model = LlamaCheckpoint.load(ModelFixtures.dir(name));
        LlamaCheckpoint.save(model, tmp);
        LlamaModel again = LlamaCheckpoint.load(tmp);
        assertEquals(model.config(), again.config());
        assertEquals(model.parameters().keySet(), again.parameters().keySet());
        for (Parameter p : model.parameters().values()) {
            assertArrayEquals(p.value().toArray(), again.parameter(p.name()).value().toArray(), name + ": " + p.name());
        }
        assertEquals(LlamaCheckpoint.generationConfig(ModelFixtures.dir(name)).eosTokenIds(), LlamaCheckpoint.generationConfig(tmp).eosTokenIds());
    }

    static int[] flat(JsonNode rows) {
        List<int[]> r = ModelFixtures.rows(rows);
        int[] out = new int[r.size() * r.getFirst().length];
        for (int i = 0; i < r.size(); i++) System.arraycopy(r.get(i), 0, out, i * r.getFirst().length, r.get(i).length);
        return out;
    }
}
