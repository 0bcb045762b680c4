package dev.selfee.engine.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import org.junit.jupiter.api.Test;

class AttentionTest {
    /** Straightforward double-precision causal GQA attention with a key mask. */
    static float[] reference(Tensor q, Tensor k, Tensor v, int heads, int kvHeads, Tensor mask) {
        int batch = q.dim(0), qLen = q.dim(1), kLen = k.dim(1), hd = q.dim(2) / heads;
        float[] out = new float[q.size()];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int g = h / (heads / kvHeads);
                for (int i = 0; i < qLen; i++) {
                    double[] p = new double[kLen];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < kLen; j++) {
                        boolean visible = j <= i + kLen - qLen && (mask == null || mask.get(b, j) != 0);
                        if (!visible) {
                            p[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double s = 0;
                        for (int d = 0; d < hd; d++) s += (double) q.get(b, i, h * hd + d) * k.get(b, j, g * hd + d);
                        p[j] = s / Math.sqrt(hd);
                        max = Math.max(max, p[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) continue; // nothing visible: zeros
                    double sum = 0;
                    for (int j = 0; j < kLen; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int d = 0; d < hd; d++) {
                        double o = 0;
                        for (int j = 0; j < kLen; j++) o += p[j] / sum * v.get(b, j, g * hd + d);
                        out[(b * qLen + i) * q.dim(2) + h * hd + d] = (float) o;
                    }
                }
            }
        }
        return out;
    }

    static void assertClose(float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], tol, "element " + i);
    }

    @Test
    void matchesReferenceWithGqaPaddingAndCachedKeys() {
        Tensor q = Inputs.uniform(1, -2, 2, 2, 5, 4 * 8), k = Inputs.uniform(2, -2, 2, 2, 5, 2 * 8), v = Inputs.uniform(3, -2, 2, 2, 5, 2 * 8);
        Tensor mask = Tensor.of(new float[] {0, 0, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5); // left-padded, right-padded
        for (Tensor m : new Tensor[] {null, mask}) {
            Var out = Attention.apply(Var.constant(q), Var.constant(k), Var.constant(v), 4, 2, m);
            assertClose(reference(q, k, v, 4, 2, m), out.value().toArray(), 1e-5);
        }
        Tensor q2 = q.slice(1, 3, 5); // two new queries after three cached positions
        Var out = Attention.apply(Var.constant(q2), Var.constant(k), Var.constant(v), 4, 2, mask);
        assertClose(reference(q2.contiguous(), k, v, 4, 2, mask), out.value().toArray(), 1e-5);
    }

    /** Longer than one causal block of queries (64): each block multiplies only the keys it sees. */
    @Test
    void matchesReferenceOverSeveralCausalBlocks() {
        Tensor q = Inputs.uniform(4, -2, 2, 2, 150, 4 * 8), k = Inputs.uniform(5, -2, 2, 2, 160, 2 * 8), v = Inputs.uniform(6, -2, 2, 2, 160, 2 * 8);
        Tensor mask = Tensor.full(1f, 2, 160);
        for (int j = 0; j < 7; j++) mask.set(0f, 0, j); // left padding
        mask.set(0f, 1, 100);
        for (Tensor m : new Tensor[] {null, mask}) {
            Var out = Attention.apply(Var.constant(q), Var.constant(k), Var.constant(v), 4, 2, m);
            assertClose(reference(q, k, v, 4, 2, m), out.value().toArray(), 1e-5);
        }
    }

    @Test
    void cachedAttentionEqualsAttentionOverTheFilledPrefix() {
        int kw = 2 * 8;
        Tensor keys = Inputs.uniform(11, -2, 2, 2, 10, kw), values = Inputs.uniform(12, -2, 2, 2, 10, kw); // capacity 10
        Tensor q = Inputs.uniform(13, -2, 2, 2, 1, 4 * 8); // one new token per sequence, cache filled to 6
        Tensor mask = Tensor.of(new float[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 6);
        Tensor viaCache = Attention.cached(q, keys, values, 6, 4, 2, mask);
        Var k = Var.constant(keys.slice(1, 0, 6)), v = Var.constant(values.slice(1, 0, 6));
        assertArrayEquals(Attention.apply(Var.constant(q), k, v, 4, 2, mask).value().toArray(), viaCache.toArray());
        assertThrows(IllegalArgumentException.class, () -> Attention.cached(q, keys, values, 11, 4, 2, null));
    }

    @Test
    void leftPaddingLeavesRealTokensUnchanged() {
        int hd = 4, width = 2 * hd;
        Tensor q = Inputs.uniform(4, -2, 2, 1, 4, width), k = Inputs.uniform(5, -2, 2, 1, 4, hd), v = Inputs.uniform(6, -2, 2, 1, 4, hd);
        Tensor plain = Attention.apply(Var.constant(q), Var.constant(k), Var.constant(v), 2, 1, null).value();
        Tensor qp = Tensor.zeros(1, 6, width), kp = Tensor.full(9f, 1, 6, hd), vp = Tensor.full(-9f, 1, 6, hd);
        qp.slice(1, 2, 6).copyFrom(q);
        kp.slice(1, 2, 6).copyFrom(k);
        vp.slice(1, 2, 6).copyFrom(v);
        Tensor mask = Tensor.of(new float[] {0, 0, 1, 1, 1, 1}, 1, 6);
        Tensor padded = Attention.apply(Var.constant(qp), Var.constant(kp), Var.constant(vp), 2, 1, mask).value();
        assertClose(plain.toArray(), padded.slice(1, 2, 6).toArray(), 1e-6);
        assertArrayEquals(new float[2 * width], padded.slice(1, 0, 2).toArray(), "padding queries output zeros");
    }

    @Test
    void forwardAndBackwardAreBitIdenticalColdAndWarm() {
        Var q = Inputs.variable(7, 2, 9, 4 * 16), k = Inputs.variable(8, 2, 9, 2 * 16), v = Inputs.variable(9, 2, 9, 2 * 16);
        Tensor mask = Tensor.of(new float[] {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 9);
        Tensor seed = Inputs.uniform(10, -1, 1, 2, 9, 4 * 16);
        float[][] first = null;
        for (int run = 0; run < 60; run++) {
            q.zeroGrad();
            k.zeroGrad();
            v.zeroGrad();
            Var out;
            try (Tape tape = Tape.start()) {
                out = Attention.apply(q, k, v, 4, 2, mask);
                tape.backward(out, seed);
            }
            float[][] now = {out.value().toArray(), q.grad().toArray(), k.grad().toArray(), v.grad().toArray()};
            if (first == null) first = now;
            for (int i = 0; i < 4; i++) assertArrayEquals(first[i], now[i], "run " + run + ", tensor " + i);
        }
        try (NoGrad _ = NoGrad.enter()) { // the no-grad path (no stored probabilities) gives the same output
            assertArrayEquals(first[0], Attention.apply(q, k, v, 4, 2, mask).value().toArray());
        }
    }
}
