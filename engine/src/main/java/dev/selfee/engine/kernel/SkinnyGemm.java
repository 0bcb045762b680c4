package dev.selfee.engine.kernel;

import static dev.selfee.engine.kernel.MicroKernel.S;
import static dev.selfee.engine.kernel.MicroKernel.V;

import dev.selfee.engine.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * GEMM for a few rows of A (see {@code Gemm.SKINNY_ROWS}): the token-at-a-time products of
 * generation, where B is a weight read once per call and packing it would cost as much as the
 * multiply. op(A) is copied into a small row-major buffer; B is read in place.
 * <ul>
 *   <li>B stored k×n (A·B): B is streamed row by row into partial sums of C rows kept in L1,
 *       four rows of A sharing each load of B.
 *   <li>B stored n×k (A·Bᵀ, a Linear layer with an [out, in] weight): each C element is a dot
 *       product of two contiguous rows, vectors along k, lanes added in a fixed order.
 * </ul>
 * Threads take disjoint column ranges of C, so the result does not depend on the thread count
 * (nor on the number of ranges).
 */
final class SkinnyGemm {
    /** Columns of C accumulated together in the A·B case. */
    static final int JB = 1024;
    /** Below this many multiply-adds per chunk, extra threads cost more than they save. */
    private static final long MIN_WORK_PER_CHUNK = 1L << 16;
    /**
     * Chunks per thread: with several, a thread the OS has descheduled holds up a product only by
     * the one chunk it has taken, and the others take the rest. Each C element is computed the
     * same way whatever the chunk, so the chunking does not change the result.
     */
    private static final int CHUNKS_PER_THREAD = 4;

