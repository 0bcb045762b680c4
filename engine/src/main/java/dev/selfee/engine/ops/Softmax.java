package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;

/** Softmax and log-softmax over the last dimension. */
public final class Softmax {
    private Softmax() {}

    public static Var apply(Var x) {
        Tensor xv = x.value();
        int n = lastDim("softmax", xv), rows = xv.size() / Math.max(1, n);
        Tensor y = Tensor.zeros(xv.shape());
        float[] xd = xv.data(), yd = y.data();
        int xo = xv.offset();
        Parallel.forRange(rows, grain(n), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                float max = Simd.max(xd, xo + r * n, n);
                float sum = Simd.expShifted(xd, xo + r * n, max, yd, r * n, n);
                Simd.scale(1f / sum, yd, r * n, yd, r * n, n);
            }
        });
        return Tape.output(y, g -> {
            float[] gd = g.data(), dx = x.ensureGrad().data();
            Parallel.forRange(rows, grain(n), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int o = r * n;
                    float dot = Simd.dot(gd, o, yd, o, n);
                    Simd.mulAdd(yd, o, gd, o, dx, o, n); // dx += y ⊙ (g - <g, y>)
                    Simd.axpy(-dot, yd, o, dx, o, n);
                }
            });
        }, x);
    }

    public static Var log(Var x) {
        Tensor xv = x.value();
        int n = lastDim("log_softmax", xv), rows = xv.size() / Math.max(1, n);
        Tensor y = Tensor.zeros(xv.shape());
        float[] xd = xv.data(), yd = y.data();
        int xo = xv.offset();
        Parallel.forRange(rows, grain(n), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                float max = Simd.max(xd, xo + r * n, n);
                float logSum = logSumExpAbove(xd, xo + r * n, n, max);
                for (int i = 0; i < n; i++) yd[r * n + i] = (xd[xo + r * n + i] - max) - logSum; // as torch: keeps precision for large logits
            }
        });
        return Tape.output(y, g -> {
            float[] gd = g.data(), dx = x.ensureGrad().data();
            Parallel.forRange(rows, grain(n), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int o = r * n;
                    float gsum = Simd.sum(gd, o, n);
                    Simd.add(dx, o, gd, o, dx, o, n); // dx += g - softmax ⊙ Σg, softmax = exp(log_softmax)
                    Simd.axpyExpShifted(-gsum, yd, o, 0f, dx, o, n);
                }
            });
        }, x);
    }

    /** log Σ exp(a - max) for the row's max, so callers can form (x - max) - this without losing digits. */
    static float logSumExpAbove(float[] a, int off, int n, float max) {
        if (max == Float.NEGATIVE_INFINITY) return 0f;
        return (float) Math.log(Simd.sumExpShifted(a, off, max, n));
    }

    static int lastDim(String op, Tensor t) {
        if (t.rank() == 0) throw new IllegalArgumentException(op + ": needs at least one dimension, got a scalar");
        return t.dim(-1);
    }

    /** Rows per parallel chunk, so each chunk has enough work to pay for a fork. */
    static int grain(int rowLength) {
        return Math.max(1, 16384 / Math.max(1, rowLength));
    }
}
