package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;

/** Indices [start, end) of one dimension, copied out (e.g. the chosen and rejected halves of a DPO batch). */
public final class Slice {
    private Slice() {}

    public static Var apply(Var x, int dim, int start, int end) {
        Tensor view = x.value().slice(dim, start, end); // checks the range, naming the shape
        Tensor y = view.copy();
        return Tape.output(y, g -> {
            Tensor dx = x.ensureGrad().slice(dim, start, end);
            Tensor sum = dx.copy();
            float[] s = sum.data(), gd = g.data();
            for (int i = 0; i < s.length; i++) s[i] += gd[i];
            dx.copyFrom(sum);
        }, x);
    }
}
