package dev.selfee.engine.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.backend.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenCL GEMM against the CPU backend's, for every transpose, both tile sizes (and the
 * automatic choice), edge sizes around the tiles, offsets, padded leading dimensions, alpha and beta. Tolerance: max |Δ| ≤ 1e-4 · max |C|
 * (fp32 sums taken in a different order).
 */
class OpenClGemmTest {
    private static final double TOLERANCE = 1e-4;

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {{1, 1, 1}, {17, 17, 17}, {64, 64, 64}, {130, 130, 130}, {1, 130, 64}, {130, 17, 65}, {33, 70, 1}, {5, 9, 0}, {300, 260, 40}};
        for (int[] s : shapes) {
            for (String t : new String[] {"nn", "nt", "tn", "tt"}) {
                for (int tile : new int[] {0, OpenClBackend.SMALL_TILE, OpenClBackend.LARGE_TILE}) {
                    out.add(Arguments.of(t, s[0], s[1], s[2], tile));
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} tile={4}")
    @MethodSource("cases")
    void equalsCpu(String trans, int m, int n, int k, int tile) {
        OpenClBackend gpu = OpenClTestDevice.backend();
        if (tile == OpenClBackend.LARGE_TILE) {
            Assumptions.assumeTrue(gpu.hasLargeTile(), "the " + tile + "-tile GEMM did not build on " + gpu.deviceDescription());
        }
        boolean ta = trans.charAt(0) == 't', tb = trans.charAt(1) == 't';
        SplittableRandom r = new SplittableRandom(m * 1_000_003L + n * 1009L + k);
        // stored shapes with padded rows (ld > columns) and leading offsets
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + 3, ldb = bCols + 1, ldc = n + 2;
        int aOff = 5, bOff = 2, cOff = 7;
        float[] a = random(r, aOff + aRows * lda), b = random(r, bOff + bRows * ldb), c = random(r, cOff + m * ldc);

        for (float[] ab : new float[][] {{1f, 0f}, {-2f, 0f}, {0.75f, -0.5f}}) {
            float alpha = ab[0], beta = ab[1];
            float[] want = run(new CpuBackend(), 0, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, false);
            float[] got = run(gpu, tile, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, beta == 0f);
            assertClose(want, got, "gemm " + trans + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta);
        }
    }

    /**
     * Runs one GEMM on {@code backend}, through the SPI when {@code tile} is 0; with {@code nanC}
     * C starts as NaN, which beta = 0 must not read.
     */
    private static float[] run(Backend backend, int tile, boolean ta, boolean tb, int m, int n, int k, float alpha,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                               float[] c, int cOff, int ldc, boolean nanC) {
        float[] c0 = c.clone();
        if (nanC) {
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c0, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
        }
        try (DeviceBuffer da = backend.upload(a); DeviceBuffer db = backend.upload(b); DeviceBuffer dc = backend.upload(c0)) {
            if (tile == 0) backend.gemm(ta, tb, m, n, k, alpha, da, aOff, lda, db, bOff, ldb, beta, dc, cOff, ldc);
            else ((OpenClBackend) backend).gemm(tile, ta, tb, m, n, k, alpha, da, aOff, lda, db, bOff, ldb, beta, dc, cOff, ldc);
            float[] out = dc.read();
            // cells outside the m×n window (padding, offset) must be untouched
            for (int i = 0; i < out.length; i++) {
                int rel = i - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside) assertEquals(c0[i], out[i], 0f, backend.name() + " wrote outside C at " + i);
            }
            return out;
        }
    }

    private static void assertClose(float[] want, float[] got, String what) {
        double max = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            assertFalse(Float.isNaN(got[i]), what + ": NaN at " + i);
            max = Math.max(max, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(err <= TOLERANCE * Math.max(max, 1e-30), what + ": max |Δ| " + err + " > " + TOLERANCE + " · max |C| " + max);
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-1, 1);
        return x;
    }
}
