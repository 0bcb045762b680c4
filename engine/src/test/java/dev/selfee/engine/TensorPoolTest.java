package dev.selfee.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class TensorPoolTest {
    @Test
    void zerosTakesFromThePoolOnlyInsideItsScope() {
        TensorPool pool = new TensorPool();
        float[] given = new float[10_000];
        java.util.Arrays.fill(given, 7f);
        pool.give(given);
        assertEquals(40_000, pool.bytesFree());
        Tensor outside = Tensor.zeros(90, 100);
        assertNotSame(given, outside.data(), "no pool in use: a fresh array");
        try (var _ = pool.use()) {
            Tensor t = Tensor.zeros(90, 100); // 9000 floats: the 10000 given fits
            assertSame(given, t.data());
            assertEquals(0, t.offset());
            assertTrue(t.isContiguous());
            assertFalse(t.isDense(), "the array is longer than the tensor");
            assertArrayEquals(new float[9000], t.toArray(), "the part the tensor covers is zeroed");
            assertEquals(List.of(given), List.copyOf(pool.claim()), "what the op allocated, for the tape to hand back later");
            assertTrue(pool.claim().isEmpty());
            assertEquals(0, pool.bytesFree());
        }
        assertNull(TensorPool.current());
    }

    @Test
    void anArrayServesRequestsDownToAQuarterOfItAndSmallOnesAreNeverPooled() {
        TensorPool pool = new TensorPool();
        float[] a = new float[16_384];
        pool.give(a);
        assertNotSame(a, pool.take(4000), "more than four times smaller than this array");
        assertSame(a, pool.take(4096));
        pool.give(a);
        assertSame(a, pool.take(12_000));
        pool.give(a);
        assertEquals(4L * 16_384, pool.bytesFree());
        assertNotSame(a, pool.take(17_000), "too large");
        assertEquals(0, pool.bytesFree(), "and the miss let it go: the batch outgrew it");
        pool.give(new float[100]);
        assertEquals(0, pool.bytesFree(), "below the pooling threshold arrays are left to the collector");
        assertEquals(100, pool.take(100).length);
    }

    @Test
    void theSmallestFreeArrayThatFitsIsTaken() {
        TensorPool pool = new TensorPool();
        float[] big = new float[40_000], mid = new float[20_000], small = new float[10_000];
        pool.give(big);
        pool.give(mid);
        pool.give(small);
        assertSame(small, pool.take(9000));
        assertSame(mid, pool.take(9000), "the next smallest once the best fit is gone");
        assertSame(big, pool.take(30_000));
    }

    @Test
    void shorterBatchesReuseTheLongestBatchsArraysWithoutAllocating() {
        TensorPool pool = new TensorPool();
        int[] lengths = {110, 72, 94, 130, 80, 100}; // one tensor of length x 512 per "step"
        java.util.Set<float[]> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int len : lengths) {
            float[] a = pool.take(len * 512);
            seen.add(a);
            pool.give(a);
            pool.trim();
        }
        assertEquals(2, seen.size(), "one array for 110, a new one when 130 outgrew it, reused by every shorter step");
    }
    @Test
    void freshArraysComeInSizeClassesAnEighthApart() {
        assertEquals(4096, TensorPool.sizeClass(4096));
        assertEquals(4608, TensorPool.sizeClass(4097));
        assertEquals(1_048_576 + 131_072, TensorPool.sizeClass(1_048_577));
        for (int n = 4096; n < 5_000_000; n = n * 3 / 2 + 1) {
            int c = TensorPool.sizeClass(n);
            assertTrue(c >= n && c <= n + n / 8, n + " -> " + c);
        }
    }

    @Test
    void trimDropsWhatNoRequestTookSinceTheLastTrim() {
        TensorPool pool = new TensorPool();
        float[] used = new float[5000], idle = new float[20_000];
        pool.give(used);
        pool.give(idle);
        pool.trim(); // both were handed back during this "pass": kept
        assertEquals(4L * (5000 + 20_000), pool.bytesFree());
        assertSame(used, pool.take(5000));
        pool.give(used);
        pool.trim(); // idle was not taken since the last trim
        assertEquals(4L * 5000, pool.bytesFree());
        assertSame(used, pool.take(4800));
    }

    @Test
    void aMissLetsGoOfTheArrayJustShorterThanTheRequest() {
        TensorPool pool = new TensorPool();
        pool.give(new float[9000]); // last step's tensor, now too short
        pool.give(new float[5000]); // another tensor's, far smaller
        float[] fresh = pool.take(10_000);
        assertTrue(fresh.length >= 10_000);
        assertEquals(4L * 5000, pool.bytesFree(), "the 9000-float array was dropped, the small one kept");
    }
}
