package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.loss.PreferenceLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The device trainers against the CPU trainers on a tiny model: every step's metrics (loss,
 * grad_norm, rewards, log-probs, learning rate) and the trained weights. Two optimiser steps of
 * two micro-batches each, with clipping, weight decay (norms exempt) and a cosine schedule with
 * warm-up, so accumulation, clipping and AdamW's moments all take part. Shared by the CPU and OpenCL tests.
 */
final class DeviceTrainerParity {
    static final int VOCAB = 48;

    private DeviceTrainerParity() {}

    static TrainingOptions training() {
        return TrainingOptions.defaults().withBatchSize(2).withGradientAccumulationSteps(2).withMaxSteps(2).withLearningRate(1e-2)
                .withSchedule(TrainingOptions.Schedule.COSINE, 0.25).withOptimizer(TrainingOptions.OptimizerType.ADAMW, 0.1)
                .withMaxGradNorm(1.0).withSeed(7);
    }

    /** DPO with {@code loss} on 8 random pairs (SPA: with DND's extrapolation {@code lambda}, the reference model running beside the policy when it is > 0). */
    static void assertDpoMatches(Backend be, PreferenceLoss.Type loss, double lambda, Path work, double tolerance) {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 21);
        DpoOptions o = DpoOptions.defaults().withTraining(training()).withLoss(loss).withBeta(0.5);
        if (loss == PreferenceLoss.Type.SPA) o = o.withSpa(0.1, 0.25, lambda);
        LlamaModel reference = TrainFixtures.tinyModel(VOCAB, 3);
        ReferenceLogps ref = ReferenceLogps.cached(reference, pairs, 2, work.resolve("ref.jsonl"), null);
        LlamaModel cpu = TrainFixtures.tinyModel(VOCAB, 4), dev = TrainFixtures.tinyModel(VOCAB, 4);
        List<Map<String, Object>> want = new ArrayList<>(), got = new ArrayList<>();
        LlamaModel refModel = o.needsReferenceModel() ? reference : null;
        DpoTrainer.train(cpu, ref, refModel, pairs, o, work.resolve("cpu"), want::add, null);
        DeviceDpoTrainer.train(dev, ref, refModel, pairs, o, work.resolve("dev"), got::add, null, be);
        if (lambda > 0) {
            assertPairLogsMatch(work.resolve("cpu").resolve(DpoTrainer.PAIRS_FILE), work.resolve("dev").resolve(DpoTrainer.PAIRS_FILE), tolerance);
        }
        assertRowsMatch(want, got, tolerance, be.name() + " dpo " + loss);
        assertWeightsMatch(cpu, dev, tolerance, be.name() + " dpo " + loss);
    }

    /**
     * LoRA DPO (SPA with DND, so the reference runs beside the policy): the policy trains its
     * adapters only and its reference is its own base, on both sides; the reference log-probs, every
     * step's metrics and the trained adapters match, and the base weights do not move.
     */
    static void assertLoraDpoMatches(Backend be, Path work, double tolerance) {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 25);
        DpoOptions o = DpoOptions.defaults().withTraining(training()).withLoss(PreferenceLoss.Type.SPA).withBeta(0.5).withSpa(0.1, 0.25, 0.5);
        LlamaModel cpu = loraModel(), dev = loraModel();
        ReferenceLogps ref = ReferenceLogps.cached(cpu, pairs, 2, work.resolve("lora-ref-cpu.jsonl"), null);
        ReferenceLogps refOnDevice = ReferenceLogps.cached(dev, pairs, 2, work.resolve("lora-ref-dev.jsonl"), null, be);
        for (int i = 0; i < pairs.size(); i++) {
            assertEquals(ref.chosen()[i], refOnDevice.chosen()[i], tolerance * Math.max(1, Math.abs(ref.chosen()[i])), be.name() + " LoRA reference " + i);
        }
        List<Map<String, Object>> want = new ArrayList<>(), got = new ArrayList<>();
        DpoTrainer.train(cpu, ref, cpu, pairs, o, work.resolve("lora-cpu"), want::add, null);
        DeviceDpoTrainer.train(dev, ref, dev, pairs, o, work.resolve("lora-dev"), got::add, null, be);
        assertRowsMatch(want, got, tolerance, be.name() + " LoRA dpo");
        assertPairLogsMatch(work.resolve("lora-cpu").resolve(DpoTrainer.PAIRS_FILE), work.resolve("lora-dev").resolve(DpoTrainer.PAIRS_FILE), tolerance);
        LlamaModel untouched = loraModel();
        for (int i = 0; i < cpu.lora().parameters().size(); i++) {
            Parameter w = cpu.lora().parameters().get(i), g = dev.lora().parameters().get(i), start = untouched.lora().parameters().get(i);
            float[] a = w.value().toArray(), b = g.value().toArray();
            double max = 0, err = 0;
            for (int j = 0; j < a.length; j++) {
                max = Math.max(max, Math.abs(a[j]));
                err = Math.max(err, Math.abs(a[j] - b[j]));
            }
            assertTrue(err <= tolerance * max, be.name() + " LoRA dpo: " + w.name() + " differs by " + err + " (scale " + max + ")");
            assertFalse(java.util.Arrays.equals(start.value().toArray(), b), be.name() + " LoRA dpo: " + w.name() + " did not train");
        }
        for (Parameter p : untouched.parameters().values()) {
            assertTrue(java.util.Arrays.equals(p.value().toArray(), dev.parameter(p.name()).value().toArray()), "base weight " + p.name() + " moved");
        }
    }

    /** The tiny model with adapters on every projection, B made non-zero so the adapters change the log-probs from the start. */
    private static LlamaModel loraModel() {
        LlamaModel m = TrainFixtures.tinyModel(VOCAB, 4);
        m.attachLora(dev.selfee.engine.model.LoraConfig.of(2, 4, "all-linear"), 5);
        java.util.SplittableRandom r = new java.util.SplittableRandom(6);
        for (var a : m.lora().adapters()) {
            float[] d = a.b().value().data();
            for (int i = 0; i < d.length; i++) d[i] = (float) r.nextDouble(-0.3, 0.3);
        }
        return m;
    }

    /** Reference log-probs scored on the device equal the CPU engine's, and land in the same cache. */
    static void assertReferenceMatches(Backend be, Path work, double tolerance) {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(5, VOCAB, 23);
        LlamaModel ref = TrainFixtures.tinyModel(VOCAB, 3);
        ReferenceLogps want = ReferenceLogps.compute(ref, pairs, 2, null);
        Path file = work.resolve("ref-on-device.jsonl");
        ReferenceLogps got = ReferenceLogps.cached(ref, pairs, 2, file, null, be);
        for (int i = 0; i < pairs.size(); i++) {
            assertEquals(want.chosen()[i], got.chosen()[i], tolerance * Math.max(1, Math.abs(want.chosen()[i])), be.name() + " chosen " + i);
            assertEquals(want.rejected()[i], got.rejected()[i], tolerance * Math.max(1, Math.abs(want.rejected()[i])), be.name() + " rejected " + i);
        }
        ReferenceLogps again = ReferenceLogps.cached(ref, pairs, 2, file, null);
        assertTrue(java.util.Arrays.equals(got.chosen(), again.chosen()), "the CPU path reads the device's cache");
    }

    /** SPA's per-pair log: the same pairs, steps and confidence flags, margins and thresholds within {@code tolerance}. */
    static void assertPairLogsMatch(Path want, Path got, double tolerance) {
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<String> w = java.nio.file.Files.readAllLines(want), g = java.nio.file.Files.readAllLines(got);
            assertEquals(w.size(), g.size(), "pairs logged");
            for (int i = 0; i < w.size(); i++) {
                var a = json.readTree(w.get(i));
                var b = json.readTree(g.get(i));
                for (String k : List.of("index", "step", "confident", "alpha")) assertEquals(a.get(k), b.get(k), k + " of logged pair " + i);
                for (String k : List.of("margin", "threshold")) {
                    double x = a.get(k).asDouble(), y = b.get(k).asDouble();
                    assertEquals(x, y, tolerance * Math.max(1, Math.abs(x)), k + " of logged pair " + i);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void assertSftMatches(Backend be, Path work, double tolerance) {
        List<TokenizedExample> examples = TrainFixtures.randomExamples(8, VOCAB, 22);
        LlamaModel cpu = TrainFixtures.tinyModel(VOCAB, 5), dev = TrainFixtures.tinyModel(VOCAB, 5);
        List<Map<String, Object>> want = new ArrayList<>(), got = new ArrayList<>();
        SftTrainer.train(cpu, examples, training(), work.resolve("cpu"), want::add, null);
        DeviceSftTrainer.train(dev, examples, training(), work.resolve("dev"), got::add, null, be);
        assertRowsMatch(want, got, tolerance, be.name() + " sft");
        assertWeightsMatch(cpu, dev, tolerance, be.name() + " sft");
    }

    /** Stops a run when the given step's metrics arrive, as a kill would. */
    static final class Kill extends RuntimeException {}

    static MetricsSink killingAt(List<Map<String, Object>> rows, int step) {
        return m -> {
            rows.add(m);
            if ((int) m.get("step") == step) throw new Kill();
        };
    }

    /**
     * A device DPO run (SPA, so the threshold window is saved too) killed after its step-2
     * checkpoint and run again ends bit-identically to an uninterrupted device run; with
     * {@code fromCpu}, the killed run is the CPU trainer's and the device resumes its checkpoint,
     * ending within {@code tolerance} of the uninterrupted CPU run.
     */
    static void assertResumes(Backend be, Path work, boolean fromCpu, double tolerance) {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(8, VOCAB, 24);
        TrainingOptions t = training().withGradientAccumulationSteps(1).withMaxSteps(4).withSaveSteps(2);
        DpoOptions o = DpoOptions.defaults().withTraining(t).withLoss(PreferenceLoss.Type.SPA).withSpa(0.1, 0.25, 0).withBeta(0.5);
        ReferenceLogps ref = ReferenceLogps.cached(TrainFixtures.tinyModel(VOCAB, 3), pairs, 2, work.resolve("ref.jsonl"), null);
        LlamaModel whole = TrainFixtures.tinyModel(VOCAB, 4);
        List<Map<String, Object>> want = new ArrayList<>(), got = new ArrayList<>();
        if (fromCpu) {
            DpoTrainer.train(whole, ref, null, pairs, o, work.resolve("whole"), want::add, null);
        } else {
            DeviceDpoTrainer.train(whole, ref, null, pairs, o, work.resolve("whole"), want::add, null, be);
        }
        Path dir = work.resolve("killed");
        List<Map<String, Object>> before = new ArrayList<>();
        org.junit.jupiter.api.Assertions.assertThrows(Kill.class, () -> {
            if (fromCpu) {
                DpoTrainer.train(TrainFixtures.tinyModel(VOCAB, 4), ref, null, pairs, o, dir, killingAt(before, 3), null);
            } else {
                DeviceDpoTrainer.train(TrainFixtures.tinyModel(VOCAB, 4), ref, null, pairs, o, dir, killingAt(before, 3), null, be);
            }
        });
        assertTrue(java.nio.file.Files.isDirectory(dir.resolve(TrainingCheckpoint.DIR)), "a checkpoint after step 2");
        LlamaModel resumed = TrainFixtures.tinyModel(VOCAB, 4);
        DeviceDpoTrainer.train(resumed, ref, null, pairs, o, dir, got::add, null, be);
        assertEquals(2, got.size(), "the resumed run takes steps 3 and 4 only");
        assertFalse(java.nio.file.Files.exists(dir.resolve(TrainingCheckpoint.DIR)), "a finished run removes its checkpoint");
        if (tolerance == 0) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(TrainFixtures.weights(whole), TrainFixtures.weights(resumed), be.name() + ": resumed weights");
            assertEquals(want.subList(2, 4), got, be.name() + ": the resumed steps' metrics");
        } else {
            assertRowsMatch(want.subList(2, 4), got, tolerance, be.name() + " resuming a cpu checkpoint");
            assertWeightsMatch(whole, resumed, tolerance, be.name() + " resuming a cpu checkpoint");
        }
    }

    /**
     * A non-finite loss at step 3 (an infinite reference log-prob) stops the device run naming the
     * step, with the model from after step 2 saved as the last good one; NaN weights stop SFT at step 1.
     */
    static void assertDivergenceStops(Backend be, Path work) {
        List<TokenizedPair> pairs = TrainFixtures.randomPairs(4, VOCAB, 15);
        LlamaModel policy = TrainFixtures.tinyModel(VOCAB, 10);
        ReferenceLogps good = ReferenceLogps.compute(TrainFixtures.tinyModel(VOCAB, 11), pairs, 4, null);
        float[] chosen = good.chosen().clone();
        chosen[TrainingPlan.permutation(4, 7, 0)[2]] = Float.POSITIVE_INFINITY; // the third step's pair
        TrainingOptions t = training().withBatchSize(1).withGradientAccumulationSteps(1).withMaxSteps(4);
        DpoOptions o = DpoOptions.defaults().withTraining(t);
        TrainingDivergedException e = org.junit.jupiter.api.Assertions.assertThrows(TrainingDivergedException.class,
                () -> DeviceDpoTrainer.train(policy, new ReferenceLogps(chosen, good.rejected()), null, pairs, o, work.resolve("dpo"), null, null, be));
        assertEquals(3, e.step());
        assertTrue(e.getMessage().startsWith("training stopped at optimizer step 3: the loss is"), e.getMessage());
        float[] saved = TrainFixtures.weights(dev.selfee.engine.model.LlamaCheckpoint.load(e.lastGood()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(TrainFixtures.weights(policy), saved, "the policy holds the last good weights");
        assertFalse(java.util.Arrays.equals(saved, TrainFixtures.weights(TrainFixtures.tinyModel(VOCAB, 10))), "two steps were taken before");

        LlamaModel nan = TrainFixtures.tinyModel(VOCAB, 3);
        nan.parameter("model.norm.weight").value().data()[0] = Float.NaN;
        var s = org.junit.jupiter.api.Assertions.assertThrows(TrainingDivergedException.class,
                () -> DeviceSftTrainer.train(nan, TrainFixtures.randomExamples(2, VOCAB, 3), t, work.resolve("sft"), null, null, be));
        assertEquals(1, s.step());
    }

    /** Every metric of every step: |Δ| ≤ tolerance · max(1, |want|). */
    static void assertRowsMatch(List<Map<String, Object>> want, List<Map<String, Object>> got, double tolerance, String what) {
        assertEquals(want.size(), got.size(), what + ": steps");
        for (int s = 0; s < want.size(); s++) {
            assertEquals(want.get(s).keySet(), got.get(s).keySet(), what + ": metrics of step " + (s + 1));
            for (var e : want.get(s).entrySet()) {
                if (e.getValue() instanceof Number w) {
                    double x = w.doubleValue(), y = ((Number) got.get(s).get(e.getKey())).doubleValue();
                    assertEquals(x, y, tolerance * Math.max(1, Math.abs(x)), what + ": " + e.getKey() + " at step " + (s + 1));
                } else {
                    assertEquals(e.getValue(), got.get(s).get(e.getKey()), what + ": " + e.getKey() + " at step " + (s + 1));
                }
            }
        }
    }

    /** Each trained parameter: max |Δ| ≤ tolerance · max |want|, and training moved it. */
    static void assertWeightsMatch(LlamaModel want, LlamaModel got, double tolerance, String what) {
        for (Parameter p : want.parameters().values()) {
            float[] w = p.value().toArray(), g = got.parameter(p.name()).value().toArray();
            double max = 0, err = 0;
            for (int i = 0; i < w.length; i++) {
                max = Math.max(max, Math.abs(w[i]));
                err = Math.max(err, Math.abs(w[i] - g[i]));
            }
            assertTrue(err <= tolerance * max, what + ": weights of " + p.name() + " differ by " + err + " (scale " + max + ")");
        }
        float[] before = TrainFixtures.weights(TrainFixtures.tinyModel(VOCAB, 4)), after = TrainFixtures.weights(got);
        assertTrue(!java.util.Arrays.equals(before, after), what + ": training changed nothing");
    }
}
