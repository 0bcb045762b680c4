package dev.selfee.engine.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Var;
import org.junit.jupiter.api.Test;

/** Forward values of the row-wise ops against double-precision formulas, including extreme inputs. */
class OpForwardTest {
    static Var c(Tensor t) {
        return Var.constant(t);
    }

    @Test
    void softmaxAndLogSoftmaxAreStableForLargeAndInfiniteLogits() {
        Tensor x = Tensor.of(new float[] {1000, 999, Float.NEGATIVE_INFINITY, 998, -5, 0, 5, 10}, 2, 4);
        float[] s = Softmax.apply(c(x)).value().toArray(), ls = Softmax.log(c(x)).value().toArray();
        for (int r = 0; r < 2; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < 4; j++) max = Math.max(max, x.get(r, j));
            for (int j = 0; j < 4; j++) sum += Math.exp(x.get(r, j) - max);
            for (int j = 0; j < 4; j++) {
                double p = Math.exp(x.get(r, j) - max) / sum;
                assertEquals(p, s[r * 4 + j], 1e-6);
                if (p > 0) assertEquals(Math.log(p), ls[r * 4 + j], 1e-5);
            }
        }
        assertEquals(Float.NEGATIVE_INFINITY, ls[2], "log_softmax of -inf stays -inf");
    }

    @Test
    void siluAndSwiGluHandleLargeMagnitudes() {
        float[] xs = {-200, -20, -1, 0, 0.5f, 3, 20, 200, -3, 7, 1, 2, -0.25f, 11, 13, -17, 19};
        Tensor x = Tensor.of(xs.clone(), xs.length), up = Tensor.full(2f, xs.length);
        float[] y = Silu.apply(c(x)).value().toArray(), sg = SwiGlu.apply(c(x), c(up)).value().toArray();
        for (int i = 0; i < xs.length; i++) {
            double ref = xs[i] / (1 + Math.exp(-xs[i]));
            assertEquals(ref, y[i], 1e-6 * Math.max(1, Math.abs(ref)), "silu(" + xs[i] + ")");
            assertEquals(2 * ref, sg[i], 2e-6 * Math.max(1, Math.abs(ref)), "swiglu(" + xs[i] + ")");
        }
    }

    @Test
    void logSigmoidIsStableAtBothEnds() {
        float[] xs = {-200, -30, -1, 0, 1, 30, 200};
        float[] y = LogSigmoid.apply(c(Tensor.of(xs.clone(), xs.length))).value().toArray();
        for (int i = 0; i < xs.length; i++) {
            double ref = xs[i] < 0 ? xs[i] - Math.log1p(Math.exp(xs[i])) : -Math.log1p(Math.exp(-xs[i]));
            assertEquals(ref, y[i], 1e-6 * Math.max(1, Math.abs(ref)), "log_sigmoid(" + xs[i] + ")");
        }
        float[] d = Arithmetic.sub(c(Tensor.of(new float[] {3, 1}, 2)), c(Tensor.of(new float[] {1, 5}, 2))).value().toArray();
        assertArrayEquals(new float[] {2, -4}, d);
    }

    @Test
    void rmsNormMatchesFormula() {
        Tensor x = Inputs.uniform(1, -3, 3, 3, 10), w = Inputs.uniform(2, 0.5f, 1.5f, 10);
        float[] y = RmsNorm.apply(c(x), c(w), 1e-6f).value().toArray();
        for (int r = 0; r < 3; r++) {
            double ms = 0;
            for (int j = 0; j < 10; j++) ms += (double) x.get(r, j) * x.get(r, j) / 10;
            for (int j = 0; j < 10; j++) assertEquals(w.get(j) * x.get(r, j) / Math.sqrt(ms + 1e-6), y[r * 10 + j], 1e-5);
        }
    }

    @Test
    void ropeRotatesHalvesByPosition() {
        Rope rope = new Rope(4, 100);
        Tensor x = Inputs.uniform(3, -1, 1, 1, 3, 2 * 4);
        int[] pos = {0, 4, 9};
        float[] y = rope.apply(c(x), 2, pos).value().toArray();
        for (int t = 0; t < 3; t++) {
            for (int h = 0; h < 2; h++) {
                for (int i = 0; i < 2; i++) {
                    double ang = pos[t] * Math.pow(100, -2.0 * i / 4);
                    double x1 = x.get(0, t, h * 4 + i), x2 = x.get(0, t, h * 4 + 2 + i);
                    assertEquals(x1 * Math.cos(ang) - x2 * Math.sin(ang), y[t * 8 + h * 4 + i], 1e-5);
                    assertEquals(x2 * Math.cos(ang) + x1 * Math.sin(ang), y[t * 8 + h * 4 + 2 + i], 1e-5);
                }
            }
        }
    }

    @Test
    void crossEntropyAndSequenceLogProbsMatchFormulas() {
        Tensor logits = Inputs.uniform(4, -4, 4, 2, 3, 7);
        int[] t = {1, 6, CrossEntropy.IGNORE_INDEX, 0, 3, 3};
        Tensor w = Tensor.of(new float[] {1, 2, 1, 0.5f, 0, 1}, 2, 3);
        double[] logp = new double[6];
        for (int r = 0; r < 6; r++) {
            if (t[r] < 0) continue;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < 7; j++) max = Math.max(max, logits.get(r / 3, r % 3, j));
            for (int j = 0; j < 7; j++) sum += Math.exp(logits.get(r / 3, r % 3, j) - max);
            logp[r] = logits.get(r / 3, r % 3, t[r]) - max - Math.log(sum);
        }
        double plain = -(logp[0] + logp[1] + logp[3] + logp[4] + logp[5]) / 5;
        assertEquals(plain, CrossEntropy.apply(c(logits), t).value().data()[0], 1e-5);
        double weighted = -(logp[0] + 2 * logp[1] + 0.5 * logp[3] + logp[5]) / 4.5;
        assertEquals(weighted, CrossEntropy.apply(c(logits), t, w).value().data()[0], 1e-5);
        float[] seq = SequenceLogProbs.apply(c(logits), t, w).value().toArray();
        assertEquals(logp[0] + 2 * logp[1], seq[0], 1e-5);
        assertEquals(0.5 * logp[3] + logp[5], seq[1], 1e-5);
    }

    @Test
    void embeddingGathersRows() {
        Tensor table = Inputs.uniform(5, -1, 1, 4, 3);
        float[] y = Embedding.apply(c(table), new int[] {2, 0, 2}, 3).value().toArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(table.get(2, i), y[i]);
            assertEquals(table.get(0, i), y[3 + i]);
            assertEquals(table.get(2, i), y[6 + i]);
        }
    }
}
