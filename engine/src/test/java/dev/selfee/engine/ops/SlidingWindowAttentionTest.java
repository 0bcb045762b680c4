package dev.selfee.engine.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.GradientCheck;
import dev.selfee.engine.autograd.Var;
import org.junit.jupiter.api.Test;

/** Mistral's sliding window: query position i sees keys j with i - window < j <= i. */
class SlidingWindowAttentionTest {
    /** Reference: the window expressed as a per-query key mask, one query at a time through plain attention. */
    static float[] reference(Tensor q, Tensor k, Tensor v, int heads, int kvHeads, float[] mask, int window) {
        int batch = q.dim(0), qLen = q.dim(1), kLen = k.dim(1), shift = kLen - qLen, w = q.dim(2);
        float[] out = new float[q.size()];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < qLen; i++) {
                Tensor m = Tensor.zeros(1, i + shift + 1);
                for (int j = 0; j <= i + shift; j++) m.set(j > i + shift - window && mask[b * kLen + j] != 0 ? 1f : 0f, 0, j);
                Tensor qi = q.slice(0, b, b + 1).slice(1, i, i + 1).contiguous();
                Tensor ki = k.slice(0, b, b + 1).slice(1, 0, i + shift + 1).contiguous(), vi = v.slice(0, b, b + 1).slice(1, 0, i + shift + 1).contiguous();
                float[] o = AttentionTest.reference(qi, ki, vi, heads, kvHeads, m);
                System.arraycopy(o, 0, out, (b * qLen + i) * w, w);
            }
        }
        return out;
    }

    @Test
    void windowMatchesReferenceWithPaddingAndCache() {
        Tensor q = Inputs.uniform(1, -2, 2, 2, 7, 4 * 8), k = Inputs.uniform(2, -2, 2, 2, 7, 2 * 8), v = Inputs.uniform(3, -2, 2, 2, 7, 2 * 8);
        float[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        Tensor m = Tensor.of(mask.clone(), 2, 7);
        for (int window : new int[] {1, 2, 3, 5}) {
            Var out = Attention.apply(Var.constant(q), Var.constant(k), Var.constant(v), 4, 2, m, window);
            AttentionTest.assertClose(reference(q, k, v, 4, 2, mask, window), out.value().toArray(), 1e-5);
            Tensor q1 = q.slice(1, 6, 7).contiguous(); // the last query through a cache of 7 positions
            Tensor cached = Attention.cached(q1, k.copy(), v.copy(), 7, 4, 2, m, window);
            assertArrayEquals(Attention.apply(Var.constant(q1), Var.constant(k), Var.constant(v), 4, 2, m, window).value().toArray(), cached.toArray());
        }
        Var wide = Attention.apply(Var.constant(q), Var.constant(k), Var.constant(v), 4, 2, m, 7);
        assertArrayEquals(Attention.apply(Var.constant(q), Var.constant(k), Var.constant(v), 4, 2, m).value().toArray(), wide.value().toArray(),
                "a window as long as the sequence changes nothing");
    }

    @Test
    void windowGradientsMatchFiniteDifferences() {
        Var q = Inputs.variable(4, 1, 6, 2 * 4), k = Inputs.variable(5, 1, 6, 4), v = Inputs.variable(6, 1, 6, 4);
        GradientCheck.require("attention window 3", 2e-3, () -> Attention.apply(q, k, v, 2, 1, null, 3), q, k, v);
    }
}
