package dev.selfee.engine.kernel;

import static dev.selfee.engine.kernel.MicroKernel.S;
import static dev.selfee.engine.kernel.MicroKernel.V;

import dev.selfee.engine.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * GEMM for a few rows of A ({@code m <= Gemm.SKINNY_ROWS}): the token-at-a-time products of
 * generation, where B is a weight read once per call and packing it would cost as much as the
 * multiply. op(A) is copied into a small row-major buffer padded to {@link #GROUP} rows; B is
 * read in place.
 * <ul>
 *   <li>B stored k×n (A·B): C rows are accumulated along k in registers, vectors across n.
 *   <li>B stored n×k (A·Bᵀ, a Linear layer with an [out, in] weight): each C element is a dot
 *       product of two contiguous rows, vectors along k, lanes added in a fixed order.
 * </ul>
 * Threads take disjoint column ranges of C, so the result does not depend on the thread count.
 */
final class SkinnyGemm {
    /** Rows of A handled together; A is zero-padded to a multiple of this. */
    static final int GROUP = 4;
    /** Below this many multiply-adds per thread, extra threads cost more than they save. */
    private static final long MIN_WORK_PER_THREAD = 1L << 16;

    private SkinnyGemm() {}

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        int rows = (m + GROUP - 1) / GROUP * GROUP;
        float[] x = Scratch.get().a(rows * k);
        for (int i = 0; i < m; i++) {
            if (!transA) {
                System.arraycopy(a, aOff + i * lda, x, i * k, k);
            } else {
                for (int p = 0; p < k; p++) x[i * k + p] = a[aOff + p * lda + i];
            }
        }
        java.util.Arrays.fill(x, m * k, rows * k, 0f);
        int units = transB ? n : (n + V - 1) / V;
        long work = (long) m * n * k;
        int parts = (int) Math.max(1, Math.min(Math.min(Parallel.threads(), units), work / MIN_WORK_PER_THREAD));
        Parallel.forChunks(parts, part -> {
            int u0 = Parallel.range(units, parts, part), u1 = Parallel.range(units, parts, part + 1);
            if (transB) {
                dots(m, k, alpha, x, b, bOff, ldb, beta, c, cOff, ldc, u0, u1);
            } else {
                rows(m, k, alpha, x, b, bOff, ldb, beta, c, cOff, ldc, u0 * V, Math.min(n, u1 * V));
            }
        });
    }

    // ---- A·B: B stored k×n ----

    /** C[0:m, j0:j1] for B stored k×n. */
    private static void rows(int m, int k, float alpha, float[] x, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc, int j0, int j1) {
        float[] acc = Scratch.get().tile;
        if (m == 1) {
            int j = j0;
            for (; j + 4 * V <= j1; j += 4 * V) {
                row1x4(k, x, b, bOff + j, ldb, acc);
                for (int v = 0; v < 4 * V; v += V) MicroKernel.update(acc, v, alpha, beta, c, cOff + j + v);
            }
            for (; j < j1; j += V) {
                row1x1(k, x, b, bOff + j, ldb, j1 - j, acc);
                update(acc, 0, alpha, beta, c, cOff + j, j1 - j);
            }
            return;
        }
        for (int i = 0; i < m; i += GROUP) {
            int valid = Math.min(GROUP, m - i), ci = cOff + i * ldc;
            int j = j0;
            for (; j + 2 * V <= j1; j += 2 * V) {
                row4x2(k, x, i * k, b, bOff + j, ldb, acc);
                for (int r = 0; r < valid; r++) {
                    MicroKernel.update(acc, 2 * r * V, alpha, beta, c, ci + r * ldc + j);
                    MicroKernel.update(acc, 2 * r * V + V, alpha, beta, c, ci + r * ldc + j + V);
                }
            }
            for (; j < j1; j += V) {
                row4x1(k, x, i * k, b, bOff + j, ldb, j1 - j, acc);
                for (int r = 0; r < valid; r++) update(acc, r * V, alpha, beta, c, ci + r * ldc + j, j1 - j);
            }
        }
    }

    /** acc[0..4V) = x[0..k) · B[0..k, 4V columns at bi]. */
    private static void row1x4(int k, float[] x, float[] b, int bi, int ldb, float[] acc) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0; p < k; p++, bi += ldb) {
            FloatVector xa = FloatVector.broadcast(S, x[p]);
            s0 = FloatVector.fromArray(S, b, bi).fma(xa, s0);
            s1 = FloatVector.fromArray(S, b, bi + V).fma(xa, s1);
            s2 = FloatVector.fromArray(S, b, bi + 2 * V).fma(xa, s2);
            s3 = FloatVector.fromArray(S, b, bi + 3 * V).fma(xa, s3);
        }
        s0.intoArray(acc, 0);
        s1.intoArray(acc, V);
        s2.intoArray(acc, 2 * V);
        s3.intoArray(acc, 3 * V);
    }

    /** acc[0..V) = x[0..k) · B[0..k, min(V, cols) columns at bi]. */
    private static void row1x1(int k, float[] x, float[] b, int bi, int ldb, int cols, float[] acc) {
        VectorMask<Float> in = S.indexInRange(0, cols);
        FloatVector s = FloatVector.zero(S);
        for (int p = 0; p < k; p++, bi += ldb) s = FloatVector.fromArray(S, b, bi, in).fma(FloatVector.broadcast(S, x[p]), s);
        s.intoArray(acc, 0);
    }

    /** acc[r·2V..(r+1)·2V) = row r of the four x rows at xi times the 2V columns of B at bi. */
    private static void row4x2(int k, float[] x, int xi, float[] b, int bi, int ldb, float[] acc) {
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
        for (int p = 0; p < k; p++, bi += ldb, xi++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector xa = FloatVector.broadcast(S, x[xi]);
            s00 = b0.fma(xa, s00); s01 = b1.fma(xa, s01);
            xa = FloatVector.broadcast(S, x[xi + k]);
            s10 = b0.fma(xa, s10); s11 = b1.fma(xa, s11);
            xa = FloatVector.broadcast(S, x[xi + 2 * k]);
            s20 = b0.fma(xa, s20); s21 = b1.fma(xa, s21);
            xa = FloatVector.broadcast(S, x[xi + 3 * k]);
            s30 = b0.fma(xa, s30); s31 = b1.fma(xa, s31);
        }
        s00.intoArray(acc, 0); s01.intoArray(acc, V);
        s10.intoArray(acc, 2 * V); s11.intoArray(acc, 3 * V);
        s20.intoArray(acc, 4 * V); s21.intoArray(acc, 5 * V);
        s30.intoArray(acc, 6 * V); s31.intoArray(acc, 7 * V);
    }

    /** acc[r·V..(r+1)·V) = row r of the four x rows at xi times min(V, cols) columns of B at bi. */
    private static void row4x1(int k, float[] x, int xi, float[] b, int bi, int ldb, int cols, float[] acc) {
        VectorMask<Float> in = S.indexInRange(0, cols);
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0; p < k; p++, bi += ldb, xi++) {
            FloatVector bv = FloatVector.fromArray(S, b, bi, in);
            s0 = bv.fma(FloatVector.broadcast(S, x[xi]), s0);
            s1 = bv.fma(FloatVector.broadcast(S, x[xi + k]), s1);
            s2 = bv.fma(FloatVector.broadcast(S, x[xi + 2 * k]), s2);
            s3 = bv.fma(FloatVector.broadcast(S, x[xi + 3 * k]), s3);
        }
        s0.intoArray(acc, 0);
        s1.intoArray(acc, V);
        s2.intoArray(acc, 2 * V);
        s3.intoArray(acc, 3 * V);
    }

    /** {@link MicroKernel#update} for the first min(V, cols) columns. */
    private static void update(float[] acc, int ai, float alpha, float beta, float[] c, int ci, int cols) {
        VectorMask<Float> in = S.indexInRange(0, cols);
        FloatVector s = FloatVector.fromArray(S, acc, ai);
        if (beta == 0f) {
            s.mul(alpha).intoArray(c, ci, in);
        } else {
            s.fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, c, ci, in).mul(beta)).intoArray(c, ci, in);
        }
    }

    // ---- A·Bᵀ: B stored n×k ----

    /** C[0:m, j0:j1] for B stored n×k; groups of four B rows, the last group padded by repeating a row. */
    private static void dots(int m, int k, float alpha, float[] x, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc, int j0, int j1) {
        float[] acc = Scratch.get().tile; // 8 vectors of partial sums
        int kv = k / V * V; // the vector part of k; the rest is added in scalar
        for (int j = j0; j < j1; j += 4) {
            int cols = Math.min(4, j1 - j);
            int[] r = {bOff + j * ldb, bOff + Math.min(j + 1, j1 - 1) * ldb,
                    bOff + Math.min(j + 2, j1 - 1) * ldb, bOff + Math.min(j + 3, j1 - 1) * ldb};
            for (int i = 0; i < m; i += 2) {
                int rowsHere = Math.min(2, m - i);
                if (rowsHere == 1) dot1x4(kv, x, i * k, b, r[0], r[1], r[2], r[3], acc);
                else dot2x4(kv, k, x, i * k, b, r[0], r[1], r[2], r[3], acc);
                for (int h = 0; h < rowsHere; h++) {
                    int o = cOff + (i + h) * ldc + j, xi = (i + h) * k;
                    for (int q = 0; q < cols; q++) {
                        float dot = finish(acc, (h * 4 + q) * V, x, xi, b, r[q], kv, k);
                        c[o + q] = MicroKernel.update(dot, alpha, beta, beta == 0f ? 0f : c[o + q]);
                    }
                }
            }
        }
    }

    /** acc[q·V..(q+1)·V) = lane-wise partial sums of x[xi..xi+kv) · B row q (at r0..r3). */
    private static void dot1x4(int kv, float[] x, int xi, float[] b, int r0, int r1, int r2, int r3, float[] acc) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0; p < kv; p += V) {
            FloatVector xa = FloatVector.fromArray(S, x, xi + p);
            s0 = FloatVector.fromArray(S, b, r0 + p).fma(xa, s0);
            s1 = FloatVector.fromArray(S, b, r1 + p).fma(xa, s1);
            s2 = FloatVector.fromArray(S, b, r2 + p).fma(xa, s2);
            s3 = FloatVector.fromArray(S, b, r3 + p).fma(xa, s3);
        }
        s0.intoArray(acc, 0);
        s1.intoArray(acc, V);
        s2.intoArray(acc, 2 * V);
        s3.intoArray(acc, 3 * V);
    }

    /** {@link #dot1x4} for the two x rows at xi and xi + k: row h, B row q go to acc[(4h + q)·V..]. */
    private static void dot2x4(int kv, int k, float[] x, int xi, float[] b, int r0, int r1, int r2, int r3, float[] acc) {
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        int yi = xi + k;
        for (int p = 0; p < kv; p += V) {
            FloatVector xa = FloatVector.fromArray(S, x, xi + p), ya = FloatVector.fromArray(S, x, yi + p);
            FloatVector b0 = FloatVector.fromArray(S, b, r0 + p);
            s00 = b0.fma(xa, s00); s10 = b0.fma(ya, s10);
            FloatVector b1 = FloatVector.fromArray(S, b, r1 + p);
            s01 = b1.fma(xa, s01); s11 = b1.fma(ya, s11);
            FloatVector b2 = FloatVector.fromArray(S, b, r2 + p);
            s02 = b2.fma(xa, s02); s12 = b2.fma(ya, s12);
            FloatVector b3 = FloatVector.fromArray(S, b, r3 + p);
            s03 = b3.fma(xa, s03); s13 = b3.fma(ya, s13);
        }
        s00.intoArray(acc, 0); s01.intoArray(acc, V); s02.intoArray(acc, 2 * V); s03.intoArray(acc, 3 * V);
        s10.intoArray(acc, 4 * V); s11.intoArray(acc, 5 * V); s12.intoArray(acc, 6 * V); s13.intoArray(acc, 7 * V);
    }

    /**
     * Adds the V partial sums at acc[ai..] in lane order (reduceLanes leaves the order open, and
     * this must give the same bits compiled or interpreted), then the k tail from kv on.
     */
    private static float finish(float[] acc, int ai, float[] x, int xi, float[] b, int bi, int kv, int k) {
        float sum = 0f;
        for (int l = ai; l < ai + V; l++) sum += acc[l];
        for (int p = kv; p < k; p++) sum = Math.fma(x[xi + p], b[bi + p], sum);
        return sum;
    }
}
