package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.Scorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainerTest {
    private static final int VOCAB = 40;
    @TempDir Path work;

    private static TrainingOptions options(int steps) {
        return TrainingOptions.defaults().withBatchSize(3).withMaxSteps(steps).withLearningRate(1e-2).withSeed(3);
    }

    @Test
    void theLossIsTheMeanNegativeLogLikelihoodOfCompletionTokensOnly() {
        List<TokenizedExample> data = TrainFixtures.randomExamples(3, VOCAB, 1);
        LlamaModel model = TrainFixtures.tinyModel(VOCAB, 1);
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        int tokens = 0;
        for (TokenizedExample e : data) {
            prompts.add(e.prompt());
            completions.add(e.completion());
            tokens += e.completion().length;
        }
        double nll = 0;
        for (float v : Scorer.score(model, prompts, completions, 8)) nll -= v;
        List<Map<String, Object>> rows = new ArrayList<>();
        SftTrainer.train(model, data, options(1), work, rows::add, null);
        assertEquals(nll / tokens, (double) rows.getFirst().get("loss"), 1e-5 * nll / tokens);
    }

    @Test
    void learnsAndIsDeterministic() {
        List<TokenizedExample> data = TrainFixtures.randomExamples(6, VOCAB, 2);
        float[][] w = new float[2][];
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            rows.clear();
            LlamaModel m = TrainFixtures.tinyModel(VOCAB, 2);
            SftTrainer.Result r = SftTrainer.train(m, data, options(0).withEpochs(15).withSchedule(TrainingOptions.Schedule.COSINE, 0.1), work, rows::add, null);
            w[run] = TrainFixtures.weights(m);
            assertEquals(30, r.summary().steps());
        }
        assertArrayEquals(w[0], w[1]);
        assertTrue((double) rows.getLast().get("loss") < 0.5 * (double) rows.getFirst().get("loss"), rows.getFirst() + " -> " + rows.getLast());
        assertEquals(0.0, (double) rows.getFirst().get("learning_rate"), "warm-up starts at 0 as in HF");
    }

    @Test
    void nanWeightsStopAtStepOneWithTheModelSaved() {
        LlamaModel m = TrainFixtures.tinyModel(VOCAB, 3);
        m.parameter("model.norm.weight").value().data()[0] = Float.NaN;
        var e = assertThrows(TrainingDivergedException.class, () -> SftTrainer.train(m, TrainFixtures.randomExamples(2, VOCAB, 3), options(2), work, null, null));
        assertEquals(1, e.step());
        assertEquals(work.resolve(DpoTrainer.LAST_GOOD_DIR), e.lastGood());
        assertEquals(m.parameterCount(), LlamaCheckpoint.load(e.lastGood()).parameterCount());
    }

    @Test
    void aTokenizerLargerThanTheModelIsRefused() {
        List<TokenizedExample> data = List.of(new TokenizedExample(0, new int[] {1, 2}, new int[] {VOCAB, 2}));
        var e = assertThrows(IllegalArgumentException.class, () -> SftTrainer.train(TrainFixtures.tinyModel(VOCAB, 1), data, options(1), work, null, null));
        assertEquals("example 0: token id 40 is outside the model's vocabulary [0, 40); the tokenizer does not match the model", e.getMessage());
    }
}
