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
            Tensor t = Tensor.zeros(90, 100); // 9000 floats: within a quarter of the 10000 given
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
    void anArrayServesRequestsUpToAQuarterSmallerAndSmallOnesAreNeverPooled() {
        TensorPool pool = new TensorPool();
        float[] a = new float[8192];
        pool.give(a);
        assertNotSame(a, pool.take(4000), "too small a request for this array");
        assertSame(a, pool.take(6200));
        pool.give(a);
        assertNotSame(a, pool.take(6000), "more than a quarter smaller");
        assertEquals(4L * 8192, pool.bytesFree());
        assertNotSame(a, pool.take(9000), "too large");
        assertEquals(0, pool.bytesFree(), "and the miss let it go: the batch outgrew it");
        pool.give(new float[100]);
        assertEquals(0, pool.bytesFree(), "below the pooling threshold arrays are left to the collector");
        assertEquals(100, pool.take(100).length);
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
