package dev.selfee.engine.model.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void loraIsRefusedWithAMessageNamingTheWayOut() {
        LlamaModel m = LlamaModel.random(DeviceLlamaParity.llamaTied(), 1);
        m.attachLora(LoraConfig.of(2, 4, "q_proj,v_proj"), 0);
        var e = assertThrows(UnsupportedOperationException.class, () -> DeviceLlama.upload(m, cpu));
        assertTrue(e.getMessage().contains("LoRA") && e.getMessage().contains("--backend cpu"), e.getMessage());
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
