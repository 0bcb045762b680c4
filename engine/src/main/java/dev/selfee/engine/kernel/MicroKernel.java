package dev.selfee.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of the packed GEMM: an {@link #MR}×{@link #NR} block of C kept in 18 vector
 * accumulators while one packed micro-panel of A (MR values per k step) and one of B (NR values
 * per k step) stream through. Each k step is 3 vector loads, 6 broadcasts and 18 FMAs. A last
 * panel with only one or two vectors' worth of real columns runs a narrower tile instead.
 *
 * <p>Every element of C is summed in k order with fused multiply-adds, whatever the tile
 * position, so the result does not depend on how the work was split between threads.
 */
final class MicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int V = S.length();
    /** Rows of the tile. */
    static final int MR = 6;
    /** Columns of the tile: three vectors. */
    static final int NR = 3 * V;

    private MicroKernel() {}

    /**
     * C[rows×cols tile at ci] = alpha·(A·B) + beta·C for a kc-step slice. Element (r, p) of the
     * MR×kc A slice is {@code a[ai + r·ars + p·aps]}: a packed panel has ars = 1, aps = MR; rows of
     * a row-major matrix read in place have ars = lda, aps = 1; a transposed one ars = 1, aps = lda.
     * Step p of the B slice is the NR floats at {@code b[bi + p·bps]} (packed: bps = NR; rows of a
     * row-major matrix read in place: bps = ldb). Every A row and NR B columns must be readable:
     * tiles cut by the matrix edge (rows &lt; MR or cols &lt; NR) come from zero-padded packed panels,
     * are computed whole and only their valid part is written. Beta 0 leaves C unread.
     * {@code tile} (MR·NR floats) is scratch.
     */
    static void run(int kc, float[] ap, int ai, int ars, int aps, float[] bp, int bi, int bps, float alpha, float beta,
                    float[] c, int ci, int ldc, int rows, int cols, float[] tile) {
        if (cols <= V) {
            narrow1(kc, ap, ai, ars, aps, bp, bi, bps, tile);
            copyEdge(tile, alpha, beta, c, ci, ldc, rows, cols);
            return;
        }
        if (cols <= 2 * V) {
            narrow2(kc, ap, ai, ars, aps, bp, bi, bps, tile);
            copyEdge(tile, alpha, beta, c, ci, ldc, rows, cols);
            return;
        }
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00;
        for (int p = 0; p < kc; p++, ai += aps, bi += bps) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + V);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * V);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02);
            a = FloatVector.broadcast(S, ap[ai + a1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12);
            a = FloatVector.broadcast(S, ap[ai + a2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22);
            a = FloatVector.broadcast(S, ap[ai + a3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32);
            a = FloatVector.broadcast(S, ap[ai + a4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41); c42 = b2.fma(a, c42);
            a = FloatVector.broadcast(S, ap[ai + a5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51); c52 = b2.fma(a, c52);
        }
        // Accumulators leave registers through the tile buffer: passing vectors to a call that
        // is not inlined would box them.
        c00.intoArray(tile, 0); c01.intoArray(tile, V); c02.intoArray(tile, 2 * V);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + V); c12.intoArray(tile, NR + 2 * V);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + V); c22.intoArray(tile, 2 * NR + 2 * V);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + V); c32.intoArray(tile, 3 * NR + 2 * V);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + V); c42.intoArray(tile, 4 * NR + 2 * V);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + V); c52.intoArray(tile, 5 * NR + 2 * V);
        if (rows == MR && cols == NR) {
            for (int r = 0; r < MR; r++) {
                for (int j = 0; j < NR; j += V) update(tile, r * NR + j, alpha, beta, c, ci + r * ldc + j);
            }
        } else {
            copyEdge(tile, alpha, beta, c, ci, ldc, rows, cols);
        }
    }

    /**
     * The last panel when at most V of its columns are real (a matrix narrower than NR, or its
     * remainder): one vector per row instead of three, so no multiply-adds go to padding.
     * Leaves the 6×V sums in tile rows (stride NR).
     */
    private static void narrow1(int kc, float[] ap, int ai, int ars, int aps, float[] bp, int bi, int bps, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        for (int p = 0; p < kc; p++, ai += aps, bi += bps) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            c0 = b0.fma(FloatVector.broadcast(S, ap[ai]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, ap[ai + a1]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, ap[ai + a2]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, ap[ai + a3]), c3);
            c4 = b0.fma(FloatVector.broadcast(S, ap[ai + a4]), c4);
            c5 = b0.fma(FloatVector.broadcast(S, ap[ai + a5]), c5);
        }
        c0.intoArray(tile, 0); c1.intoArray(tile, NR); c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR); c4.intoArray(tile, 4 * NR); c5.intoArray(tile, 5 * NR);
    }

    /** {@link #narrow1} for a last panel with V+1..2V real columns: two vectors per row. */
    private static void narrow2(int kc, float[] ap, int ai, int ars, int aps, float[] bp, int bi, int bps, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        for (int p = 0; p < kc; p++, ai += aps, bi += bps) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + V);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ai + a1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ai + a2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ai + a3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(S, ap[ai + a4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(S, ap[ai + a5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, V);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + V);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + V);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + V);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + V);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + V);
    }

    /** Writes the valid rows×cols corner of the tile (row stride NR) into C. */
    private static void copyEdge(float[] tile, float alpha, float beta, float[] c, int ci, int ldc, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int t = r * NR, o = ci + r * ldc, j = 0;
            for (; j + V <= cols; j += V) update(tile, t + j, alpha, beta, c, o + j); // whole vectors of the valid part
            for (; j < cols; j++) c[o + j] = update(tile[t + j], alpha, beta, beta == 0f ? 0f : c[o + j]);
        }
    }

    /** c[o..o+V) = alpha·x[xi..xi+V) + beta·c[o..o+V), not reading c when beta is 0. */
    static void update(float[] x, int xi, float alpha, float beta, float[] c, int o) {
        FloatVector s = FloatVector.fromArray(S, x, xi);
        if (beta == 0f) {
            s.mul(alpha).intoArray(c, o);
        } else {
            s.fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, c, o).mul(beta)).intoArray(c, o);
        }
    }

    /** The scalar form of {@link #update}, rounding exactly as the vector lanes do. */
    static float update(float x, float alpha, float beta, float old) {
        return beta == 0f ? x * alpha : Math.fma(x, alpha, old * beta);
    }
}
