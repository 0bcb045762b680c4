package dev.selfee.engine.kernel;

import static dev.selfee.engine.kernel.MicroKernel.NR;

import dev.selfee.engine.Parallel;

/**
 * The right operand of a GEMM, op(B) (k×n), copied once into the NR-wide panels the packed
 * kernel reads, so that several products with it (a weight times successive blocks of rows)
 * pack it once instead of once per product. It is a snapshot: later writes to the source
 * matrix are not seen, so it must not outlive a change of the source (an optimizer step).
 */
public final class PackedPanels {
    private final int k, n;
    /**
     * Blocked as the kernel reads it: the k steps in blocks of {@link PackedGemm#KC} (the last
     * shorter), block pc starting at pc·width (width: the columns rounded up to whole panels),
     * panel q within it at q·kc·NR; so a block's panels are contiguous, as when a product packs
     * its own. Zero past column n.
     */
    final float[] panels;

    private PackedPanels(int k, int n, float[] panels) {
        this.k = k;
        this.n = n;
        this.panels = panels;
    }

    /**
     * Packs op(B), k×n: B stored k×n with row stride ldb, or n×k when {@code transB} (a
     * weight [out, in] used as Wᵀ), starting at {@code bOff}. Threads pack disjoint panels.
     */
    public static PackedPanels of(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        return into(transB, k, n, b, bOff, ldb, null);
    }

    /** Floats the panels of a k×n op(B) take: the least {@code storage} for {@link #into}. */
    public static int size(int k, int n) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("packed panels: negative size k=" + k + ", n=" + n);
        return Math.multiplyExact((n + NR - 1) / NR * NR, Math.max(k, 1));
    }

    /**
     * As {@link #of}, packing into {@code storage} (at least {@link #size} floats; its old contents
     * are overwritten) or a new array when null, so a reused work buffer can hold the panels.
     */
    public static PackedPanels into(boolean transB, int k, int n, float[] b, int bOff, int ldb, float[] storage) {
        int size = size(k, n);
        Gemm.checkMatrix("B", transB ? n : k, transB ? k : n, b, bOff, ldb, false, transB, 0, n, k);
        if (storage != null && storage.length < size) {
            throw new IllegalArgumentException("packed panels: storage of " + storage.length + " floats, " + size + " needed for k=" + k + ", n=" + n);
        }
        int count = (n + NR - 1) / NR;
        float[] panels = storage != null ? storage : new float[size];
        int chunks = (int) Math.max(1, Math.min(Parallel.threads(), (long) count * NR * k / (1 << 16))); // 64K floats copied per thread at least
        Parallel.forChunks(chunks, c -> {
            int q0 = Parallel.range(count, chunks, c), q1 = Parallel.range(count, chunks, c + 1);
            if (q1 > q0 && k > 0) {
                for (int pc = 0; pc < k; pc += PackedGemm.KC) {
                    int kc = Math.min(PackedGemm.KC, k - pc);
                    PackedGemm.packB(transB, b, bOff, ldb, pc, kc, q0 * NR, Math.min(n, q1 * NR) - q0 * NR, panels, offset(count, pc, kc, q0 * NR));
                }
            }
        });
        return new PackedPanels(k, n, panels);
    }

    /** Where the NR·kc floats of k block pc (of kc steps) for the panel holding column j start. */
    int offset(int pc, int kc, int j) {
        return offset((n + NR - 1) / NR, pc, kc, j);
    }

    private static int offset(int count, int pc, int kc, int j) {
        return pc * count * NR + j / NR * kc * NR;
    }

    /** Rows of op(B): the inner dimension of products with it. */
    public int k() {
        return k;
    }

    /** Columns of op(B): the columns of products with it. */
    public int n() {
        return n;
    }
}