    private SkinnyGemm() {}

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        int rows = m == 1 ? 1 : (m + 3) / 4 * 4; // A·B takes rows four at a time
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
        int threads = Parallel.threads();
        int parts = threads == 1 ? 1 : (int) Math.max(1, Math.min(Math.min(CHUNKS_PER_THREAD * threads, units), work / MIN_WORK_PER_CHUNK));
        Parallel.forChunks(parts, part -> {
            int u0 = Parallel.range(units, parts, part), u1 = Parallel.range(units, parts, part + 1);
            if (transB) {
                dots(m, k, alpha, x, b, bOff, ldb, beta, c, cOff, ldc, u0, u1);
            } else {
                rows(m, rows, k, alpha, x, b, bOff, ldb, beta, c, cOff, ldc, u0 * V, Math.min(n, u1 * V));
            }
        });
    }

    // ---- A·B: B stored k×n ----

    /**
     * C[0:m, j0:j1] for B stored k×n, {@link #JB} columns at a time: rows of B are read in order,
     * four at once, and added into partial sums of C that stay in L1. Each sum still runs along
     * k in order.
     */
    private static void rows(int m, int rows, int k, float alpha, float[] x, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc, int j0, int j1) {
        float[] acc = Scratch.get().b(rows * JB);
        for (int jc = j0; jc < j1; jc += JB) {
            int w = Math.min(JB, j1 - jc); // acc holds row i at acc[i·w ..]
            java.util.Arrays.fill(acc, 0, rows * w, 0f);
            int p = 0;
            for (; p + 4 <= k; p += 4) {
                int bi = bOff + p * ldb + jc;
                if (m == 1) {
                    axpy4(x, p, b, bi, ldb, acc, 0, w);
                } else {
                    for (int i = 0; i < m; i += 4) axpy4x4(x, i * k + p, k, b, bi, ldb, acc, i * w, w);
                }
            }
            for (; p < k; p++) {
                for (int i = 0; i < m; i++) axpy1(x[i * k + p], b, bOff + p * ldb + jc, acc, i * w, w);
            }
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc + jc, j = 0;
                for (; j + V <= w; j += V) MicroKernel.update(acc, i * w + j, alpha, beta, c, ci + j);
                if (j < w) update(acc, i * w + j, alpha, beta, c, ci + j, w - j);
            }
        }
    }

    /** {@link #axpy4} for the four x rows at xi, xi + k, ... into the four acc rows at ai, ai + w, ...: B is loaded once for all four. */
    private static void axpy4x4(float[] x, int xi, int k, float[] b, int bi, int ldb, float[] acc, int ai, int w) {
        FloatVector x00 = FloatVector.broadcast(S, x[xi]), x01 = FloatVector.broadcast(S, x[xi + 1]);
        FloatVector x02 = FloatVector.broadcast(S, x[xi + 2]), x03 = FloatVector.broadcast(S, x[xi + 3]);
        int y = xi + k;
        FloatVector x10 = FloatVector.broadcast(S, x[y]), x11 = FloatVector.broadcast(S, x[y + 1]);
        FloatVector x12 = FloatVector.broadcast(S, x[y + 2]), x13 = FloatVector.broadcast(S, x[y + 3]);
        y += k;
        FloatVector x20 = FloatVector.broadcast(S, x[y]), x21 = FloatVector.broadcast(S, x[y + 1]);
        FloatVector x22 = FloatVector.broadcast(S, x[y + 2]), x23 = FloatVector.broadcast(S, x[y + 3]);
        y += k;
        FloatVector x30 = FloatVector.broadcast(S, x[y]), x31 = FloatVector.broadcast(S, x[y + 1]);
        FloatVector x32 = FloatVector.broadcast(S, x[y + 2]), x33 = FloatVector.broadcast(S, x[y + 3]);
        int b1 = bi + ldb, b2 = bi + 2 * ldb, b3 = bi + 3 * ldb, a1 = ai + w, a2 = ai + 2 * w, a3 = ai + 3 * w, j = 0;
        for (; j + V <= w; j += V) {
            FloatVector v0 = FloatVector.fromArray(S, b, bi + j), v1 = FloatVector.fromArray(S, b, b1 + j);
            FloatVector v2 = FloatVector.fromArray(S, b, b2 + j), v3 = FloatVector.fromArray(S, b, b3 + j);
            v3.fma(x03, v2.fma(x02, v1.fma(x01, v0.fma(x00, FloatVector.fromArray(S, acc, ai + j))))).intoArray(acc, ai + j);
            v3.fma(x13, v2.fma(x12, v1.fma(x11, v0.fma(x10, FloatVector.fromArray(S, acc, a1 + j))))).intoArray(acc, a1 + j);
            v3.fma(x23, v2.fma(x22, v1.fma(x21, v0.fma(x20, FloatVector.fromArray(S, acc, a2 + j))))).intoArray(acc, a2 + j);
            v3.fma(x33, v2.fma(x32, v1.fma(x31, v0.fma(x30, FloatVector.fromArray(S, acc, a3 + j))))).intoArray(acc, a3 + j);
        }
        if (j < w) {
            for (int r = 0; r < 4; r++) axpy4(x, xi + r * k, b, bi + j, ldb, acc, ai + r * w + j, w - j);
        }
    }

    /** acc[ai..ai+w) += x[xi]·B[bi..] + ... + x[xi+3]·B[bi+3·ldb..], added row by row. */
    private static void axpy4(float[] x, int xi, float[] b, int bi, int ldb, float[] acc, int ai, int w) {
        FloatVector x0 = FloatVector.broadcast(S, x[xi]), x1 = FloatVector.broadcast(S, x[xi + 1]);
        FloatVector x2 = FloatVector.broadcast(S, x[xi + 2]), x3 = FloatVector.broadcast(S, x[xi + 3]);
        int b1 = bi + ldb, b2 = bi + 2 * ldb, b3 = bi + 3 * ldb, j = 0;
        for (; j + V <= w; j += V) {
            FloatVector s = FloatVector.fromArray(S, acc, ai + j);
            s = FloatVector.fromArray(S, b, bi + j).fma(x0, s);
            s = FloatVector.fromArray(S, b, b1 + j).fma(x1, s);
            s = FloatVector.fromArray(S, b, b2 + j).fma(x2, s);
            s = FloatVector.fromArray(S, b, b3 + j).fma(x3, s);
            s.intoArray(acc, ai + j);
        }
        if (j < w) {
            VectorMask<Float> in = S.indexInRange(j, w);
            FloatVector s = FloatVector.fromArray(S, acc, ai + j, in);
            s = FloatVector.fromArray(S, b, bi + j, in).fma(x0, s);
            s = FloatVector.fromArray(S, b, b1 + j, in).fma(x1, s);
            s = FloatVector.fromArray(S, b, b2 + j, in).fma(x2, s);
            s = FloatVector.fromArray(S, b, b3 + j, in).fma(x3, s);
            s.intoArray(acc, ai + j, in);
        }
    }

    /** acc[ai..ai+w) += xv·B[bi..bi+w). */
    private static void axpy1(float xv, float[] b, int bi, float[] acc, int ai, int w) {
        FloatVector x0 = FloatVector.broadcast(S, xv);
        int j = 0;
        for (; j + V <= w; j += V) {
            FloatVector.fromArray(S, b, bi + j).fma(x0, FloatVector.fromArray(S, acc, ai + j)).intoArray(acc, ai + j);
        }
        if (j < w) {
            VectorMask<Float> in = S.indexInRange(j, w);
            FloatVector.fromArray(S, b, bi + j, in).fma(x0, FloatVector.fromArray(S, acc, ai + j, in)).intoArray(acc, ai + j, in);
        }
    }

    /** {@link MicroKernel#update} for the first min(V, cols) columns. */
    private static void update(float[] acc, int ai, float alpha, float beta, float[] c, int ci, int cols) {
        VectorMask<Float> in = S.indexInRange(0, cols);
        FloatVector s = FloatVector.fromArray(S, acc, ai, in);
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
        float[] sums = new float[4];
        int kv = k / V * V; // the vector part of k; the rest is added in scalar
        int j = j0;
        if (m == 1) { // one token: eight B rows at a time, more loads in flight from memory
            for (; j + 8 <= j1; j += 8) {
                int r0 = bOff + j * ldb;
                dot1x8(kv, x, b, r0, ldb, acc);
                finish4(acc, 0, x, 0, b, r0, r0 + ldb, r0 + 2 * ldb, r0 + 3 * ldb, kv, k, sums);
                int o = cOff + j;
                for (int q = 0; q < 4; q++) c[o + q] = MicroKernel.update(sums[q], alpha, beta, beta == 0f ? 0f : c[o + q]);
                int r4 = r0 + 4 * ldb;
                finish4(acc, 4 * V, x, 0, b, r4, r4 + ldb, r4 + 2 * ldb, r4 + 3 * ldb, kv, k, sums);
                for (int q = 0; q < 4; q++) c[o + 4 + q] = MicroKernel.update(sums[q], alpha, beta, beta == 0f ? 0f : c[o + 4 + q]);
            }
        }
        for (; j < j1; j += 4) {
            int cols = Math.min(4, j1 - j);
            int r0 = bOff + j * ldb, r1 = bOff + Math.min(j + 1, j1 - 1) * ldb;
            int r2 = bOff + Math.min(j + 2, j1 - 1) * ldb, r3 = bOff + Math.min(j + 3, j1 - 1) * ldb;
            for (int i = 0; i < m; i += 2) {
                int rowsHere = Math.min(2, m - i);
                if (rowsHere == 1) dot1x4(kv, x, i * k, b, r0, r1, r2, r3, acc);
                else dot2x4(kv, k, x, i * k, b, r0, r1, r2, r3, acc);
                for (int h = 0; h < rowsHere; h++) {
                    int o = cOff + (i + h) * ldc + j, xi = (i + h) * k;
                    finish4(acc, h * 4 * V, x, xi, b, r0, r1, r2, r3, kv, k, sums);
                    for (int q = 0; q < cols; q++) {
                        c[o + q] = MicroKernel.update(sums[q], alpha, beta, beta == 0f ? 0f : c[o + q]);
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

    /** {@link #dot1x4} for the eight B rows at r0, r0 + ldb, ..., into acc[0..8·V). */
    private static void dot1x8(int kv, float[] x, float[] b, int r0, int ldb, float[] acc) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb, r4 = r3 + ldb, r5 = r4 + ldb, r6 = r5 + ldb, r7 = r6 + ldb;
        for (int p = 0; p < kv; p += V) {
            FloatVector xa = FloatVector.fromArray(S, x, p);
            s0 = FloatVector.fromArray(S, b, r0 + p).fma(xa, s0);
            s1 = FloatVector.fromArray(S, b, r1 + p).fma(xa, s1);
            s2 = FloatVector.fromArray(S, b, r2 + p).fma(xa, s2);
            s3 = FloatVector.fromArray(S, b, r3 + p).fma(xa, s3);
            s4 = FloatVector.fromArray(S, b, r4 + p).fma(xa, s4);
            s5 = FloatVector.fromArray(S, b, r5 + p).fma(xa, s5);
            s6 = FloatVector.fromArray(S, b, r6 + p).fma(xa, s6);
            s7 = FloatVector.fromArray(S, b, r7 + p).fma(xa, s7);
        }
        s0.intoArray(acc, 0); s1.intoArray(acc, V); s2.intoArray(acc, 2 * V); s3.intoArray(acc, 3 * V);
        s4.intoArray(acc, 4 * V); s5.intoArray(acc, 5 * V); s6.intoArray(acc, 6 * V); s7.intoArray(acc, 7 * V);
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
     * The four dot products whose partial sums are at acc[ai..ai + 4·V), B rows at r0..r3, into
     * sums: each adds its V partial sums in lane order (reduceLanes leaves the order open, and
     * this must give the same bits compiled or interpreted), then its k tail from kv on. The four
     * sums are added side by side so that their dependency chains overlap.
     */
    private static void finish4(float[] acc, int ai, float[] x, int xi, float[] b, int r0, int r1, int r2, int r3,
                                int kv, int k, float[] sums) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        for (int l = ai; l < ai + V; l++) {
            s0 += acc[l];
            s1 += acc[l + V];
            s2 += acc[l + 2 * V];
            s3 += acc[l + 3 * V];
        }
        for (int p = kv; p < k; p++) {
            float xp = x[xi + p];
            s0 = Math.fma(xp, b[r0 + p], s0);
            s1 = Math.fma(xp, b[r1 + p], s1);
            s2 = Math.fma(xp, b[r2 + p], s2);
            s3 = Math.fma(xp, b[r3 + p], s3);
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }
}
