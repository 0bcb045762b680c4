package dev.selfee.engine.model.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.selfee.engine.backend.Close.assertClose;

import dev.selfee.engine.backend.cpu.CpuBackend;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraConfig;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceLlama} on the CPU backend equals the autograd model: log-probs, gradients, gradient
 * norm and AdamW updates within 1e-5 of each tensor's scale (fp32 sums in another order).
 */
class DeviceLlamaTest {
    private final CpuBackend cpu = new CpuBackend();

    @Test
    void llamaWithTiedEmbeddings() {
        DeviceLlamaParity.assertMatchesAutograd(cpu, DeviceLlamaParity.llamaTied(), 1e-5);
    }

    @Test
    void qwen2WithBiasesAndASlidingWindow() {
        DeviceLlamaParity.assertMatchesAutograd(cpu, DeviceLlamaParity.qwen2Windowed(), 1e-5);
    }

    @Test
    void llamaWithEveryBias() {
        DeviceLlamaParity.assertMatchesAutograd(cpu, DeviceLlamaParity.llamaAllBiases(), 1e-5);
    }

    @Test
    void greedyGenerationEqualsTheCpuGenerator() {
        DeviceGenerationParity.assertGreedyMatches(cpu, DeviceLlamaParity.llamaTied());
        DeviceGenerationParity.assertGreedyMatches(cpu, DeviceLlamaParity.qwen2Windowed());
    }

    @Test
    void scorerEqualsTheCpuScorer() {
        DeviceLlamaParity.assertScorerMatches(cpu, DeviceLlamaParity.llamaAllBiases(), 1e-5);
    }

    @Test
    void loraAdaptersTrainAloneOverAFrozenBase() {
        DeviceLlamaParity.assertMatchesAutograd(cpu, DeviceLlamaParity.llamaTied(), LoraConfig.of(2, 4, "q_proj,v_proj"), 1e-5);
        DeviceLlamaParity.assertMatchesAutograd(cpu, DeviceLlamaParity.llamaAllBiases(), LoraConfig.of(3, 6, "all-linear"), 1e-5);
    }

    @Test
    void aLoraModelScoresWithItsAdaptersAndItsBaseWithout() {
        LlamaModel m = DeviceLlamaParity.loraModel(DeviceLlamaParity.qwen2Windowed(), LoraConfig.of(2, 8, "all-linear"), 5);
        var b = DeviceLlamaParity.batch(m.config().vocabSize(), 1);
        float[] adapted = m.sequenceLogProbs(b).value().toArray(), base;
        try (var _ = m.lora().disable()) {
            base = m.sequenceLogProbs(b).value().toArray();
            assertThrows(IllegalStateException.class, () -> DeviceLlama.uploadFrozen(m, cpu), "disabled adapters: upload the base explicitly");
        }
        try (DeviceLlama frozen = DeviceLlama.uploadFrozen(m, cpu); DeviceLlama baseOnly = DeviceLlama.uploadBase(m, cpu)) {
            assertClose(adapted, frozen.sequenceLogProbs(b), 1e-5, "frozen upload with adapters");
            assertClose(base, baseOnly.sequenceLogProbs(b), 1e-5, "base upload");
            assertFalse(java.util.Arrays.equals(frozen.sequenceLogProbs(b), baseOnly.sequenceLogProbs(b)), "the adapters change the log-probs");
        }
    }

    @Test
    void aFrozenUploadScoresTheSameAndHasNoGradients() {
        LlamaModel m = DeviceLlamaParity.model(DeviceLlamaParity.qwen2Windowed(), 2);
        var b = DeviceLlamaParity.batch(m.config().vocabSize(), 1);
        try (DeviceLlama trained = DeviceLlama.upload(m, cpu); DeviceLlama frozen = DeviceLlama.uploadFrozen(m, cpu)) {
            assertArrayEquals(trained.sequenceLogProbs(b), frozen.sequenceLogProbs(b));
            assertFalse(frozen.trainable());
            var e = assertThrows(IllegalStateException.class, () -> frozen.backward(new float[3]));
            assertTrue(e.getMessage().contains("trainable"), e.getMessage());
        }
    }

    @Test
    void backwardNeedsAForward() {
        try (DeviceLlama d = DeviceLlama.upload(LlamaModel.random(DeviceLlamaParity.llamaTied(), 1), cpu)) {
            assertThrows(IllegalStateException.class, () -> d.backward(new float[] {1f}));
        }
    }
}
