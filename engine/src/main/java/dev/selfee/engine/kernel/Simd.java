package dev.selfee.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Level-1 vector primitives on {@code float[]} slices, written with the Vector API.
 *
 * <p>Results must not depend on whether the JIT has compiled a loop yet, or run resumes would
 * drift: horizontal sums therefore add lanes in a fixed order (never {@code reduceLanes}), and
 * {@link #exp} is a polynomial built only from IEEE-exact lane operations (add, mul, fma, min,
 * max, shifts) with a scalar twin that performs the same operations in the same order, so the
 * vector body and the scalar tail agree bit for bit.
 */
public final class Simd {
    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    private Simd() {}

    /** Sum of the lanes, first to last. */
    public static float lanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) s += v.lane(i);
        return s;
    }

    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) {
            acc = FloatVector.fromArray(SPECIES, a, ao + i).fma(FloatVector.fromArray(SPECIES, b, bo + i), acc);
        }
        float s = lanes(acc);
        for (; i < n; i++) s = Math.fma(a[ao + i], b[bo + i], s);
        return s;
    }

    public static float sum(float[] a, int ao, int n) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) acc = acc.add(FloatVector.fromArray(SPECIES, a, ao + i));
        float s = lanes(acc);
        for (; i < n; i++) s += a[ao + i];
        return s;
    }

    public static float max(float[] a, int ao, int n) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            for (int up = SPECIES.loopBound(n); i < up; i += L) acc = acc.max(FloatVector.fromArray(SPECIES, a, ao + i));
            for (int j = 0; j < L; j++) m = Math.max(m, acc.lane(j));
        }
        for (; i < n; i++) m = Math.max(m, a[ao + i]);
        return m;
    }

    /** y += alpha * x. */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(SPECIES, x, xo + i).fma(FloatVector.broadcast(SPECIES, alpha), FloatVector.fromArray(SPECIES, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
    }

    /** out = a + b (out may alias a or b). */
    public static void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(SPECIES, a, ao + i).add(FloatVector.fromArray(SPECIES, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] + b[bo + i];
    }

    /** out = a * b (out may alias a or b). */
    public static void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(SPECIES, a, ao + i).mul(FloatVector.fromArray(SPECIES, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] * b[bo + i];
    }

    /** out += a * b. */
    public static void mulAdd(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(SPECIES, a, ao + i).fma(FloatVector.fromArray(SPECIES, b, bo + i), FloatVector.fromArray(SPECIES, out, oo + i))
                    .intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = Math.fma(a[ao + i], b[bo + i], out[oo + i]);
    }

    /** out = s * a (out may alias a). */
    public static void scale(float s, float[] a, int ao, float[] out, int oo, int n) {
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) FloatVector.fromArray(SPECIES, a, ao + i).mul(s).intoArray(out, oo + i);
        for (; i < n; i++) out[oo + i] = s * a[ao + i];
    }

    /** out = exp(a - shift), returning the sum of the outputs (out may alias a). */
    public static float expShifted(float[] a, int ao, float shift, float[] out, int oo, int n) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) {
            FloatVector e = exp(FloatVector.fromArray(SPECIES, a, ao + i).sub(shift));
            e.intoArray(out, oo + i);
            acc = acc.add(e);
        }
        float s = lanes(acc);
        for (; i < n; i++) {
            float e = exp(a[ao + i] - shift);
            out[oo + i] = e;
            s += e;
        }
        return s;
    }

    /** Sum of exp(a - shift), storing nothing. */
    public static float sumExpShifted(float[] a, int ao, float shift, int n) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) acc = acc.add(exp(FloatVector.fromArray(SPECIES, a, ao + i).sub(shift)));
        float s = lanes(acc);
        for (; i < n; i++) s += exp(a[ao + i] - shift);
        return s;
    }

    /** y += alpha * exp(x - shift): the softmax term of cross-entropy gradients, without a scratch row. */
    public static void axpyExpShifted(float alpha, float[] x, int xo, float shift, float[] y, int yo, int n) {
        int i = 0;
        for (int up = SPECIES.loopBound(n); i < up; i += L) {
            exp(FloatVector.fromArray(SPECIES, x, xo + i).sub(shift)).fma(FloatVector.broadcast(SPECIES, alpha), FloatVector.fromArray(SPECIES, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(exp(x[xo + i] - shift), alpha, y[yo + i]);
    }

    // ---- exp: Cephes' expf polynomial, range-reduced by ln 2 (about 1 ulp) ----

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f; // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    private static final float MAX_IN = 88.3762626647949f, MIN_IN = -87.3365478515625f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** e^x per lane; inputs are clamped to [-87.34, 88.38], so -inf gives about 1e-38, not 0. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(MIN_IN).min(MAX_IN);
        FloatVector t = x.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(SPECIES, P2));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P3));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P4));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector bits = t.reinterpretAsInts().sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, MIN_IN), MAX_IN);
        float t = Math.fma(x, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        return y * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUNDER_BITS - 127)) << 23);
    }
}
