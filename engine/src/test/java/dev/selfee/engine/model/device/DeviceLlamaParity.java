package dev.selfee.engine.model.device;

import static dev.selfee.engine.backend.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.io.Architecture;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraAdapters;
import dev.selfee.engine.model.LoraConfig;
import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.engine.optim.AdamW;
import dev.selfee.engine.optim.GradNorm;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * {@link DeviceLlama} on a backend against the autograd {@link LlamaModel} on the same tiny random
 * model and padded batch: per-sequence log-probs, every gradient from a given d loss / d log-prob,
 * the gradient norm, and the weights after two AdamW steps (with decay exemptions and a rescaled,
 * accumulated gradient in between). Shared by the CPU and OpenCL tests.
 */
public final class DeviceLlamaParity {
    private DeviceLlamaParity() {}

    /** Plain Llama: tied embeddings, grouped KV heads, no bias. */
    public static LlamaConfig llamaTied() {
        return LlamaConfig.llama(29, 16, 2, 4, 2, 24, 1, 2, 0);
    }

    /** Qwen2: q/k/v biases, separate LM head, and a sliding window on its second layer. */
    public static LlamaConfig qwen2Windowed() {
        return new LlamaConfig(Architecture.QWEN2, 16, 20, 2, 4, 2, 4, 31, 1e-6, 10000.0, null, 64, false, true, false,
                3, true, 1, null, List.of(2), null, "float32");
    }

    /** Llama with every bias (o_proj and the MLP's too) and Mistral-like full KV heads. */
    public static LlamaConfig llamaAllBiases() {
        return new LlamaConfig(Architecture.LLAMA, 12, 20, 1, 2, 2, 6, 23, 1e-5, 500.0, null, 64, false, true, true,
                null, false, 0, null, List.of(2), null, "float32");
    }

    /** A random model of {@code c} whose biases are random too (transformers initialises them to 0, which would hide them). */
    public static LlamaModel model(LlamaConfig c, long seed) {
        LlamaModel m = LlamaModel.random(c, seed, 0.2);
        SplittableRandom r = new SplittableRandom(seed + 7);
        for (Parameter p : m.parameters().values()) {
            float[] d = p.value().data();
            if (p.name().endsWith(".bias") || p.name().endsWith("norm.weight")) {
                for (int i = 0; i < d.length; i++) d[i] += (float) r.nextDouble(-0.3, 0.3);
            }
        }
        return m;
    }

