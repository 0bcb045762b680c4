package dev.selfee.engine.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Parallel;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GemmTest {
    /** One multiply: shapes, operand layouts inside larger arrays, and the scalars. */
    private record Case(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta,
                        int aOff, int lda, int bOff, int ldb, int cOff, int ldc) {
        static Case of(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int pad) {
            int aw = ta ? m : k, bw = tb ? k : n;
            return new Case(ta, tb, m, n, k, alpha, beta, pad, aw + pad, 2 * pad, bw + pad, 3 * pad, n + pad);
        }

        int aRows() { return ta ? k : m; }
        int bRows() { return tb ? n : k; }
        float a(float[] a, int i, int p) { return ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p]; }
        float b(float[] b, int p, int j) { return tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]; }
        void run(float[] a, float[] b, float[] c) {
            Gemm.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
        @Override public String toString() {
            return (ta ? "T" : "N") + (tb ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta
                    + " offsets " + aOff + "/" + bOff + "/" + cOff + " strides " + lda + "/" + ldb + "/" + ldc;
        }
    }

    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 257, 100}, {1, 100, 257}, {1, 33, 3}, {2, 3, 5}, {3, 17, 33}, {4, 64, 31}, {5, 100, 17},
            {7, 100, 257}, {8, 50, 300}, {9, 1, 257}, {17, 33, 3}, {33, 100, 17}, {100, 257, 33}, {257, 33, 100},
            {13, 49, 513}, {50, 800, 40}, {61, 97, 260}, {70, 64, 100}, {40, 16, 70}};

    private static float[] random(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) r.nextDouble(-1, 1);
        return x;
    }

    /** Runs the case against a double-precision reference; everything outside C must stay untouched. */
    private static void check(Case t, boolean nanC) {
        float[] a = random(t.aOff + t.aRows() * t.lda + 7, 11);
        float[] b = random(t.bOff + t.bRows() * t.ldb + 7, 12);
        float[] c = random(t.cOff + t.m * t.ldc + 7, 13);
        if (nanC) Arrays.fill(c, Float.NaN);
        float[] before = c.clone();
        t.run(a, b, c);
        double eps = 0x1p-24;
        for (int i = 0; i < t.m; i++) {
            for (int j = 0; j < t.n; j++) {
                double dot = 0, abs = 0;
                for (int p = 0; p < t.k; p++) {
                    double x = (double) t.a(a, i, p) * t.b(b, p, j);
                    dot += x;
                    abs += Math.abs(x);
                }
                int ci = t.cOff + i * t.ldc + j;
                double old = t.beta == 0f ? 0 : before[ci];
                double want = t.alpha * dot + t.beta * old;
                double tol = 4 * (t.k + 4) * eps * (Math.abs(t.alpha) * abs + Math.abs(t.beta * old)) + 1e-30;
                String where = " at C[" + i + "," + j + "]";
                assertEquals(want, c[ci], tol, () -> t + where);
                before[ci] = c[ci]; // mark as the one element allowed to change
            }
        }
        for (int q = 0; q < c.length; q++) {
            int idx = q;
            assertEquals(Float.floatToRawIntBits(before[q]), Float.floatToRawIntBits(c[q]), () -> t + ": wrote outside C at " + idx);
        }
    }

    @Test
    void allTransposesMatchTheReferenceOnOddShapes() {
        for (int[] s : SHAPES) {
            for (int tr = 0; tr < 4; tr++) {
                check(Case.of((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1f, 0f, 0), false);
            }
        }
    }

    @Test
    void offsetsAndWideStridesAreRespected() {
        for (int[] s : SHAPES) {
            for (int tr = 0; tr < 4; tr++) {
                check(Case.of((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1f, 0f, 5), false);
            }
        }
    }

    /**
     * Shapes spanning several k, row and column blocks, on two threads (so both the column and
     * the row split run), with A read in place and, at row strides that are multiples of 4 KiB
     * (1024 floats), packed.
     */
    @Test
    void blockedShapesAndBothWaysOfReadingAMatchTheReference() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            int[][] shapes = {{130, 700, 300}, {400, 100, 530}, {97, 1200, 70}};
            for (int[] s : shapes) {
                for (int tr = 0; tr < 4; tr++) {
                    boolean ta = (tr & 1) != 0, tb = (tr & 2) != 0;
                    check(Case.of(ta, tb, s[0], s[1], s[2], 1f, 0.5f, 3), false);
                    int aw = ta ? s[0] : s[2];
                    int lda = (aw + 1023) / 1024 * 1024; // every row of A in the same L1 sets
                    check(new Case(ta, tb, s[0], s[1], s[2], 1f, 0f, 2, lda, 1, (tb ? s[2] : s[1]) + 1, 0, s[1]), false);
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void alphaAndBetaScaleAsInBlas() {
        float[][] scalars = {{0.5f, 0f}, {2f, 1f}, {-1.5f, 0.25f}, {1f, -1f}};
        int[][] shapes = {{1, 100, 257}, {3, 33, 17}, {8, 50, 300}, {33, 100, 17}, {61, 97, 260}};
        for (float[] ab : scalars) {
            for (int[] s : shapes) {
                for (int tr = 0; tr < 4; tr++) check(Case.of((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], ab[0], ab[1], 3), false);
            }
        }
    }

    @Test
    void betaZeroNeverReadsC() {
        int[][] shapes = {{1, 100, 257}, {1, 33, 64}, {6, 20, 10}, {61, 97, 260}, {13, 49, 513}};
        for (int[] s : shapes) {
            for (int tr = 0; tr < 4; tr++) check(Case.of((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1.5f, 0f, 2), true);
        }
    }

    @Test
    void emptyInnerDimensionOrZeroAlphaOnlyScalesC() {
        float[] c = {1f, 2f, 3f, 4f};
        Gemm.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2);
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f, 2f}, c);
        float[] nan = {Float.NaN, Float.NaN};
        Gemm.gemm(false, false, 1, 2, 3, 0f, new float[3], 0, 3, new float[6], 0, 2, 0f, nan, 0, 2);
        assertArrayEquals(new float[] {0f, 0f}, nan);
    }

    @Test
    void matmulIsThePlainProduct() {
        float[] a = {1, 2, 3, 4, 5, 6}; // 2×3
        float[] b = {7, 8, 9, 10, 11, 12}; // 3×2
        float[] c = new float[4];
        Gemm.matmul(a, b, c, 2, 2, 3);
        assertArrayEquals(new float[] {58, 64, 139, 154}, c);
    }

    /**
     * x·Wᵀ for one row gives the same bits as that row inside a few-row product: a token decoded
     * alone computes what it computes in a batch (the one-row kernel takes other row groups).
     */
    @Test
    void aRowAloneEqualsTheSameRowAmongOthers() {
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                for (int[] nk : new int[][] {{500, 300}, {1408, 512}, {13, 17}, {8, 16}}) {
                    int n = nk[0], k = nk[1], m = 5;
                    float[] a = random(m * k, 31), w = random(n * k, 32), all = new float[m * n];
                    Gemm.gemm(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, all, 0, n);
                    for (int i = 0; i < m; i++) {
                        float[] one = new float[n];
                        Gemm.gemm(false, true, 1, n, k, 1f, a, i * k, k, w, 0, k, 0f, one, 0, n);
                        assertArrayEquals(Arrays.copyOfRange(all, i * n, (i + 1) * n), one, "row " + i + " of n=" + n + " k=" + k + ", " + threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** Same inputs, same bits: across calls (interpreted, then compiled) and across thread counts. */
    @Test
    void resultsAreBitIdenticalAcrossRunsAndThreadCounts() {
        int[][] shapes = {{200, 300, 257}, {400, 100, 300}, {600, 520, 40}, {1, 500, 300}, {5, 300, 129}, {30, 40, 50}};
        int saved = Parallel.threads();
        try {
            for (int[] s : shapes) {
                for (int tr = 0; tr < 4; tr++) {
                    Case t = Case.of((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1f, 0f, 1);
                    float[] a = random(t.aOff + t.aRows() * t.lda, 21), b = random(t.bOff + t.bRows() * t.ldb, 22);
                    Parallel.setThreads(2);
                    float[] first = new float[t.cOff + t.m * t.ldc];
                    t.run(a, b, first);
                    int repeats = (int) Math.min(400, 20_000_000L / ((long) s[0] * s[1] * s[2]) + 2);
                    for (int r = 0; r < repeats; r++) {
                        float[] again = new float[first.length];
                        t.run(a, b, again);
                        if (!Arrays.equals(first, again)) fail(t + ": run " + r + " differs from the first");
                    }
                    Parallel.setThreads(1);
                    float[] single = new float[first.length];
                    t.run(a, b, single);
                    assertArrayEquals(first, single, t + ": 1 thread differs from 2");
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void operandsOutsideTheirArraysAreRejectedWithShapes() {
        float[] small = new float[10];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, true, 4, 4, 4, 1f, new float[16], 0, 4, small, 0, 4, 0f, new float[16], 0, 4));
        assertTrue(e.getMessage().contains("gemm A·Bᵀ (m=4, n=4, k=4): B stored 4×4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 3, 4, 1f, new float[8], 0, 3, new float[12], 0, 3, 0f, new float[6], 0, 3));
        assertTrue(e.getMessage().contains("row stride >= 4"), e.getMessage());
    }
}
