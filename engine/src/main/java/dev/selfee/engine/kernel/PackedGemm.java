package dev.selfee.engine.kernel;

import static dev.selfee.engine.kernel.MicroKernel.MR;
import static dev.selfee.engine.kernel.MicroKernel.NR;

import dev.selfee.engine.Parallel;

/**
 * The cache-blocked GEMM for matrices with more than a few rows. For each block of
 * {@link #KC} k-steps and {@link #NC} columns, op(B) is copied into NR-wide panels that stay
 * in L2; then, for every MR rows, op(A) is copied into an MR-wide panel that stays in L1 and
 * the {@link MicroKernel} sweeps it across the B panels. Packing absorbs the transposes, so
 * all four cases run the same kernel.
 *
 * <p>Threads take disjoint ranges of whole panels of C (columns when there are enough, else
 * rows). Each element is still summed in the same order, so any thread count gives the same
 * bits.
 */
final class PackedGemm {
    /** k-steps per packed block: an A panel (MR·KC floats) fits L1 beside the streamed B. */
    static final int KC = 256;
    /** Columns per packed B block: KC·NC floats sit in L2. */
    static final int NC = 16 * NR;
    /** Below this many multiply-adds per thread, extra threads cost more than they save. */
    private static final long MIN_WORK_PER_THREAD = 1L << 18;

    private PackedGemm() {}

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        int colPanels = (n + NR - 1) / NR, rowPanels = (m + MR - 1) / MR;
        long work = (long) m * n * k;
        int chunks = (int) Math.max(1, Math.min(Parallel.threads(), work / MIN_WORK_PER_THREAD));
        boolean byColumns = colPanels >= 2 * chunks || colPanels >= rowPanels;
        int units = byColumns ? colPanels : rowPanels;
        int parts = Math.min(chunks, units);
        Parallel.forChunks(parts, part -> {
            int u0 = Parallel.range(units, parts, part), u1 = Parallel.range(units, parts, part + 1);
            if (byColumns) {
                block(transA, transB, 0, m, u0 * NR, Math.min(n, u1 * NR), k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            } else {
                block(transA, transB, u0 * MR, Math.min(m, u1 * MR), 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
        });
    }

    /** C[i0:i1, j0:j1] on the calling thread. */
    private static void block(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        Scratch s = Scratch.get();
        int maxPanels = (Math.min(NC, j1 - j0) + NR - 1) / NR;
        float[] bp = s.b(maxPanels * NR * Math.min(KC, k));
        float[] ap = s.a(MR * Math.min(KC, k));
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            int panels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float blockBeta = pc == 0 ? beta : 1f; // later k blocks add to what the first wrote
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int ic = i0; ic < i1; ic += MR) {
                    int rows = Math.min(MR, i1 - ic);
                    packA(transA, a, aOff, lda, ic, rows, pc, kc, ap);
                    int ci = cOff + ic * ldc;
                    for (int q = 0; q < panels; q++) {
                        int j = jc + q * NR;
                        MicroKernel.run(kc, ap, 0, bp, q * kc * NR, alpha, blockBeta,
                                c, ci + j, ldc, rows, Math.min(NR, jc + nc - j), s.tile);
                    }
                }
            }
        }
    }

    /** ap[p·MR + r] = op(A)[i0 + r, p0 + p], rows past {@code rows} zero. */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float[] ap) {
        if (!transA) {
            for (int r = 0; r < rows; r++) {
                int src = aOff + (i0 + r) * lda + p0;
                for (int p = 0, d = r; p < kc; p++, d += MR) ap[d] = a[src + p];
            }
            for (int r = rows; r < MR; r++) {
                for (int p = 0, d = r; p < kc; p++, d += MR) ap[d] = 0f;
            }
        } else {
            for (int p = 0, d = 0; p < kc; p++, d += MR) {
                int src = aOff + (p0 + p) * lda + i0;
                for (int r = 0; r < rows; r++) ap[d + r] = a[src + r];
                for (int r = rows; r < MR; r++) ap[d + r] = 0f;
            }
        }
    }

    /** Panel q holds bp[q·kc·NR + p·NR + j] = op(B)[p0 + p, j0 + q·NR + j], columns past nc zero. */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] bp) {
        for (int q = 0, dst = 0; q * NR < nc; q++, dst += kc * NR) {
            int cols = Math.min(NR, nc - q * NR);
            if (!transB) {
                for (int p = 0, d = dst; p < kc; p++, d += NR) {
                    System.arraycopy(b, bOff + (p0 + p) * ldb + j0 + q * NR, bp, d, cols);
                    if (cols < NR) java.util.Arrays.fill(bp, d + cols, d + NR, 0f);
                }
            } else {
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + q * NR + j) * ldb + p0;
                    for (int p = 0, d = dst + j; p < kc; p++, d += NR) bp[d] = b[src + p];
                }
                for (int j = cols; j < NR; j++) {
                    for (int p = 0, d = dst + j; p < kc; p++, d += NR) bp[d] = 0f;
                }
            }
        }
    }
}
