package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/** RMSNorm over the last dimension, as HF Llama computes it: w * (x / sqrt(mean(x²) + eps)). */
public final class RmsNorm {
    private static final int ROWS_PER_BLOCK = 64;

    private RmsNorm() {}

    /** x [..., d], weight [d]. */
    public static Var apply(Var x, Var weight, float eps) {
        Tensor xv = x.value(), wv = weight.value();
        int d = Softmax.lastDim("rms_norm", xv);
        if (wv.rank() != 1 || wv.dim(0) != d) {
            throw new IllegalArgumentException("rms_norm: input " + Arrays.toString(xv.shape()) + " does not match weight " + Arrays.toString(wv.shape()));
        }
        int rows = xv.size() / Math.max(1, d);
        float[] xd = xv.data(), wd = wv.data(), rstd = new float[rows];
        int xo = xv.offset(), wo = wv.offset();
        Tensor y = Tensor.empty(xv.shape());
        float[] yd = y.data();
        Parallel.forRange(rows, Softmax.grain(d), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = xo + r * d;
                float ms = Simd.dot(xd, o, xd, o, d) / d;
                float rs = (float) (1.0 / Math.sqrt(ms + eps));
                rstd[r] = rs;
                Simd.scale(rs, xd, o, yd, r * d, d);
                Simd.mul(yd, r * d, wd, wo, yd, r * d, d);
            }
        });
        return Tape.output(y, g -> {
            float[] gd = g.data();
            float[] dx = x.requiresGrad() ? x.ensureGrad().data() : null;
            // fixed-size row blocks, not one per thread: the weight gradient's summation order,
            // and so its bits, do not depend on the thread count
            int chunks = Math.max(1, (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
            float[][] dwPart = weight.requiresGrad() ? new float[chunks][d] : null;
            Parallel.forChunks(chunks, c -> {
                float[] gw = new float[d], xhat = new float[d];
                for (int r = c * ROWS_PER_BLOCK, end = Math.min(rows, r + ROWS_PER_BLOCK); r < end; r++) {
                    int o = xo + r * d;
                    float rs = rstd[r];
                    Simd.scale(rs, xd, o, xhat, 0, d);
                    if (dwPart != null) Simd.mulAdd(gd, r * d, xhat, 0, dwPart[c], 0, d);
                    if (dx != null) {
                        Simd.mul(gd, r * d, wd, wo, gw, 0, d);
                        float mean = Simd.dot(gw, 0, xhat, 0, d) / d;
                        Simd.axpy(rs, gw, 0, dx, r * d, d); // dx += rstd · (g⊙w − x̂ · mean(g⊙w⊙x̂))
                        Simd.axpy(-rs * mean, xhat, 0, dx, r * d, d);
                    }
                }
            });
            if (dwPart != null) {
                float[] dw = weight.ensureGrad().data();
                for (float[] part : dwPart) Simd.add(dw, 0, part, 0, dw, 0, d);
            }
        }, x, weight);
    }
}
