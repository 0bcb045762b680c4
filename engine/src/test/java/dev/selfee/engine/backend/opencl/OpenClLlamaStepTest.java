package dev.selfee.engine.backend.opencl;

import static dev.selfee.engine.backend.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.selfee.engine.backend.LlamaStepOnBackend;
import dev.selfee.engine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * A whole training step of the 2-layer Llama fixture (embedding, RMSNorm, GQA attention with
 * RoPE and a padding mask, SwiGLU MLP, cross-entropy, backward, AdamW over a packed parameter
 * arena) on the OpenCL device: loss and gradients equal PyTorch's within 1e-4 of each tensor's
 * scale, and the CPU backend's within 1e-5; data stays on the device for the whole step.
 */
class OpenClLlamaStepTest {
    @Test
    void aTrainingStepOnTheDeviceMatchesPyTorchAndTheCpu() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        var f = new LlamaStepOnBackend.Fixture();
        var got = LlamaStepOnBackend.run(gpu, f);
        LlamaStepOnBackend.assertMatchesTorch(got, f, 1e-4, "opencl");
        var want = LlamaStepOnBackend.run(new CpuBackend(), f);
        assertEquals(want.loss(), got.loss(), 1e-5 * Math.abs(want.loss()), "loss, opencl vs cpu");
        for (String name : want.gradients().keySet()) {
            assertClose(want.gradients().get(name), got.gradients().get(name), 1e-5, "gradient of " + name + ", opencl vs cpu");
        }
    }
}
