package dev.selfee.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Comparison of two backends' (or a backend's and an op's) results: max |Δ| ≤ tolerance · max |want|,
 * a bound in the norm of the result, since gradients are differences of larger terms and
 * per-element relative bounds fail where they cancel to near zero.
 */
public final class Close {
    private Close() {}

    public static void assertClose(float[] want, float[] got, double tolerance, String what) {
        assertEquals(want.length, got.length, what + ": lengths");
        double max = 0, err = 0;
        int worst = 0;
        for (int i = 0; i < want.length; i++) {
            assertFalse(Float.isNaN(got[i]) && !Float.isNaN(want[i]), what + ": NaN at " + i);
            max = Math.max(max, Math.abs(want[i]));
            double d = Math.abs(want[i] - got[i]);
            if (d > err) {
                err = d;
                worst = i;
            }
        }
        assertTrue(err <= tolerance * max, what + ": max |Δ| " + err + " > " + tolerance + " · max |want| " + max
                + " (at " + worst + ": want " + want[worst] + ", got " + got[worst] + ")");
    }

    /** Seeded uniform values in [-range, range). */
    public static float[] random(java.util.SplittableRandom r, int n, double range) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-range, range);
        return x;
    }
}
