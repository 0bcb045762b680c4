package dev.selfee.engine.kernel;

import static dev.selfee.engine.kernel.MicroKernel.MR;
import static dev.selfee.engine.kernel.MicroKernel.NR;
import static dev.selfee.engine.kernel.MicroKernel.S;
import static dev.selfee.engine.kernel.MicroKernel.V;

import dev.selfee.engine.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * The cache-blocked GEMM for matrices with more than a few rows. For each block of
 * {@link #KC} k-steps and {@link #NC} columns, op(B) is copied into NR-wide panels that stay
 * in L2 (or comes already packed, {@link PackedPanels}); then the {@link MicroKernel} sweeps
 * MR rows of op(A) at a time (held in L1) across the B panels. A row-major A is read in place;
 * a transposed one is copied, {@link #MC} rows at a time, into MR-wide panels. The packed
 * buffers are per thread and reused from call to call.
 *
 * <p>Threads take disjoint ranges of whole panels of C, columns or rows, whichever leaves the
 * busiest thread least to do (see {@link #columnCost}). When rows are split, every thread
 * needs all of B, so it is first packed once, the threads sharing that work, into panels they
 * all read. Each element is still summed in the same order, so any thread count and any split
 * gives the same bits.
 */
final class PackedGemm {
    /** k-steps per packed block: an A panel (MR·KC floats) fits L1 beside the streamed B. */
    static final int KC = 256;
    /** Columns per packed B block: KC·NC floats sit in L2. */
    static final int NC = 12 * NR;
    /** Rows per packed A block (a transposed A, or one whose rows alias in L1). */
    static final int MC = 16 * MR;
    /** Multiply-adds per cycle of the micro-kernel (two vector FMAs), for choosing how to split work. */
    private static final double MACS_PER_CYCLE = 2.0 * MicroKernel.V;
    /**
     * k steps per tile of a transposed B copied at once: four cache lines of each of its rows, so
     * that reading a B that comes from memory (a weight) streams; one line per row left the
     * prefetchers 48 interleaved short runs (0.71 vs 0.49 ns per float from DRAM, 0.40 vs 0.31 from L2).
     */
    private static final int TB = 64;
    /** Row strides (in floats) that are multiples of this put every row of A in the same L1 sets. */
    static final int ALIASING_STRIDE = 1024;
    /**
     * The largest B (in floats, 16 MB) packed once for a row split: the buffer stays with the calling
     * thread, so a larger one (a big model's LM head) is packed per thread instead of held for good.
     */
    private static final long MAX_SHARED_PACK = 1L << 22;
    /** Below this many multiply-adds per thread, extra threads cost more than they save. */
    private static final long MIN_WORK_PER_THREAD = 1L << 18;

    private PackedGemm() {}

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc);
    }

    /** C = alpha·op(A)·B + beta·C with B already in panels (m×k · k×n from {@code packed}). */
    static void gemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedPanels packed,
                     float beta, float[] c, int cOff, int ldc) {
        gemm(transA, false, m, packed.n(), packed.k(), alpha, a, aOff, lda, null, 0, 0, packed, beta, c, cOff, ldc);
    }

    /** The work split; {@code packed} (or null) holds B's panels, else each thread packs the B it needs. */
    private static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedPanels packed,
                             float beta, float[] c, int cOff, int ldc) {
        int colPanels = (n + NR - 1) / NR, rowPanels = (m + MR - 1) / MR;
        long work = (long) m * n * k;
        int chunks = (int) Math.max(1, Math.min(Parallel.threads(), work / MIN_WORK_PER_THREAD));
        boolean packsA = transA || lda % ALIASING_STRIDE == 0;
        boolean byColumns = colPanels >= 2 * chunks && rowPanels >= 2 * chunks
                ? columnCost(m, n, k, chunks, packsA, packed != null, transB) <= rowCost(m, n, k, chunks, packsA, packed != null, transB)
                : colPanels >= 2 * chunks || colPanels >= rowPanels;
        int units = byColumns ? colPanels : rowPanels;
        int parts = Math.min(chunks, units);
        if (byColumns && chunks > 1) {
            // Column ranges of at most NC repack nothing extra (A is packed per NC block anyway),
            // and more pieces than threads let idle workers steal when a core is busy elsewhere;
            // a multiple of the thread count keeps an idle machine evenly loaded.
            int needed = (colPanels + NC / NR - 1) / (NC / NR);
            parts = Math.max(parts, Math.min(units, (needed + chunks - 1) / chunks * chunks));
        }
        if (!byColumns && parts > 1 && packed == null && (long) k * n <= MAX_SHARED_PACK) {
            // every thread would pack all of B for its rows: pack it once, on all threads, instead
            packed = PackedPanels.into(transB, k, n, b, bOff, ldb, Scratch.get().shared(PackedPanels.size(k, n)));
        }
        int pieces = parts;
        PackedPanels panels = packed;
        Parallel.forChunks(pieces, part -> {
            int u0 = Parallel.range(units, pieces, part), u1 = Parallel.range(units, pieces, part + 1);
            if (byColumns) {
                block(transA, transB, 0, m, u0 * NR, Math.min(n, u1 * NR), k, alpha, a, aOff, lda, b, bOff, ldb, panels, beta, c, cOff, ldc);
            } else {
                block(transA, transB, u0 * MR, Math.min(m, u1 * MR), 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, panels, beta, c, cOff, ldc);
            }
        });
    }

    /**
     * The busiest thread's time, in cycles roughly, when the columns are split: the widest share
     * of whole NR panels (so 11 panels on 2 threads cost 6), all of A packed unless it is read in
     * place, and a share of B packed unless already packed (a transposed B is gathered, a
     * row-major one copied by vectors).
     */
    static double columnCost(int m, int n, int k, int threads, boolean packsA, boolean packedB, boolean transB) {
        int panels = (n + NR - 1) / NR;
        return (panels + threads - 1) / threads * (double) NR * m * k / MACS_PER_CYCLE
                + (packsA ? (double) m * k : 0) + (packedB ? 0 : (double) k * n / threads * packCost(transB));
    }

    /** {@link #columnCost} when the rows are split: a share of MR panels, of A, and of B (packed once for all threads up to {@link #MAX_SHARED_PACK}, else by each). */
    static double rowCost(int m, int n, int k, int threads, boolean packsA, boolean packedB, boolean transB) {
        int panels = (m + MR - 1) / MR;
        return (panels + threads - 1) / threads * (double) MR * n * k / MACS_PER_CYCLE
                + (packsA ? (double) m * k / threads : 0)
                + (packedB ? 0 : (double) k * n / ((long) k * n <= MAX_SHARED_PACK ? threads : 1) * packCost(transB));
    }

    /** Cycles per packed element of B: a scalar gather when transposed, a vector copy when not. */
    private static double packCost(boolean transB) {
        return transB ? 1 : 0.25;
    }

    /** C[i0:i1, j0:j1] on the calling thread. */
    private static void block(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedPanels packed,
                              float beta, float[] c, int cOff, int ldc) {
        Scratch s = Scratch.get();
        int kcMax = Math.min(KC, k);
        float[] bp = packed != null ? packed.panels : s.b((Math.min(NC, j1 - j0) + NR - 1) / NR * NR * kcMax);
        // Row-major A is read in place (MR rows, each contiguous in k) unless its rows are a
        // multiple of 4 KiB apart: then they would all fall in the same L1 sets and evict each
        // other. Otherwise it is packed MC rows at a time: a transposed A (in place, every k step
        // would be another cache line), and a last panel of fewer than MR rows (zero-padded, so
        // the kernel reads no further).
        boolean inPlace = !transA && lda % ALIASING_STRIDE != 0;
        float[] ap = s.a((inPlace ? MR : (Math.min(MC, i1 - i0) + MR - 1) / MR * MR) * kcMax);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            int colPanels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float blockBeta = pc == 0 ? beta : 1f; // later k blocks add to what the first wrote
                if (packed == null) packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp, 0);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    if (!inPlace) packA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int ir = 0; ir < mc; ir += MR) {
                        int rows = Math.min(MR, mc - ir), ci = cOff + (ic + ir) * ldc;
                        float[] aa = ap;
                        int ai = ir * kc, ars = 1, aps = MR;
                        if (inPlace && rows == MR) {
                            aa = a;
                            ai = aOff + (ic + ir) * lda + pc;
                            ars = lda;
                            aps = 1;
                        } else if (inPlace) {
                            packA(false, a, aOff, lda, ic + ir, rows, pc, kc, ap);
                            ai = 0;
                        }
                        for (int q = 0; q < colPanels; q++) {
                            int j = jc + q * NR, bi = packed != null ? packed.offset(pc, kc, j) : q * kc * NR;
                            MicroKernel.run(kc, aa, ai, ars, aps, bp, bi, NR, alpha, blockBeta,
                                    c, ci + j, ldc, rows, Math.min(NR, jc + nc - j), s.tile);
                        }
                    }
                }
            }
        }
    }

    /**
     * Panel t holds ap[t·kc·MR + p·MR + r] = op(A)[i0 + t·MR + r, p0 + p] for the mc rows from
     * i0, rows past mc zero.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] ap) {
        int panels = (mc + MR - 1) / MR;
        if (!transA) { // rows of A are contiguous in k
            for (int r = 0; r < panels * MR; r++) {
                int d = r / MR * kc * MR + r % MR;
                if (r < mc) {
                    int src = aOff + (i0 + r) * lda + p0;
                    for (int p = 0; p < kc; p++, d += MR) ap[d] = a[src + p];
                } else {
                    for (int p = 0; p < kc; p++, d += MR) ap[d] = 0f;
                }
            }
        } else { // A stored k×m: each k step is a contiguous run of rows
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                int whole = mc / MR, d = p * MR;
                for (int t = 0; t < whole; t++, d += kc * MR, src += MR) {
                    ap[d] = a[src]; // MR = 6, unrolled: this copy is the whole cost of packing
                    ap[d + 1] = a[src + 1];
                    ap[d + 2] = a[src + 2];
                    ap[d + 3] = a[src + 3];
                    ap[d + 4] = a[src + 4];
                    ap[d + 5] = a[src + 5];
                }
                if (whole < panels) {
                    int rows = mc - whole * MR;
                    for (int r = 0; r < rows; r++) ap[d + r] = a[src + r];
                    for (int r = rows; r < MR; r++) ap[d + r] = 0f;
                }
            }
        }
    }

    /** Panel q holds bp[bpOff + q·kc·NR + p·NR + j] = op(B)[p0 + p, j0 + q·NR + j], columns past nc zero. */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] bp, int bpOff) {
        for (int q = 0, dst = bpOff; q * NR < nc; q++, dst += kc * NR) {
            int cols = Math.min(NR, nc - q * NR);
            if (!transB) {
                int src = bOff + p0 * ldb + j0 + q * NR;
                if (cols == NR) { // three vectors per k step: cheaper than a copy call this short
                    for (int p = 0, d = dst; p < kc; p++, d += NR, src += ldb) {
                        FloatVector.fromArray(S, b, src).intoArray(bp, d);
                        FloatVector.fromArray(S, b, src + V).intoArray(bp, d + V);
                        FloatVector.fromArray(S, b, src + 2 * V).intoArray(bp, d + 2 * V);
                    }
                } else { // the last panel: its whole vectors, the rest one by one, then zeros
                    int whole = cols / V * V;
                    for (int p = 0, d = dst; p < kc; p++, d += NR, src += ldb) {
                        for (int j = 0; j < whole; j += V) FloatVector.fromArray(S, b, src + j).intoArray(bp, d + j);
                        for (int j = whole; j < cols; j++) bp[d + j] = b[src + j];
                        for (int j = cols; j < NR; j++) bp[d + j] = 0f;
                    }
                }
            } else {
                // B stored n×k: column j of the panel is a contiguous run of row j. Copying TB
                // k steps at a time keeps the TB panel rows being written in L1 while every
                // column passes, instead of sweeping the whole panel once per column.
                for (int p = 0; p < kc; p += TB) {
                    int steps = Math.min(TB, kc - p);
                    for (int j = 0; j < cols; j++) {
                        int src = bOff + (j0 + q * NR + j) * ldb + p0 + p, d = dst + p * NR + j;
                        for (int t = 0; t < steps; t++, d += NR) bp[d] = b[src + t];
                    }
                    for (int j = cols; j < NR; j++) {
                        for (int t = 0, d = dst + p * NR + j; t < steps; t++, d += NR) bp[d] = 0f;
                    }
                }
            }
        }
    }
}