    /** Three rows of different lengths (right-padded), completions of 2–4 tokens. */
    public static SequenceBatch batch(int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] lens = {{3, 4}, {1, 2}, {5, 3}};
        List<int[]> prompts = new java.util.ArrayList<>(), completions = new java.util.ArrayList<>();
        for (int[] l : lens) {
            prompts.add(r.ints(l[0], 0, vocab).toArray());
            completions.add(r.ints(l[1], 0, vocab).toArray());
        }
        return SequenceBatch.of(prompts, completions);
    }

    /** {@link dev.selfee.engine.model.DeviceScorer} equals {@link dev.selfee.engine.model.Scorer} (input order kept across its length sorting). */
    public static void assertScorerMatches(Backend be, LlamaConfig c, double tolerance) {
        LlamaModel m = model(c, 8);
        SplittableRandom r = new SplittableRandom(4);
        List<int[]> prompts = new java.util.ArrayList<>(), completions = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            prompts.add(r.ints(1 + r.nextInt(6), 0, c.vocabSize()).toArray());
            completions.add(r.ints(1 + r.nextInt(5), 0, c.vocabSize()).toArray());
        }
        float[] want = dev.selfee.engine.model.Scorer.score(m, prompts, completions, 3);
        try (DeviceLlama d = DeviceLlama.uploadFrozen(m, be)) {
            assertClose(want, dev.selfee.engine.model.DeviceScorer.score(d, prompts, completions, 3), tolerance, be.name() + " scorer");
        }
    }

    private static final Predicate<String> EXEMPT = n -> n.endsWith(".bias") || n.contains("norm");

    /** Asserts parity within {@code tolerance} (max |Δ| ≤ tolerance · max |want| per tensor). */
    public static void assertMatchesAutograd(Backend be, LlamaConfig c, double tolerance) {
        assertMatchesAutograd(be, c, null, tolerance);
    }

    /** {@link #loraModel} for a null {@code lora}: the model itself. */
    public static LlamaModel model(LlamaConfig c, LoraConfig lora, long seed) {
        return lora == null ? model(c, seed) : loraModel(c, lora, seed);
    }

    /**
     * {@link #model} with LoRA adapters attached whose B is random too (PEFT starts it at zero,
     * which would hide the adapters' path through the forward and A's gradient).
     */
    public static LlamaModel loraModel(LlamaConfig c, LoraConfig lora, long seed) {
        LlamaModel m = model(c, seed);
        m.attachLora(lora, seed);
        SplittableRandom r = new SplittableRandom(seed + 11);
        for (LoraAdapters.Adapter a : m.lora().adapters()) {
            float[] d = a.b().value().data();
            for (int i = 0; i < d.length; i++) d[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        return m;
    }

    /**
     * As {@link #assertMatchesAutograd(Backend, LlamaConfig, double)}, with LoRA adapters of
     * {@code lora} attached when it is not null: then only they train, on both sides, and the base
     * weights must come out unchanged.
     */
    public static void assertMatchesAutograd(Backend be, LlamaConfig c, LoraConfig lora, double tolerance) {
        LlamaModel cpu = model(c, lora, 3);
        String what = be.name() + " " + c.architecture() + (lora == null ? "" : " LoRA");
        List<Parameter> trained = cpu.trainableParameters();
        try (DeviceLlama onDevice = DeviceLlama.upload(cpu, be)) {
            AdamW opt = new AdamW(trained, 1e-2, 0.9, 0.95, 1e-8, 0.1);
            opt.noDecayFor(p -> EXEMPT.test(p.name()));
            float[] dlogp = {0.7f, -1.3f, 0.4f};
            for (int step = 1; step <= 2; step++) {
                SequenceBatch b = batch(c.vocabSize(), step);
                float[] want;
                try (Tape tape = Tape.start()) {
                    Var lp = cpu.sequenceLogProbs(b);
                    want = lp.value().toArray();
                    tape.backward(lp, Tensor.of(dlogp.clone(), b.batch()));
                    if (step == 2) { // a second micro-batch accumulated, then averaged
                        Var lp2 = cpu.sequenceLogProbs(b);
                        tape.backward(lp2, Tensor.of(dlogp.clone(), b.batch()));
                    }
                }
                float[] got = onDevice.sequenceLogProbs(b);
                assertClose(want, got, tolerance, what + " sequence log-probs, step " + step);
                onDevice.backward(dlogp);
                if (step == 2) {
                    onDevice.sequenceLogProbs(b);
                    onDevice.backward(dlogp);
                    onDevice.scaleGradients(0.5f);
                    GradNorm.scale(trained, 0.5f);
                }
                for (Parameter p : trained) {
                    assertClose(p.grad().toArray(), onDevice.gradient(p.name()), tolerance, what + " gradient of " + p.name() + ", step " + step);
                }
                double norm = GradNorm.total(trained);
                assertEquals(norm, onDevice.gradientNorm(), tolerance * norm, what + " gradient norm, step " + step);
                opt.step();
                onDevice.adamw(1e-2, 0.9, 0.95, 1e-8, 0.1, EXEMPT, step);
                for (Parameter p : trained) {
                    assertClose(p.value().toArray(), onDevice.weights(p.name()), tolerance, what + " weights of " + p.name() + " after AdamW step " + step);
                }
                opt.zeroGrad();
                onDevice.zeroGrad();
            }
            if (lora != null) {
                LlamaModel untouched = model(c, lora, 3);
                for (Parameter p : untouched.parameters().values()) {
                    assertClose(p.value().toArray(), onDevice.weights(p.name()), 0, what + " frozen base weight " + p.name());
                }
            }
            LlamaModel back = model(c, lora, 99);
            onDevice.downloadInto(back);
            java.util.Map<String, Parameter> backByName = new java.util.HashMap<>();
            for (Parameter p : back.trainableParameters()) backByName.put(p.name(), p);
            for (Parameter p : trained) {
                assertClose(onDevice.weights(p.name()), backByName.get(p.name()).value().toArray(), 0, what + " downloaded " + p.name());
            }
        }
    }
}
