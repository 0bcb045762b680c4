package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;

/** Reductions of a whole tensor to a scalar (shape []). */
public final class Reduce {
    private Reduce() {}

    public static Var sum(Var a) {
        return scaledSum(a, 1f);
    }

    public static Var mean(Var a) {
        int n = a.value().size();
        if (n == 0) throw new IllegalArgumentException("mean: empty tensor");
        return scaledSum(a, 1f / n);
    }

    private static Var scaledSum(Var a, float s) {
        Tensor av = a.value();
        int n = av.size();
        Tensor y = Tensor.scalar(s * Simd.sum(av.data(), av.offset(), n));
        return Tape.output(y, g -> {
            float d = s * g.data()[0];
            float[] ga = a.ensureGrad().data();
            for (int i = 0; i < n; i++) ga[i] += d;
        }, a);
    }
}
