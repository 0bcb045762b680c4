package dev.selfee.engine.backend;

/**
 * Argument checks for a backend GEMM: dimensions, leading dimensions and whether each matrix,
 * as addressed, fits in its buffer. Failing checks name the backend, the matrix and the sizes.
 */
public final class GemmBounds {
    private GemmBounds() {}

    public static void check(String backend, boolean transA, boolean transB, int m, int n, int k,
                             DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
                             DeviceBuffer c, long cOff, int ldc) {
        String op = backend + " gemm(" + (transA ? "t" : "n") + (transB ? "t" : "n") + ", m=" + m + ", n=" + n + ", k=" + k + ")";
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException(op + ": dimensions must be >= 0");
        // stored shapes: A is (transA ? k×m : m×k), B is (transB ? n×k : k×n), C is m×n
        fits(op, "A", a, aOff, lda, transA ? k : m, transA ? m : k);
        fits(op, "B", b, bOff, ldb, transB ? n : k, transB ? k : n);
        fits(op, "C", c, cOff, ldc, m, n);
    }

    private static void fits(String op, String name, DeviceBuffer buf, long off, int ld, int rows, int cols) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": ld" + name.toLowerCase(java.util.Locale.ROOT) + "=" + ld
                    + " is smaller than the " + cols + " columns of " + name + " as stored");
        }
        if (off < 0) throw new IllegalArgumentException(op + ": offset of " + name + " is negative (" + off + ")");
        if (rows == 0 || cols == 0) return;
        long end = off + (long) (rows - 1) * ld + cols;
        if (end > buf.length()) {
            throw new IllegalArgumentException(op + ": " + name + " (" + rows + "×" + cols + ", ld " + ld + ", offset " + off
                    + ") needs " + end + " floats but its buffer holds " + buf.length());
        }
    }
}
