package dev.selfee.engine.kernel;

/**
 * General matrix multiply on row-major fp32 arrays, BLAS-style:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where op(X) is X or its transpose.
 *
 * <p>op(A) is m×k, op(B) is k×n, C is m×n. {@code lda}, {@code ldb}, {@code ldc} are the row
 * strides of A, B and C as stored (so for transA, A is stored k×m with row stride lda).
 * When beta is 0, C is overwritten without being read (NaNs in C do not propagate).
 *
 * <p>Large products run the packed, cache-blocked, multi-threaded {@link PackedGemm}; a few
 * rows of A (generation: one token per sequence) run {@link SkinnyGemm}, which streams B once
 * without packing it. Results are bit-identical run to run, and for any thread count, since
 * threads split C and never a sum.
 */
public final class Gemm {
    /** Up to this many rows of op(A), streaming B stored k×n beats packing it. */
    static final int SKINNY_ROWS = 8;
    /** Up to this many rows, dot products with B stored n×k beat packing it (a transposing copy). */
    static final int SKINNY_ROWS_BT = 32;

    private Gemm() {}

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
        } else if (m <= (transB ? SKINNY_ROWS_BT : SKINNY_ROWS)) {
            SkinnyGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            PackedGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * {@code C = alpha * op(A) * B + beta * C} with B already packed ({@link PackedPanels}: k×n),
     * without packing B again. Above {@link #SKINNY_ROWS_BT} rows this is what {@link #gemm}
     * computes, to the bit; fewer rows go through the same packed kernel here.
     */
    public static void gemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedPanels b,
                            float beta, float[] c, int cOff, int ldc) {
        int n = b.n(), k = b.k();
        if (m < 0) throw new IllegalArgumentException(describe(transA, false, m, n, k) + ": negative size");
        checkMatrix("A", transA ? k : m, transA ? m : k, a, aOff, lda, transA, false, m, n, k);
        checkMatrix("C", m, n, c, cOff, ldc, transA, false, m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
        } else {
            PackedGemm.gemm(transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc);
        }
    }

    /** C[m×n] = A[m×k] · B[k×n], all contiguous. */
    public static void matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
    }

    /** C = beta·C, writing zeros without reading C when beta is 0. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, o, o + n, 0f);
            } else {
                for (int j = o; j < o + n; j++) c[j] *= beta;
            }
        }
    }

    private static void check(boolean transA, boolean transB, int m, int n, int k,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException(describe(transA, transB, m, n, k) + ": negative size");
        checkMatrix("A", transA ? k : m, transA ? m : k, a, aOff, lda, transA, transB, m, n, k);
        checkMatrix("B", transB ? n : k, transB ? k : n, b, bOff, ldb, transA, transB, m, n, k);
        checkMatrix("C", m, n, c, cOff, ldc, transA, transB, m, n, k);
    }

    /** A stored rows×cols matrix with row stride ld must lie inside its array. */
    static void checkMatrix(String name, int rows, int cols, float[] x, int off, int ld,
                                    boolean transA, boolean transB, int m, int n, int k) {
        if (rows == 0 || cols == 0) return;
        String what = describe(transA, transB, m, n, k) + ": " + name + " stored " + rows + "×" + cols;
        if (ld < cols) throw new IllegalArgumentException(what + " needs a row stride >= " + cols + ", got " + ld);
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IllegalArgumentException(what + " at offset " + off + " with row stride " + ld
                    + " needs " + last + " floats, array has " + x.length);
        }
    }

    private static String describe(boolean transA, boolean transB, int m, int n, int k) {
        return "gemm " + (transA ? "Aᵀ" : "A") + "·" + (transB ? "Bᵀ" : "B") + " (m=" + m + ", n=" + n + ", k=" + k + ")";
    }
}
