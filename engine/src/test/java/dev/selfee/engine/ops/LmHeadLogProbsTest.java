package dev.selfee.engine.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
import dev.selfee.engine.autograd.GradientCheck;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import org.junit.jupiter.api.Test;

/** The fused head + log-prob op equals Linear followed by SequenceLogProbs, values and gradients. */
class LmHeadLogProbsTest {
    @Test
    void equalsLinearThenSequenceLogProbs() {
        compareWithLinear(3, 5, 8, 11);
    }

    /** 16384 logits per row: blocks of 128 rows, so 300 rows take three, sharing one packing of the head. */
    @Test
    void severalBlocksEqualLinearThenSequenceLogProbs() {
        compareWithLinear(2, 150, 8, 1 << 14);
    }

    @Test
    void severalBlocksWithPooledBuffersEqualLinearThenSequenceLogProbs() {
        try (var scope = new TensorPool().use()) {
            compareWithLinear(2, 150, 8, 1 << 14);
            compareWithLinear(2, 150, 8, 1 << 14); // the second time on the first one's recycled buffers
        }
    }

    private static void compareWithLinear(int batch, int seq, int dim, int vocab) {
        int[] targets = Inputs.ids(1, vocab, batch * seq);
        targets[0] = CrossEntropy.IGNORE_INDEX;
        targets[7] = CrossEntropy.IGNORE_INDEX;
        Tensor mask = Inputs.uniform(2, 0, 2, batch, seq);
        mask.set(0f, 1, 2);
        Var h1 = Inputs.variable(3, batch, seq, dim), w1 = Inputs.variable(4, vocab, dim);
        Var h2 = Var.variable(h1.value().copy()), w2 = Var.variable(w1.value().copy());
        Tensor seed = Inputs.uniform(5, -1, 1, batch);
        Var fused, plain;
        try (Tape t = Tape.start()) {
            fused = LmHeadLogProbs.apply(h1, w1, targets, mask);
            t.backward(fused, seed);
        }
        try (Tape t = Tape.start()) {
            plain = SequenceLogProbs.apply(Linear.apply(h2, w2), targets, mask);
            t.backward(plain, seed);
        }
        AttentionTest.assertClose(plain.value().toArray(), fused.value().toArray(), 1e-5);
        AttentionTest.assertClose(h2.grad().toArray(), h1.grad().toArray(), 1e-5);
        AttentionTest.assertClose(w2.grad().toArray(), w1.grad().toArray(), 1e-5);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        int[] targets = {1, 4, CrossEntropy.IGNORE_INDEX, 0, 6, 2};
        Var h = Inputs.variable(6, 2, 3, 5), w = Inputs.variable(7, 7, 5);
        GradientCheck.require("lm_head_logprobs", 2e-3, () -> LmHeadLogProbs.apply(h, w, targets, null), h, w);
    }

    @Test
    void badTargetsNameTheOp() {
        Var h = Inputs.variable(8, 1, 2, 4), w = Inputs.variable(9, 5, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> LmHeadLogProbs.apply(h, w, new int[] {1, 5}, null));
        assertTrue(e.getMessage().startsWith("lm_head_logprobs: target 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LmHeadLogProbs.apply(h, w, new int[] {1}, null));
        assertTrue(e.getMessage().contains("1 targets for hidden [1, 2, 4]"), e.getMessage());
    }
}
