package dev.selfee.engine;

import java.util.Arrays;

/** Shape checks shared by every op: a mismatch names the op and both shapes. Nothing broadcasts implicitly. */
public final class Shapes {
    private Shapes() {}

    public static void requireSame(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " differ");
        }
    }

    public static void requireRank(String op, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": expected a rank-" + rank + " tensor, got shape " + Arrays.toString(t.shape()));
        }
    }

    /** Requires {@code t}'s shape to equal {@code expected}; -1 in expected matches any size. */
    public static void requireShape(String op, Tensor t, int... expected) {
        int[] s = t.shape();
        boolean ok = s.length == expected.length;
        for (int d = 0; ok && d < s.length; d++) ok = expected[d] == -1 || expected[d] == s[d];
        if (!ok) {
            throw new IllegalArgumentException(op + ": expected shape " + Arrays.toString(expected).replace("-1", "*")
                    + ", got " + Arrays.toString(s));
        }
    }
}
