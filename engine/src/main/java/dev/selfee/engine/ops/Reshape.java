package dev.selfee.engine.ops;

import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;

/** A new shape over the same values (a view: no copy); one dimension may be -1. */
public final class Reshape {
    private Reshape() {}

    public static Var apply(Var a, int... shape) {
        var y = a.value().reshape(shape);
        int n = y.size();
        return Tape.output(y, g -> Simd.add(a.ensureGrad().data(), 0, g.data(), 0, a.grad().data(), 0, n), a);
    }
}
