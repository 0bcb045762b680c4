package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;
import jdk.incubator.vector.FloatVector;

/** SiLU (swish): x · sigmoid(x). */
public final class Silu {
    private static final int L = Simd.SPECIES.length();

    private Silu() {}

    public static Var apply(Var x) {
        Tensor xv = x.value();
        int n = xv.size();
        float[] xd = xv.data();
        int xo = xv.offset();
        Tensor y = Tensor.zeros(xv.shape());
        float[] yd = y.data();
        Parallel.forRange(n, 1 << 14, (s, e) -> {
            int i = s;
            for (int up = s + Simd.SPECIES.loopBound(e - s); i < up; i += L) {
                FloatVector v = FloatVector.fromArray(Simd.SPECIES, xd, xo + i);
                v.mul(sigmoid(v)).intoArray(yd, i);
            }
            for (; i < e; i++) yd[i] = xd[xo + i] * sigmoid(xd[xo + i]);
        });
        return Tape.output(y, g -> {
            float[] gd = g.data(), dx = x.ensureGrad().data();
            Parallel.forRange(n, 1 << 14, (s, e) -> {
                int i = s;
                for (int up = s + Simd.SPECIES.loopBound(e - s); i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(Simd.SPECIES, xd, xo + i);
                    FloatVector.fromArray(Simd.SPECIES, gd, i).fma(derivative(v), FloatVector.fromArray(Simd.SPECIES, dx, i)).intoArray(dx, i);
                }
                for (; i < e; i++) dx[i] = Math.fma(gd[i], derivative(xd[xo + i]), dx[i]);
            });
        }, x);
    }

    /** 1 / (1 + e^-x), the same operations as the scalar twin below. */
    static FloatVector sigmoid(FloatVector v) {
        return FloatVector.broadcast(Simd.SPECIES, 1f).div(Simd.exp(v.neg()).add(1f));
    }

    static float sigmoid(float x) {
        return 1f / (Simd.exp(-x) + 1f);
    }

    /** d silu / dx = s (1 + x (1 - s)) with s = sigmoid(x). */
    static FloatVector derivative(FloatVector v) {
        FloatVector s = sigmoid(v);
        return s.mul(v.mul(s.neg().add(1f)).add(1f));
    }

    static float derivative(float x) {
        float s = sigmoid(x);
        return s * (x * (1f - s) + 1f);
    }
}
