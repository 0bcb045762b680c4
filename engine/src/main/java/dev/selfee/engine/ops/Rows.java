package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/**
 * Rows moved between a padded [batch, seq, d] layout and a packed [1, n, d] one holding only
 * some of its positions (the real tokens of a padded batch), so that the row-wise parts of a
 * layer skip the padding and only attention, which needs the [batch, seq] layout, sees it.
 */
public final class Rows {
    /** Rows per parallel chunk of a copy. */
    private static final int GRAIN = 64;

    private Rows() {}

    /**
     * x [.., n, d] (n rows in all) -> [batch, seq, d] whose row {@code rows[i]} is row i of x and
     * whose other rows are zero; backward hands each row's gradient back.
     */
    public static Var scatter(Var x, int[] rows, int batch, int seq) {
        Tensor xv = x.value().contiguous();
        int d = lastDim("rows.scatter", xv, rows.length);
        int[] at = checked(rows, batch * seq);
        Tensor y = Tensor.zeros(batch, seq, d);
        float[] xd = xv.data(), yd = y.data();
        int xo = xv.offset();
        Parallel.forRange(at.length, GRAIN, (s, e) -> {
            for (int i = s; i < e; i++) System.arraycopy(xd, xo + i * d, yd, at[i] * d, d);
        });
        return Tape.output(y, g -> {
            float[] gd = g.data(), dx = x.ensureGrad().data();
            Parallel.forRange(at.length, GRAIN, (s, e) -> {
                for (int i = s; i < e; i++) Simd.add(dx, i * d, gd, at[i] * d, dx, i * d, d);
            });
        }, x);
    }

    /** x [batch, seq, d] -> [1, n, d] whose row i is row {@code rows[i]} of x; backward adds the gradients back to those rows. */
    public static Var gather(Var x, int[] rows) {
        Tensor xv = x.value().contiguous();
        int[] s = xv.shape();
        if (s.length != 3) throw new IllegalArgumentException("rows.gather: expected [batch, seq, d], got " + Arrays.toString(s));
        int d = s[2];
        int[] at = checked(rows, s[0] * s[1]);
        Tensor y = Tensor.empty(1, at.length, d);
        float[] xd = xv.data(), yd = y.data();
        int xo = xv.offset();
        Parallel.forRange(at.length, GRAIN, (a, b) -> {
            for (int i = a; i < b; i++) System.arraycopy(xd, xo + at[i] * d, yd, i * d, d);
        });
        return Tape.output(y, g -> {
            float[] gd = g.data(), dx = x.ensureGrad().data();
            Parallel.forRange(at.length, GRAIN, (a, b) -> { // rows are distinct: chunks write disjoint rows
                for (int i = a; i < b; i++) Simd.add(dx, at[i] * d, gd, i * d, dx, at[i] * d, d);
            });
        }, x);
    }

    private static int lastDim(String op, Tensor x, int n) {
        int[] s = x.shape();
        int d = s.length == 0 ? 0 : s[s.length - 1];
        if (s.length < 2 || (long) n * d != x.size()) {
            throw new IllegalArgumentException(op + ": " + Arrays.toString(s) + " does not hold " + n + " rows");
        }
        return d;
    }

    /** A copy of rows after checking they are distinct and in [0, total). */
    private static int[] checked(int[] rows, int total) {
        boolean[] seen = new boolean[total];
        for (int r : rows) {
            if (r < 0 || r >= total) throw new IllegalArgumentException("rows: row " + r + " is outside [0, " + total + ")");
            if (seen[r]) throw new IllegalArgumentException("rows: row " + r + " appears twice");
            seen[r] = true;
        }
        return rows.clone();
    }
}
