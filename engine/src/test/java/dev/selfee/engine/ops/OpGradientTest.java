package dev.selfee.engine.ops;

import static dev.selfee.engine.ops.Inputs.variable;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.GradientCheck;
import dev.selfee.engine.autograd.Var;
import org.junit.jupiter.api.Test;

/**
 * Every op's backward against finite differences (see {@link GradientCheck}): the largest
 * element error, relative to the input's gradient scale, must stay under {@link #TOL}.
 */
class OpGradientTest {
    static final double TOL = 1e-3;

    @Test
    void linearWithAndWithoutBias() {
        Var x = variable(1, 2, 3, 5), w = variable(2, 4, 5), b = variable(3, 4);
        GradientCheck.require("linear+bias", TOL, () -> Linear.apply(x, w, b), x, w, b);
        GradientCheck.require("linear", TOL, () -> Linear.apply(x, w), x, w);
    }

    @Test
    void matmul() {
        Var a = variable(4, 3, 5), b = variable(5, 5, 2);
        GradientCheck.require("matmul", TOL, () -> MatMul.apply(a, b), a, b);
    }

    @Test
    void elementwiseAndReductions() {
        Var a = variable(6, 2, 7), b = variable(7, 2, 7);
        GradientCheck.require("add", TOL, () -> Arithmetic.add(a, b), a, b);
        GradientCheck.require("sub", TOL, () -> Arithmetic.sub(a, b), a, b);
        GradientCheck.require("mul", TOL, () -> Arithmetic.mul(a, b), a, b);
        GradientCheck.require("mul self", TOL, () -> Arithmetic.mul(a, a), a);
        GradientCheck.require("scale", TOL, () -> Arithmetic.scale(a, -2.5f), a);
        GradientCheck.require("sum", TOL, () -> Reduce.sum(Arithmetic.mul(a, b)), a, b);
        GradientCheck.require("mean", TOL, () -> Reduce.mean(Arithmetic.mul(a, b)), a, b);
        GradientCheck.require("slice", TOL, () -> Arithmetic.mul(Slice.apply(a, 1, 2, 5), Slice.apply(b, 1, 1, 4)), a, b);
        GradientCheck.require("reshape", TOL, () -> Arithmetic.mul(Reshape.apply(a, 7, 2), Reshape.apply(b, 7, -1)), a, b);
    }

    @Test
    void rowsScatterAndGather() {
        Var packed = variable(31, 1, 4, 6), padded = variable(32, 2, 3, 6), w = variable(33, 2, 3, 6), v = variable(34, 1, 4, 6);
        int[] rows = {0, 2, 3, 5}; // rows 1 and 4 of the 2×3 layout are padding
        GradientCheck.require("rows.scatter", TOL, () -> Arithmetic.mul(Rows.scatter(packed, rows, 2, 3), w), packed);
        GradientCheck.require("rows.gather", TOL, () -> Arithmetic.mul(Rows.gather(padded, rows), v), padded);
    }

    @Test
    void softmaxAndLogSoftmax() {
        Var x = Var.variable(Inputs.uniform(8, -3f, 3f, 3, 19));
        GradientCheck.require("softmax", TOL, () -> Softmax.apply(x), x);
        GradientCheck.require("log_softmax", TOL, () -> Softmax.log(x), x);
    }

    @Test
    void logSigmoid() {
        Var x = Var.variable(Inputs.uniform(29, -6f, 6f, 2, 9));
        GradientCheck.require("log_sigmoid", TOL, () -> LogSigmoid.apply(x), x);
    }

    @Test
    void rmsNorm() {
        Var x = Var.variable(Inputs.uniform(9, -2f, 2f, 2, 3, 20)), w = Var.variable(Inputs.uniform(10, 0.5f, 1.5f, 20));
        GradientCheck.require("rms_norm", TOL, () -> RmsNorm.apply(x, w, 1e-5f), x, w);
    }

    @Test
    void ropeWithSharedAndPerRowPositions() {
        Rope rope = new Rope(8, 10000);
        Var x = variable(11, 2, 3, 2 * 8);
        GradientCheck.require("rope", TOL, () -> rope.apply(x, 2, Rope.positions(2, 3, 0)), x);
        int[] leftPadded = {0, 0, 1, 5, 6, 7}; // batch row 0 left-padded, row 1 continuing a cache
        GradientCheck.require("rope positions", TOL, () -> rope.apply(x, 2, leftPadded), x);
    }

    @Test
    void siluAndSwiGlu() {
        Var g = Var.variable(Inputs.uniform(12, -4f, 4f, 3, 37)), u = variable(13, 3, 37);
        GradientCheck.require("silu", TOL, () -> Silu.apply(g), g);
        GradientCheck.require("swiglu", TOL, () -> SwiGlu.apply(g, u), g, u);
    }

