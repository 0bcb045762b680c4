package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.loss.PreferenceLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run killed after a checkpoint and run again on the same inputs ends exactly where an uninterrupted run ends. */
class ResumeTest {
    private static final int VOCAB = 48;
    @TempDir Path tmp;

    /** Stops the run when the given step's metrics arrive, as a kill would. */
    private static final class Kill extends RuntimeException {}

    private static MetricsSink killingAt(MetricsFile file, int step) {
        return new MetricsSink() {
            public void record(Map<String, Object> m) {
                file.record(m);
                if ((int) m.get("step") == step) throw new Kill();
            }

            public void resumeAt(int done) {
                file.resumeAt(done);
            }
        };
    }

    @Test
    void spaWithDndResumesBitIdentically() throws IOException {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(12, VOCAB, 21);
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(2).withMaxSteps(6).withLearningRate(1e-2).withSaveSteps(2)
                .withSchedule(TrainingOptions.Schedule.COSINE, 0.2);
        DpoOptions o = DpoOptions.defaults().withTraining(t).withLoss(PreferenceLoss.Type.SPA).withSpa(0.1, 0.2, 0.5).withSpaThreshold(5, 0.2,
                dev.selfee.spa.loss.ConfidenceThreshold.Form.RELEASED_CODE);
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        LlamaModel whole = TrainFixtures.tinyModel(VOCAB, 1);
        try (MetricsFile m = new MetricsFile(a.resolve("metrics.jsonl"))) {
            DpoTrainer.train(whole, TrainFixtures.tinyModel(VOCAB, 2), pairs, o, a, m, null);
        }
        try (MetricsFile m = new MetricsFile(b.resolve("metrics.jsonl"))) {
            assertThrows(Kill.class, () -> DpoTrainer.train(TrainFixtures.tinyModel(VOCAB, 1), TrainFixtures.tinyModel(VOCAB, 2), pairs, o, b, killingAt(m, 5), null));
        }
        assertTrue(Files.isDirectory(b.resolve(TrainingCheckpoint.DIR)));
        LlamaModel resumed = TrainFixtures.tinyModel(VOCAB, 1);
        try (MetricsFile m = new MetricsFile(b.resolve("metrics.jsonl"))) {
            DpoTrainer.train(resumed, TrainFixtures.tinyModel(VOCAB, 2), pairs, o, b, m, null);
        }
        assertArrayEquals(TrainFixtures.weights(whole), TrainFixtures.weights(resumed));
        assertEquals(Files.readString(a.resolve("metrics.jsonl")), Files.readString(b.resolve("metrics.jsonl")));
        assertEquals(Files.readString(a.resolve(DpoTrainer.PAIRS_FILE)), Files.readString(b.resolve(DpoTrainer.PAIRS_FILE)));
        assertFalse(Files.exists(b.resolve(TrainingCheckpoint.DIR)), "a finished run removes its checkpoint");
    }

    @Test
    void sftResumesBitIdenticallyAndIgnoresAnotherRunsCheckpoint() throws IOException {
        List<TokenizedExample> data = TrainFixtures.randomExamples(9, VOCAB, 22);
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(2).withGradientAccumulationSteps(2).withEpochs(2).withLearningRate(1e-2).withSaveSteps(1);
        Path a = tmp.resolve("sa"), b = tmp.resolve("sb");
        LlamaModel whole = TrainFixtures.tinyModel(VOCAB, 3);
        SftTrainer.train(whole, data, t, a, MetricsSink.NONE, null);
        try (MetricsFile m = new MetricsFile(b.resolve("metrics.jsonl"))) {
            assertThrows(Kill.class, () -> SftTrainer.train(TrainFixtures.tinyModel(VOCAB, 3), data, t, b, killingAt(m, 3), null));
        }
        // other data: the checkpoint is not this run's, so training starts afresh (and still finishes)
        LlamaModel other = TrainFixtures.tinyModel(VOCAB, 3);
        Path c = tmp.resolve("sc");
        copyTree(b, c);
        SftTrainer.train(other, data.subList(0, 8), t, c, MetricsSink.NONE, null);
        LlamaModel clean = TrainFixtures.tinyModel(VOCAB, 3);
        SftTrainer.train(clean, data.subList(0, 8), t, tmp.resolve("clean"), MetricsSink.NONE, null);
        assertArrayEquals(TrainFixtures.weights(clean), TrainFixtures.weights(other));
        LlamaModel resumed = TrainFixtures.tinyModel(VOCAB, 3);
        SftTrainer.train(resumed, data, t, b, MetricsSink.NONE, null);
        assertArrayEquals(TrainFixtures.weights(whole), TrainFixtures.weights(resumed));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }
}
