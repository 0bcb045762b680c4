package dev.selfee.engine.optim;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.List;

/** The global L2 norm of all gradients, and clipping by it as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Squares are summed in float lanes over blocks this long, then the blocks in double. */
    private static final int BLOCK = 512;

    private GradNorm() {}

    /** sqrt(Σ g²) over every gradient; NaN or infinite when a gradient is. */
    public static double total(List<? extends Trainable> params) {
        double sum = 0;
        for (Trainable p : params) sum += sumOfSquares(p.grad());
        return Math.sqrt(sum);
    }

    /**
     * Scales all gradients by {@code min(1, maxNorm / (norm + 1e-6))} and returns the norm from
     * before clipping. A non-finite norm makes the gradients non-finite too, as in torch: the
     * caller checks the returned value and stops.
     */
    public static double clip(List<? extends Trainable> params, double maxNorm) {
        double norm = total(params);
        clipWithNorm(params, maxNorm, norm);
        return norm;
    }

    /** The scaling half of {@link #clip}, for a norm already computed by {@link #total}. */
    public static void clipWithNorm(List<? extends Trainable> params, double maxNorm, double norm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clip: max norm must be positive, got " + maxNorm);
        float coef = (float) Math.min(maxNorm / (norm + 1e-6), 1.0);
        if (coef != 1f) scale(params, coef);
    }

    /** Multiplies every gradient by {@code factor}. */
    public static void scale(List<? extends Trainable> params, float factor) {
        for (Trainable p : params) {
            Tensor g = p.grad();
            float[] d = g.data();
            int off = g.offset();
            Parallel.forRange(g.size(), 1 << 15, (s, e) -> {
                for (int i = s; i < e; i++) d[off + i] *= factor;
            });
        }
    }

    private static double sumOfSquares(Tensor g) {
        float[] d = g.data();
        int off = g.offset(), n = g.size();
        int blocks = (n + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        Parallel.forRange(blocks, 64, (bs, be) -> {
            for (int b = bs; b < be; b++) {
                int s = off + b * BLOCK, e = off + Math.min(n, (b + 1) * BLOCK);
                FloatVector acc = FloatVector.zero(S);
                int i = s;
                for (int end = s + S.loopBound(e - s); i < end; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, d, i);
                    acc = v.fma(v, acc);
                }
                // lanes added in a fixed order: reduceLanes' order differs before and after JIT compilation,
                // which would make the clipping (and so training) depend on warm-up
                double sum = 0;
                for (int l = 0; l < S.length(); l++) sum += acc.lane(l);
                for (; i < e; i++) sum += (double) d[i] * d[i];
                partial[b] = sum;
            }
        });
        double sum = 0;
        for (double p : partial) sum += p; // in block order: the same result for any thread count
        return sum;
    }
}
