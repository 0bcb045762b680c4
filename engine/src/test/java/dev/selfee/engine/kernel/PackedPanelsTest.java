package dev.selfee.engine.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PackedPanelsTest {
    private static float[] random(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) r.nextDouble(-1, 1);
        return x;
    }

    /** Products with a packed B equal the plain GEMM's to the bit, on one and two threads, for every transpose. */
    @Test
    void productsWithPackedPanelsEqualThePlainProduct() {
        int[][] shapes = {{40, 100, 70}, {130, 700, 300}, {33, 49, 513}, {64, 8, 1}, {300, 97, 260}};
        int saved = Parallel.threads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                for (int[] s : shapes) {
                    int m = s[0], n = s[1], k = s[2];
                    for (int tr = 0; tr < 4; tr++) {
                        boolean ta = (tr & 1) != 0, tb = (tr & 2) != 0;
                        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2;
                        float[] a = random(5 + (ta ? k : m) * lda, 1), b = random(7 + (tb ? n : k) * ldb, 2);
                        float[] want = random(m * n, 3), got = want.clone();
                        Gemm.gemm(ta, tb, m, n, k, 1.5f, a, 5, lda, b, 7, ldb, 0.5f, want, 0, n);
                        PackedPanels p = PackedPanels.of(tb, k, n, b, 7, ldb);
                        assertEquals(k, p.k());
                        assertEquals(n, p.n());
                        Gemm.gemm(ta, m, 1.5f, a, 5, lda, p, 0.5f, got, 0, n);
                        assertArrayEquals(want, got, (ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "×" + n + "×" + k + ", " + threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** Panels are a snapshot: a product after the source changed still uses the packed values. */
    @Test
    void panelsDoNotSeeLaterWritesToTheSource() {
        int m = 50, n = 60, k = 40;
        float[] a = random(m * k, 4), w = random(n * k, 5);
        PackedPanels p = PackedPanels.of(true, k, n, w, 0, k);
        float[] before = new float[m * n];
        Gemm.gemm(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, before, 0, n);
        java.util.Arrays.fill(w, 2f);
        float[] got = new float[m * n];
        Gemm.gemm(false, m, 1f, a, 0, k, p, 0f, got, 0, n);
        assertArrayEquals(before, got);
    }

    @Test
    void panelsPackedIntoAReusedBufferEqualFreshOnes() {
        int m = 50, n = 70, k = 40;
        float[] a = random(m * k, 6), w = random(n * k, 7);
        float[] storage = random(PackedPanels.size(k, n) + 13, 8); // stale contents and a longer tail
        float[] fresh = new float[m * n], reused = new float[m * n];
        Gemm.gemm(false, m, 1f, a, 0, k, PackedPanels.of(true, k, n, w, 0, k), 0f, fresh, 0, n);
        Gemm.gemm(false, m, 1f, a, 0, k, PackedPanels.into(true, k, n, w, 0, k, storage), 0f, reused, 0, n);
        assertArrayEquals(fresh, reused);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PackedPanels.into(true, k, n, w, 0, k, new float[PackedPanels.size(k, n) - 1]));
        assertTrue(e.getMessage().contains("needed for k=40, n=70"), e.getMessage());
    }

    @Test
    void operandsOutsideTheirArraysAreRejectedWithShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackedPanels.of(true, 10, 20, new float[100], 0, 10));
        assertTrue(e.getMessage().contains("B stored 20×10"), e.getMessage());
        PackedPanels p = PackedPanels.of(false, 10, 20, new float[200], 0, 20);
        e = assertThrows(IllegalArgumentException.class, () -> Gemm.gemm(false, 40, 1f, new float[100], 0, 10, p, 0f, new float[800], 0, 20));
        assertTrue(e.getMessage().contains("A stored 40×10"), e.getMessage());
    }
}
