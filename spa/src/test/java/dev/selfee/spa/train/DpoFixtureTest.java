package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.io.SafetensorsFile;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.loss.ConfidenceThreshold;
import dev.selfee.spa.loss.PreferenceLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One DPO step of the trainer against tools/make_dpo_fixtures.py: TRL 1.13's own loss code for
 * sigmoid and ipo, torch references for cdpo and SPA (with and without DND). Loss, TRL's metrics,
 * SPA's threshold and flags, and every parameter after one SGD step agree within 1e-4 relative;
 * and three AdamW steps of TRL's DPOTrainer (schedule, warm-up, clipping, accumulation, decay).
 */
class DpoFixtureTest {
    private static final double REL = 1e-4;

    @TempDir Path work;

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "ipo", "cdpo", "spa", "spa_dnd"})
    void oneSgdStepMatchesTheReference(String name) {
        JsonNode fx = TrainFixtures.dpoFixture(), c = fx.get("cases").get(name);
        Path dir = TrainFixtures.dpoDir();
        LlamaModel policy = LlamaCheckpoint.load(dir.resolve("policy"));
        LlamaModel reference = LlamaCheckpoint.load(dir.resolve("reference"));
        List<TokenizedPair> pairs = TrainFixtures.fixturePairs(fx);
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(pairs.size()).withMaxSteps(1).withLearningRate(fx.get("lr").asDouble())
                .withSchedule(TrainingOptions.Schedule.CONSTANT, 0).withOptimizer(TrainingOptions.OptimizerType.SGD, 0).withMaxGradNorm(0);
        DpoOptions o = DpoOptions.defaults().withTraining(t).withBeta(fx.get("beta").asDouble())
                .withLoss(PreferenceLoss.Type.parse(name.startsWith("spa") ? "spa" : name));
        if (name.equals("cdpo")) o = o.withLabelSmoothing(c.get("label_smoothing").asDouble());
        if (name.startsWith("spa")) {
            o = o.withSpa(c.get("spa_alpha").asDouble(), 0, c.get("spa_lambda").asDouble())
                    .withSpaThreshold(50, c.get("spa_quantile").asDouble(),
                            c.get("spa_threshold_form").asText().equals("paper") ? ConfidenceThreshold.Form.PAPER : ConfidenceThreshold.Form.RELEASED_CODE);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        DpoTrainer.train(policy, reference, pairs, o, work, rows::add, null);

        double[] refC = doubles(fx.get("ref_chosen_logps")), refR = doubles(fx.get("ref_rejected_logps"));
        ReferenceLogps cached = ReferenceLogps.cached(reference, pairs, 6, work.resolve(ReferenceLogps.FILE), null);
        for (int i = 0; i < pairs.size(); i++) {
            assertClose(refC[i], cached.chosen()[i], "ref_chosen_logps[" + i + "]");
            assertClose(refR[i], cached.rejected()[i], "ref_rejected_logps[" + i + "]");
        }
        assertEquals(1, rows.size());
        Map<String, Object> row = rows.getFirst();
        worst = 0;
        c.get("metrics").properties().forEach(e -> assertClose(e.getValue().asDouble(), ((Number) row.get(e.getKey())).doubleValue(), name + " " + e.getKey()));
        if (name.startsWith("spa")) checkFlags(c, work);

        try (SafetensorsFile after = SafetensorsFile.open(dir.resolve("after_" + name + ".safetensors"))) {
            for (Parameter p : policy.parameters().values()) {
                Tensor expected = Tensor.zeros(p.value().shape());
                after.loadInto(p.name(), expected);
                float[] e = expected.data(), a = p.value().toArray();
                double scale = 0;
                for (float v : e) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < e.length; i++) {
                    if (Math.abs(e[i] - a[i]) > REL * scale) fail(name + ": " + p.name() + "[" + i + "] is " + a[i] + ", expected " + e[i]);
                    worstParam = Math.max(worstParam, Math.abs(e[i] - a[i]) / scale);
                }
            }
        }
        System.out.printf("dpo fixture %s: worst relative difference %.2e in metrics, %.2e in parameters (of each tensor's largest value)%n", name, worst, worstParam);
    }

    private static double worst;
    private double worstParam;

    /** TRL's DPOTrainer itself: 3 AdamW steps, cosine with warm-up, clipping, weight decay, 2 accumulated micro-batches. */
    @Test
    void threeAdamWStepsMatchTrlsDpoTrainer() {
        JsonNode fx = TrainFixtures.dpoFixture(), args = fx.get("trainer").get("args");
        Path dir = TrainFixtures.dpoDir();
        LlamaModel policy = LlamaCheckpoint.load(dir.resolve("policy"));
        List<TokenizedPair> pairs = TrainFixtures.fixturePairs(fx);
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(args.get("per_device_train_batch_size").asInt())
                .withGradientAccumulationSteps(args.get("gradient_accumulation_steps").asInt()).withMaxSteps(args.get("max_steps").asInt())
                .withLearningRate(args.get("learning_rate").asDouble())
                .withSchedule(TrainingOptions.Schedule.parse(args.get("lr_scheduler_type").asText()), args.get("warmup_steps").asDouble())
                .withOptimizer(TrainingOptions.OptimizerType.ADAMW, args.get("weight_decay").asDouble()).withMaxGradNorm(args.get("max_grad_norm").asDouble());
        List<Map<String, Object>> rows = new ArrayList<>();
        DpoTrainer.train(policy, LlamaCheckpoint.load(dir.resolve("reference")), pairs, DpoOptions.defaults().withTraining(t).withBeta(fx.get("beta").asDouble()),
                work, rows::add, null);
        JsonNode steps = fx.get("trainer").get("steps");
        assertEquals(steps.size(), rows.size());
        worst = 0;
        for (int i = 0; i < rows.size(); i++) {
            int step = i;
            steps.get(i).properties().forEach(e -> assertClose(e.getValue().asDouble(), ((Number) rows.get(step).get(e.getKey())).doubleValue(),
                    "step " + (step + 1) + " " + e.getKey()));
        }
        worstParam = 0;
        try (SafetensorsFile after = SafetensorsFile.open(dir.resolve("after_trainer.safetensors"))) {
            for (Parameter p : policy.parameters().values()) {
                Tensor expected = Tensor.zeros(p.value().shape());
                after.loadInto(p.name(), expected);
                float[] e = expected.data(), a = p.value().toArray();
                double scale = 0;
                for (float v : e) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < e.length; i++) {
                    if (Math.abs(e[i] - a[i]) > REL * scale) fail("trainer: " + p.name() + "[" + i + "] is " + a[i] + ", expected " + e[i]);
                    worstParam = Math.max(worstParam, Math.abs(e[i] - a[i]) / scale);
                }
            }
        }
        System.out.printf("dpo fixture TRL DPOTrainer, 3 AdamW steps: worst relative difference %.2e in metrics, %.2e in parameters%n", worst, worstParam);
    }

    private static void checkFlags(JsonNode c, Path work) {
        List<JsonNode> lines = new ArrayList<>();
        try {
            for (String l : java.nio.file.Files.readAllLines(work.resolve(DpoTrainer.PAIRS_FILE))) lines.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(l));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(c.get("margins").size(), lines.size());
        for (JsonNode l : lines) {
            int i = l.get("index").asInt();
            assertClose(c.get("margins").get(i).asDouble(), l.get("margin").asDouble(), "margin of pair " + i);
            assertEquals(c.get("confident").get(i).asBoolean(), l.get("confident").asBoolean(), "confidence of pair " + i);
        }
    }

    static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }

    static void assertClose(double expected, double actual, String what) {
        double tol = REL * Math.max(1e-3, Math.abs(expected));
        worst = Math.max(worst, Math.abs(expected - actual) / Math.max(1e-3, Math.abs(expected)));
        if (!(Math.abs(expected - actual) <= tol)) fail(what + ": " + actual + ", expected " + expected + " (within " + tol + ")");
    }
}
