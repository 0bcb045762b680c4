package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Shapes;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;

/** Elementwise add, subtract, multiply and scale of same-shaped tensors; nothing broadcasts. */
public final class Arithmetic {
    /** Elements per parallel chunk: a residual stream's add is memory-bound and worth both cores. */
    private static final int GRAIN = 1 << 14;

    private Arithmetic() {}

    /** acc[0..n) += g[0..n) */
    private static void accumulate(float[] acc, float[] g, int n) {
        Parallel.forRange(n, GRAIN, (s, e) -> Simd.add(acc, s, g, s, acc, s, e - s));
    }

    public static Var add(Var a, Var b) {
        Shapes.requireSame("add", a.value(), b.value());
        Tensor av = a.value(), bv = b.value();
        int n = av.size();
        Tensor y = Tensor.empty(av.shape());
        float[] ad = av.data(), bd = bv.data(), yd = y.data();
        int ao = av.offset(), bo = bv.offset();
        Parallel.forRange(n, GRAIN, (s, e) -> Simd.add(ad, ao + s, bd, bo + s, yd, s, e - s));
        return Tape.output(y, g -> {
            float[] gd = g.data();
            if (a.requiresGrad()) accumulate(a.ensureGrad().data(), gd, n);
            if (b.requiresGrad()) accumulate(b.ensureGrad().data(), gd, n);
        }, a, b);
    }

    public static Var sub(Var a, Var b) {
        Shapes.requireSame("sub", a.value(), b.value());
        Tensor av = a.value(), bv = b.value();
        int n = av.size();
        Tensor y = Tensor.zeros(av.shape());
        Simd.axpy(-1f, bv.data(), bv.offset(), y.data(), 0, n);
        Simd.add(av.data(), av.offset(), y.data(), 0, y.data(), 0, n);
        return Tape.output(y, g -> {
            if (a.requiresGrad()) Simd.add(a.ensureGrad().data(), 0, g.data(), 0, a.grad().data(), 0, n);
            if (b.requiresGrad()) Simd.axpy(-1f, g.data(), 0, b.ensureGrad().data(), 0, n);
        }, a, b);
    }

    public static Var mul(Var a, Var b) {
        Shapes.requireSame("mul", a.value(), b.value());
        Tensor av = a.value(), bv = b.value();
        int n = av.size();
        Tensor y = Tensor.empty(av.shape());
        Simd.mul(av.data(), av.offset(), bv.data(), bv.offset(), y.data(), 0, n);
        return Tape.output(y, g -> {
            if (a.requiresGrad()) Simd.mulAdd(g.data(), 0, bv.data(), bv.offset(), a.ensureGrad().data(), 0, n);
            if (b.requiresGrad()) Simd.mulAdd(g.data(), 0, av.data(), av.offset(), b.ensureGrad().data(), 0, n);
        }, a, b);
    }

    public static Var scale(Var a, float s) {
        Tensor av = a.value();
        int n = av.size();
        Tensor y = Tensor.empty(av.shape());
        Simd.scale(s, av.data(), av.offset(), y.data(), 0, n);
        return Tape.output(y, g -> Simd.axpy(s, g.data(), 0, a.ensureGrad().data(), 0, n), a);
    }
}
