package dev.selfee.engine.backend.opencl;

import dev.selfee.engine.model.device.DeviceGenerationParity;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.engine.model.device.DeviceLlamaParity;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceLlama} on the OpenCL device equals the autograd model on the CPU: per-sequence
 * log-probs, every gradient, the gradient norm and the weights after two AdamW steps, within
 * 1e-4 of each tensor's scale (fp32 sums in other orders through two layers and their backward);
 * greedy generation with the KV cache on the device gives the CPU generator's tokens. With LoRA,
 * the adapters' gradients and updates match and the base weights stay as they were.
 */
class OpenClDeviceLlamaTest {
    @Test
    void llamaWithTiedEmbeddings() {
        DeviceLlamaParity.assertMatchesAutograd(OpenClTestDevice.backend(), DeviceLlamaParity.llamaTied(), 1e-4);
    }

    @Test
    void qwen2WithBiasesAndASlidingWindow() {
        DeviceLlamaParity.assertMatchesAutograd(OpenClTestDevice.backend(), DeviceLlamaParity.qwen2Windowed(), 1e-4);
    }

    @Test
    void greedyGenerationWithTheKvCacheOnTheDeviceEqualsTheCpu() {
        DeviceGenerationParity.assertGreedyMatches(OpenClTestDevice.backend(), DeviceLlamaParity.llamaTied());
        DeviceGenerationParity.assertGreedyMatches(OpenClTestDevice.backend(), DeviceLlamaParity.qwen2Windowed());
    }

    @Test
    void scorerEqualsTheCpuScorer() {
        DeviceLlamaParity.assertScorerMatches(OpenClTestDevice.backend(), DeviceLlamaParity.qwen2Windowed(), 1e-4);
    }

    @Test
    void loraAdaptersTrainAloneOverAFrozenBase() {
        DeviceLlamaParity.assertMatchesAutograd(OpenClTestDevice.backend(), DeviceLlamaParity.qwen2Windowed(),
                dev.selfee.engine.model.LoraConfig.of(2, 4, "all-linear"), 1e-4);
    }

    @Test
    void llamaWithEveryBias() {
        DeviceLlamaParity.assertMatchesAutograd(OpenClTestDevice.backend(), DeviceLlamaParity.llamaAllBiases(), 1e-4);
    }
}