    @Test
    void attentionGroupedQueryCausal() {
        Var q = variable(14, 2, 5, 4 * 4), k = variable(15, 2, 5, 2 * 4), v = variable(16, 2, 5, 2 * 4);
        GradientCheck.require("attention gqa", TOL, () -> Attention.apply(q, k, v, 4, 2, null), q, k, v);
    }

    @Test
    void attentionWithRightAndLeftPadding() {
        Var q = variable(17, 2, 5, 4 * 4), k = variable(18, 2, 5, 2 * 4), v = variable(19, 2, 5, 2 * 4);
        Tensor right = Tensor.of(new float[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, 2, 5);
        GradientCheck.require("attention right padding", TOL, () -> Attention.apply(q, k, v, 4, 2, right), q, k, v);
        Tensor left = Tensor.of(new float[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 5); // rows 0, 1 of batch 0 see nothing
        GradientCheck.require("attention left padding", TOL, () -> Attention.apply(q, k, v, 4, 2, left), q, k, v);
    }

    @Test
    void attentionQueriesAfterCachedKeys() {
        Var q = variable(20, 1, 2, 4 * 4), k = variable(21, 1, 6, 1 * 4), v = variable(22, 1, 6, 1 * 4);
        Tensor mask = Tensor.of(new float[] {0, 1, 1, 1, 1, 1}, 1, 6);
        GradientCheck.require("attention cached", TOL, () -> Attention.apply(q, k, v, 4, 1, mask), q, k, v);
    }

    @Test
    void attentionOverKeysLongerThanAVectorRegister() {
        Var q = variable(26, 1, 18, 2 * 4), k = variable(27, 1, 18, 4), v = variable(28, 1, 18, 4);
        Tensor mask = Tensor.full(1f, 1, 18);
        mask.set(0f, 0, 3);
        GradientCheck.require("attention long", TOL, () -> Attention.apply(q, k, v, 2, 1, mask), q, k, v);
    }

    /** Sequences longer than one causal block (64 queries), with queries after cached keys: the blocked products. */
    @Test
    void attentionOverSeveralCausalBlocks() {
        Var q = variable(29, 1, 70, 2 * 2), k = variable(30, 1, 75, 2), v = variable(31, 1, 75, 2);
        Tensor mask = Tensor.full(1f, 1, 75);
        mask.set(0f, 0, 66);
        GradientCheck.require("attention blocks", TOL, () -> Attention.apply(q, k, v, 2, 1, mask), q, k, v);
    }

    @Test
    void embeddingScatterAddsRepeatedIds() {
        Var table = variable(23, 6, 5);
        int[] ids = {3, 1, 3, 0, 5, 3};
        GradientCheck.require("embedding", TOL, () -> Embedding.apply(table, ids, 2, 3), table);
    }

    @Test
    void crossEntropyWithIgnoredAndWeightedTokens() {
        Var logits = Var.variable(Inputs.uniform(24, -3f, 3f, 2, 4, 21));
        int[] targets = {1, 20, CrossEntropy.IGNORE_INDEX, 0, 5, 5, 17, CrossEntropy.IGNORE_INDEX};
        GradientCheck.require("cross_entropy", TOL, () -> CrossEntropy.apply(logits, targets), logits);
        Tensor w = Tensor.of(new float[] {1, 0.5f, 1, 0, 2, 1, 1, 1}, 2, 4);
        GradientCheck.require("cross_entropy weighted", TOL, () -> CrossEntropy.apply(logits, targets, w), logits);
    }

    @Test
    void sequenceLogProbsWithMask() {
        Var logits = Var.variable(Inputs.uniform(25, -3f, 3f, 3, 4, 19));
        int[] targets = {1, 18, 0, 0, 5, 5, 7, 2, 3, 4, 9, CrossEntropy.IGNORE_INDEX};
        Tensor mask = Tensor.of(new float[] {0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1}, 3, 4);
        GradientCheck.require("sequence_logprobs", TOL, () -> SequenceLogProbs.apply(logits, targets, mask), logits);
    }

    @Test
    void composedDpoStyleLoss() {
        // chosen and rejected responses in one batch of 4: rows 0-1 chosen, rows 2-3 rejected
        Var w = variable(30, 9, 6);
        Tensor x = Inputs.uniform(31, -1, 1, 4, 5, 6), refLogps = Inputs.uniform(32, -20, -10, 4);
        int[] targets = Inputs.ids(33, 9, 20);
        Tensor mask = Tensor.of(new float[] {0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1}, 4, 5);
        Var ref = Var.constant(refLogps);
        GradientCheck.require("dpo-style loss", TOL, () -> {
            Var logps = Arithmetic.sub(SequenceLogProbs.apply(Linear.apply(Var.constant(x), w), targets, mask), ref);
            Var margin = Arithmetic.sub(Slice.apply(logps, 0, 0, 2), Slice.apply(logps, 0, 2, 4));
            return Arithmetic.scale(Reduce.mean(LogSigmoid.apply(Arithmetic.scale(margin, 0.1f))), -1f);
        }, w);
    }
}
