package dev.selfee.engine.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class SimdTest {
    @Test
    void expIsWithinTwoUlpsOfMathExp() {
        SplittableRandom r = new SplittableRandom(1);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (r.nextDouble() * 170 - 85);
            float e = Simd.exp(x);
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(e - exact) / Math.ulp((float) exact));
        }
        assertTrue(worst <= 2, "exp error " + worst + " ulp");
        assertEquals(1f, Simd.exp(0f));
        assertTrue(Simd.exp(Float.NEGATIVE_INFINITY) < 2e-38f);
        assertTrue(Float.isNaN(Simd.exp(Float.NaN)));
        assertTrue(Float.isFinite(Simd.exp(1000f)), "large inputs clamp instead of overflowing");
    }

    @Test
    void vectorAndScalarExpAgreeBitForBit() {
        int n = Simd.SPECIES.length();
        float[] x = new float[n], out = new float[n];
        SplittableRandom r = new SplittableRandom(2);
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 200 - 100);
            Simd.exp(FloatVector.fromArray(Simd.SPECIES, x, 0)).intoArray(out, 0);
            for (int i = 0; i < n; i++) assertEquals(Float.floatToRawIntBits(Simd.exp(x[i])), Float.floatToRawIntBits(out[i]), "exp(" + x[i] + ")");
        }
    }

    @Test
    void reductionsMatchPlainLoops() {
        float[] a = new float[37], b = new float[37];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.25f - 3;
            b[i] = 1 - i * 0.5f;
        }
        double dot = 0, sum = 0, max = Double.NEGATIVE_INFINITY;
        for (int i = 1; i < a.length; i++) {
            dot += a[i] * b[i];
            sum += a[i];
            max = Math.max(max, a[i]);
        }
        assertEquals(dot, Simd.dot(a, 1, b, 1, 36), 1e-4);
        assertEquals(sum, Simd.sum(a, 1, 36), 1e-4);
        assertEquals(max, Simd.max(a, 1, 36));
        float[] y = b.clone();
        Simd.axpy(2f, a, 0, y, 0, 37);
        for (int i = 0; i < y.length; i++) assertEquals(b[i] + 2 * a[i], y[i], 1e-5);
    }
}
