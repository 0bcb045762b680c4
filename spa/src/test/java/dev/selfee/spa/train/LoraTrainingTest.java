package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraConfig;
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

/** SFT and DPO with LoRA adapters: only the adapters train, the base stays frozen and gradient-free, and the output is merged. */
class LoraTrainingTest {
    private static final int VOCAB = 48;
    private static final LoraConfig LORA = LoraConfig.of(4, 8, "all-linear");
    @TempDir Path work;

    private static float[] base(LlamaModel m) {
        float[] all = new float[(int) m.parameterCount()];
        int k = 0;
        for (Parameter p : m.parameters().values()) for (float v : p.value().toArray()) all[k++] = v;
        return all;
    }

    private static float[] adapters(LlamaModel m) {
        List<Float> all = new ArrayList<>();
        for (Parameter p : m.lora().parameters()) for (float v : p.value().toArray()) all.add(v);
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        return out;
    }

    private static void assertBaseFrozenWithoutGradients(LlamaModel m, float[] before) {
        assertArrayEquals(before, base(m), "the base weights must not change");
        for (Parameter p : m.parameters().values()) assertFalse(p.hasGrad(), p.name() + ": no gradient buffer for a frozen weight");
    }

    private static float[] logits(LlamaModel m) {
        int[] ids = {3, 9, 14, 20, 7, 33, 2, 41};
        try (NoGrad _ = NoGrad.enter()) {
            return m.logits(ids, null, 1, ids.length).value().toArray();
        }
    }

    @Test
    void sftTrainsOnlyTheAdaptersAndSavesAMergedModel() throws IOException {
        List<TokenizedExample> data = TrainFixtures.randomExamples(6, VOCAB, 2);
        LlamaModel m = TrainFixtures.tinyModel(VOCAB, 2);
        float[] before = base(m);
        m.attachLora(LORA, 1);
        float[] adaptersBefore = adapters(m);
        List<Map<String, Object>> rows = new ArrayList<>();
        TrainingOptions o = TrainingOptions.defaults().withBatchSize(3).withEpochs(10).withLearningRate(1e-2).withSeed(3);
        SftTrainer.train(m, data, o, work, rows::add, null);
        assertBaseFrozenWithoutGradients(m, before);
        assertFalse(Arrays.equals(adaptersBefore, adapters(m)), "the adapters trained");
        assertTrue((double) rows.getLast().get("loss") < 0.7 * (double) rows.getFirst().get("loss"), rows.getFirst() + " -> " + rows.getLast());

        Path out = work.resolve("out");
        ModelOutput.save(m, out, null, null);
        LlamaModel plain = LlamaCheckpoint.load(out);
        assertNull(plain.lora());
        assertArrayEquals(logits(m), logits(plain), 1e-5f, "the saved model is the merged one");
        assertFalse(Arrays.equals(before, base(plain)));
        LlamaModel again = TrainFixtures.tinyModel(VOCAB, 2);
        again.loadLora(out.resolve(ModelOutput.ADAPTER_DIR));
        assertArrayEquals(logits(m), logits(again), 0f, "the PEFT adapter saved beside it reproduces the model on the base");
    }

    @Test
    void dpoWithThePolicyAsItsOwnReferenceLearnsWithoutASecondCopy() {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 5);
        LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 2);
        float[] before = base(policy);
        policy.attachLora(LORA, 4);
        List<Map<String, Object>> rows = new ArrayList<>();
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(4).withEpochs(8).withSchedule(TrainingOptions.Schedule.CONSTANT, 0).withLearningRate(1e-2);
        DpoTrainer.train(policy, policy, pairs, DpoOptions.defaults().withTraining(t), work, rows::add, null);
        assertEquals(Math.log(2), (double) rows.getFirst().get("loss"), 1e-6, "B = 0: the policy starts as its reference");
        assertTrue((double) rows.getLast().get("loss") < 0.3, "loss fell to " + rows.getLast().get("loss"));
        assertBaseFrozenWithoutGradients(policy, before);
    }

    /** DND needs the reference's logits every step: the policy with its adapters disabled gives exactly what a separate base copy gives. */
    @Test
    void spaWithDndOnTheDisabledAdapterReferenceEqualsASeparateReference() {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 9);
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(2).withMaxSteps(4).withLearningRate(1e-2);
        DpoOptions o = DpoOptions.defaults().withTraining(t).withLoss(PreferenceLoss.Type.SPA).withSpa(0.1, 0.25, 0.5);
        float[][] w = new float[2][];
        for (int run = 0; run < 2; run++) {
            LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 3);
            policy.attachLora(LORA, 6);
            LlamaModel ref = run == 0 ? TrainFixtures.tinyModel(VOCAB, 3) : policy;
            DpoTrainer.train(policy, ref, pairs, o, work.resolve("r" + run), MetricsSink.NONE, null);
            w[run] = adapters(policy);
        }
        assertArrayEquals(w[0], w[1]);
    }

    @Test
    void sftWithLoraResumesBitIdentically() {
        List<TokenizedExample> data = TrainFixtures.randomExamples(8, VOCAB, 22);
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(2).withMaxSteps(4).withLearningRate(1e-2).withSaveSteps(1);
        LlamaModel whole = TrainFixtures.tinyModel(VOCAB, 3);
        whole.attachLora(LORA, 2);
        SftTrainer.train(whole, data, t, work.resolve("a"), MetricsSink.NONE, null);
        MetricsSink killAt3 = new MetricsSink() {
            public void record(Map<String, Object> m) {
                if ((int) m.get("step") == 3) throw new IllegalStateException("killed");
            }
        };
        LlamaModel killed = TrainFixtures.tinyModel(VOCAB, 3);
        killed.attachLora(LORA, 2);
        assertThrows(IllegalStateException.class, () -> SftTrainer.train(killed, data, t, work.resolve("b"), killAt3, null));
        assertTrue(Files.isDirectory(work.resolve("b").resolve(TrainingCheckpoint.DIR).resolve(ModelOutput.ADAPTER_DIR)));
        LlamaModel resumed = TrainFixtures.tinyModel(VOCAB, 3);
        resumed.attachLora(LORA, 2);
        List<Map<String, Object>> rows = new ArrayList<>();
        SftTrainer.train(resumed, data, t, work.resolve("b"), rows::add, null);
        assertEquals(3, rows.getFirst().get("step"), "the run resumed after step 2");
        assertArrayEquals(adapters(whole), adapters(resumed));
        assertArrayEquals(base(whole), base(resumed));
    }
}
