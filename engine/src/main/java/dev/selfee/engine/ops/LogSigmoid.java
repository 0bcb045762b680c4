package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;

/**
 * Elementwise log σ(x), the building block of DPO-style losses, computed stably as
 * min(x, 0) − log1p(e^−|x|) in double. Meant for per-pair vectors, so it is scalar code.
 */
public final class LogSigmoid {
    private LogSigmoid() {}

    public static Var apply(Var x) {
        Tensor xv = x.value();
        int n = xv.size();
        float[] xd = xv.data();
        int xo = xv.offset();
        Tensor y = Tensor.zeros(xv.shape());
        for (int i = 0; i < n; i++) {
            double v = xd[xo + i];
            y.data()[i] = (float) (Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))));
        }
        return Tape.output(y, g -> {
            float[] dx = x.ensureGrad().data(), gd = g.data();
            for (int i = 0; i < n; i++) {
                double v = xd[xo + i];
                double sigmoidNeg = v >= 0 ? Math.exp(-v) / (1 + Math.exp(-v)) : 1 / (1 + Math.exp(v)); // σ(−x) = d log σ(x) / dx
                dx[i] += (float) (gd[i] * sigmoidNeg);
            }
        }, x);
    }
}
