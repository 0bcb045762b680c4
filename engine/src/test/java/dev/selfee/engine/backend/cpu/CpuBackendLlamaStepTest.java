package dev.selfee.engine.backend.cpu;

import dev.selfee.engine.backend.LlamaStepOnBackend;
import org.junit.jupiter.api.Test;

/**
 * A whole training step of the 2-layer Llama fixture composed from CPU backend kernels: loss
 * and every gradient equal PyTorch's within 1e-4 of each tensor's scale (the bound the autograd
 * ops meet on the same fixture), and the packed-arena AdamW update is AdamW's.
 */
class CpuBackendLlamaStepTest {
    @Test
    void aTrainingStepThroughTheSpiMatchesPyTorch() {
        var f = new LlamaStepOnBackend.Fixture();
        LlamaStepOnBackend.assertMatchesTorch(LlamaStepOnBackend.run(new CpuBackend(), f), f, 1e-4, "cpu");
    }
}
