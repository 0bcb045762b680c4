package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Gemm;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/** y = x · Wᵀ + b over the last dimension, with W in the HF layout [out, in]. */
public final class Linear {
    private Linear() {}

    public static Var apply(Var x, Var weight) {
        return apply(x, weight, null);
    }

    /** x [..., in], weight [out, in], bias [out] or null -> [..., out]. */
    public static Var apply(Var x, Var weight, Var bias) {
        int[] xs = x.shape(), ws = weight.shape();
        if (ws.length != 2 || xs.length == 0 || xs[xs.length - 1] != ws[1]) {
            throw new IllegalArgumentException("linear: input " + Arrays.toString(xs) + " does not match weight [out, in] " + Arrays.toString(ws));
        }
        int in = ws[1], out = ws[0];
        if (bias != null && (bias.value().rank() != 1 || bias.shape()[0] != out)) {
            throw new IllegalArgumentException("linear: bias " + Arrays.toString(bias.shape()) + " does not match weight " + Arrays.toString(ws));
        }
        int rows = x.value().size() / Math.max(1, in);
        int[] ys = xs.clone();
        ys[ys.length - 1] = out;
        Tensor y = Tensor.empty(ys); // the product overwrites it (beta 0)
        Tensor xv = x.value(), wv = weight.value();
        Gemm.gemm(false, true, rows, out, in, 1f, xv.data(), xv.offset(), in, wv.data(), wv.offset(), in, 0f, y.data(), 0, out);
        if (bias != null) {
            Tensor bv = bias.value();
            for (int r = 0; r < rows; r++) Simd.add(y.data(), r * out, bv.data(), bv.offset(), y.data(), r * out, out);
        }
        return Tape.output(y, g -> {
            if (x.requiresGrad()) {
                Gemm.gemm(false, false, rows, in, out, 1f, g.data(), 0, out, wv.data(), wv.offset(), in, 1f, x.ensureGrad().data(), 0, in);
            }
            if (weight.requiresGrad()) {
                Gemm.gemm(true, false, out, in, rows, 1f, g.data(), 0, out, xv.data(), xv.offset(), in, 1f, weight.ensureGrad().data(), 0, in);
            }
            if (bias != null && bias.requiresGrad()) {
                float[] db = bias.ensureGrad().data();
                for (int r = 0; r < rows; r++) Simd.add(db, 0, g.data(), r * out, db, 0, out);
            }
        }, x, weight, bias);
    }
}
