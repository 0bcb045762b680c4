package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/** Row gather from an embedding table; the backward scatter-adds into the table's gradient. */
public final class Embedding {
    private Embedding() {}

    /** table [vocab, dim], ids of the given shape (e.g. batch, seq) -> [shape..., dim]. */
    public static Var apply(Var table, int[] ids, int... shape) {
        int[] ts = table.shape();
        if (ts.length != 2) throw new IllegalArgumentException("embedding: table must be [vocab, dim], got " + Arrays.toString(ts));
        long count = 1;
        for (int d : shape) count *= d;
        if (count != ids.length) {
            throw new IllegalArgumentException("embedding: " + ids.length + " ids do not fill shape " + Arrays.toString(shape));
        }
        int vocab = ts[0], dim = ts[1];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("embedding: id " + ids[i] + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int[] idx = ids.clone(); // the caller may reuse its array before backward
        int[] ys = Arrays.copyOf(shape, shape.length + 1);
        ys[shape.length] = dim;
        Tensor tv = table.value(), y = Tensor.empty(ys);
        for (int i = 0; i < ids.length; i++) System.arraycopy(tv.data(), tv.offset() + ids[i] * dim, y.data(), i * dim, dim);
        return Tape.output(y, g -> {
            float[] dt = table.ensureGrad().data();
            for (int i = 0; i < idx.length; i++) Simd.add(dt, idx[i] * dim, g.data(), i * dim, dt, idx[i] * dim, dim);
        }, table);
    }
}
