package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.loss.PreferenceLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoTrainerTest {
    private static final int VOCAB = 48;
    @TempDir Path work;

    private static DpoOptions options(int batch, int accumulation, int steps) {
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(batch).withGradientAccumulationSteps(accumulation).withMaxSteps(steps)
                .withLearningRate(1e-2).withSchedule(TrainingOptions.Schedule.COSINE, 0.25).withMaxGradNorm(1.0).withSeed(7);
        return DpoOptions.defaults().withTraining(t);
    }

    @Test
    void sameSeedGivesBitIdenticalWeights() {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(10, VOCAB, 3);
        DpoOptions o = options(2, 2, 4).withLoss(PreferenceLoss.Type.SPA).withSpa(0.1, 0.2, 0.5);
        float[][] w = new float[2][];
        for (int run = 0; run < 2; run++) {
            LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 1), ref = TrainFixtures.tinyModel(VOCAB, 1);
            DpoTrainer.train(policy, ref, pairs, o, work.resolve("run" + run), MetricsSink.NONE, null);
            w[run] = TrainFixtures.weights(policy);
        }
        assertArrayEquals(w[0], w[1]);
        assertFalse(Arrays.equals(w[0], TrainFixtures.weights(TrainFixtures.tinyModel(VOCAB, 1))), "training changed nothing");
    }

    @Test
    void sigmoidDpoLearnsThePreferences() {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 5);
        LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 2);
        List<Map<String, Object>> rows = new ArrayList<>();
        DpoOptions o = options(4, 1, 0).withTraining(options(4, 1, 0).training().withEpochs(8).withSchedule(TrainingOptions.Schedule.CONSTANT, 0).withLearningRate(3e-3));
        DpoTrainer.Result r = DpoTrainer.train(policy, TrainFixtures.tinyModel(VOCAB, 2), pairs, o, work, rows::add, null);
        assertEquals(16, rows.size());
        assertEquals(Math.log(2), (double) rows.getFirst().get("loss"), 1e-6, "policy = reference: z = 0 at the start");
        assertTrue((double) rows.getLast().get("loss") < 0.3, "loss fell to " + rows.getLast().get("loss"));
        assertEquals(1.0, (double) rows.getLast().get("rewards/accuracies"));
        assertEquals(8.0, r.summary().epochs(), 1e-9);
        for (String k : List.of("loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected",
                "grad_norm", "learning_rate", "epoch", "step")) assertTrue(rows.getLast().containsKey(k), k);
    }

    @Test
    void accumulatingTwoHalfBatchesEqualsOneWholeBatch() {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 9);
        float[][] w = new float[2][];
        int[][] shapes = {{4, 1}, {2, 2}};
        for (int i = 0; i < 2; i++) {
            LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 4);
            TrainingOptions t = TrainingOptions.defaults().withBatchSize(shapes[i][0]).withGradientAccumulationSteps(shapes[i][1]).withMaxSteps(2)
                    .withLearningRate(0.05).withOptimizer(TrainingOptions.OptimizerType.SGD, 0).withMaxGradNorm(0).withSchedule(TrainingOptions.Schedule.CONSTANT, 0);
            DpoTrainer.train(policy, TrainFixtures.tinyModel(VOCAB, 5), pairs, DpoOptions.defaults().withTraining(t), work.resolve("r" + i), MetricsSink.NONE, null);
            w[i] = TrainFixtures.weights(policy);
        }
        for (int i = 0; i < w[0].length; i++) assertEquals(w[0][i], w[1][i], 1e-5 * Math.max(1, Math.abs(w[0][i])), "weight " + i);
    }

    @Test
    void spaWarmsUpAlphaAndLogsEveryPairsFlag() throws IOException {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 11);
        List<Map<String, Object>> rows = new ArrayList<>();
        DpoOptions o = options(2, 1, 4).withLoss(PreferenceLoss.Type.SPA).withSpa(0.1, 0.5, 0.25);
        DpoTrainer.train(TrainFixtures.tinyModel(VOCAB, 6), TrainFixtures.tinyModel(VOCAB, 7), pairs, o, work, rows::add, null);
        assertEquals(List.of(0.0, 0.0, 0.1, 0.1), rows.stream().map(r -> (Double) r.get("spa/alpha")).toList());
        for (Map<String, Object> r : rows) {
            assertEquals(0.25, r.get("spa/lambda"));
            assertTrue(r.containsKey("spa/threshold") && r.containsKey("spa/confident_fraction"));
        }
        List<String> lines = Files.readAllLines(work.resolve(DpoTrainer.PAIRS_FILE));
        assertEquals(8, lines.size());
        boolean[] seen = new boolean[8];
        for (String l : lines) {
            JsonNode n = new ObjectMapper().readTree(l);
            seen[n.get("index").asInt()] = true;
            assertEquals(n.get("margin").asDouble() > n.get("threshold").asDouble(), n.get("confident").asBoolean());
        }
        for (boolean s : seen) assertTrue(s);
    }

    @Test
    void referenceLogProbsAreCachedAndReusedOnlyForTheSameModelAndData() throws IOException {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(5, VOCAB, 13);
        LlamaModel ref = TrainFixtures.tinyModel(VOCAB, 8);
        Path file = work.resolve(ReferenceLogps.FILE);
        ReferenceLogps first = ReferenceLogps.cached(ref, pairs, 2, file, null);
        // a cache with the same keys is read back as stored, not recomputed
        String doctored = Files.readString(file).replaceFirst("\"ref_chosen_logps\":[-0-9.eE]+", "\"ref_chosen_logps\":-1234.5");
        Files.writeString(file, doctored);
        assertEquals(-1234.5f, ReferenceLogps.cached(TrainFixtures.tinyModel(VOCAB, 8), pairs, 2, file, null).chosen()[0]);
        assertEquals(-1234.5f, ReferenceLogps.cached(ref, pairs, 3, file, null).chosen()[0], "the batch size is not part of the key");
        // another reference, or other data, recomputes
        ReferenceLogps other = ReferenceLogps.cached(TrainFixtures.tinyModel(VOCAB, 9), pairs, 2, file, null);
        assertNotEquals(-1234.5f, other.chosen()[0]);
        assertNotEquals(first.chosen()[0], other.chosen()[0]);
        ReferenceLogps fewer = ReferenceLogps.cached(ref, pairs.subList(0, 4), 2, file, null);
        assertEquals(4, fewer.chosen().length);
        assertArrayEquals(Arrays.copyOf(first.chosen(), 4), fewer.chosen());
    }

    @Test
    void nonFiniteLossStopsNamingTheStepAndKeepsTheLastGoodModel() {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(4, VOCAB, 15);
        LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 10), ref = TrainFixtures.tinyModel(VOCAB, 11);
        ReferenceLogps good = ReferenceLogps.compute(ref, pairs, 4, null);
        float[] chosen = good.chosen().clone();
        int[] order = TrainingPlan.permutation(4, 7, 0);
        chosen[order[2]] = Float.POSITIVE_INFINITY; // the third step's pair
        DpoOptions o = options(1, 1, 4);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> DpoTrainer.train(policy, new ReferenceLogps(chosen, good.rejected()), null, pairs, o, work, MetricsSink.NONE, null));
        assertEquals(3, e.step());
        assertTrue(e.getMessage().startsWith("training stopped at optimizer step 3: the loss is"), e.getMessage());
        LlamaModel saved = LlamaCheckpoint.load(e.lastGood());
        assertArrayEquals(TrainFixtures.weights(policy), TrainFixtures.weights(saved), "the last good model is the one before the failing step");
        assertFalse(Arrays.equals(TrainFixtures.weights(saved), TrainFixtures.weights(TrainFixtures.tinyModel(VOCAB, 10))), "two steps were taken before");
    }

    @Test
    void badInputsGiveOneClearError() {
        LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 1);
        var empty = assertThrows(IllegalArgumentException.class, () -> DpoTrainer.train(policy, policy, List.of(), options(2, 1, 1), work, null, null));
        assertEquals("the dataset is empty: nothing to train on", empty.getMessage());
        List<TokenizedPair> big = List.of(new TokenizedPair(0, new int[] {1, 5}, new int[] {VOCAB + 3, 2}, new int[] {7, 2}));
        var vocab = assertThrows(IllegalArgumentException.class, () -> DpoTrainer.train(policy, policy, big, options(2, 1, 1), work, null, null));
        assertEquals("pair 0: token id " + (VOCAB + 3) + " is outside the model's vocabulary [0, 48); the tokenizer does not match the model", vocab.getMessage());
        List<TokenizedPair> ok = TrainFixtures.randomPairs(2, VOCAB, 1);
        DpoOptions dnd = options(2, 1, 1).withLoss(PreferenceLoss.Type.SPA).withSpaLambda(0.5);
        var same = assertThrows(IllegalArgumentException.class, () -> DpoTrainer.train(policy, policy, ok, dnd, work, null, null));
        assertEquals("the reference model must be a separate copy (or the policy with LoRA adapters, disabled for it): the policy changes during training", same.getMessage());
    }
}
