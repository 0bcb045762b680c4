package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Gemm;
import java.util.Arrays;

/** The matrix product a [m, k] · b [k, n] -> [m, n]. */
public final class MatMul {
    private MatMul() {}

    public static Var apply(Var a, Var b) {
        int[] as = a.shape(), bs = b.shape();
        if (as.length != 2 || bs.length != 2 || as[1] != bs[0]) {
            throw new IllegalArgumentException("matmul: shapes " + Arrays.toString(as) + " and " + Arrays.toString(bs) + " do not multiply");
        }
        int m = as[0], k = as[1], n = bs[1];
        Tensor av = a.value(), bv = b.value();
        Tensor c = Tensor.zeros(m, n);
        Gemm.gemm(false, false, m, n, k, 1f, av.data(), av.offset(), k, bv.data(), bv.offset(), n, 0f, c.data(), 0, n);
        return Tape.output(c, g -> {
            if (a.requiresGrad()) {
                Gemm.gemm(false, true, m, k, n, 1f, g.data(), 0, n, bv.data(), bv.offset(), n, 1f, a.ensureGrad().data(), 0, k);
            }
            if (b.requiresGrad()) {
                Gemm.gemm(true, false, k, n, m, 1f, av.data(), av.offset(), k, g.data(), 0, n, 1f, b.ensureGrad().data(), 0, n);
            }
        }, a, b);
    }
}
