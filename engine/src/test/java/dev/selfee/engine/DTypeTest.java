package dev.selfee.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class DTypeTest {
    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, DType.floatToBf16(1f));
        assertEquals(1f, DType.bf16ToFloat((short) 0x3F80));
        // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to the even mantissa (1.0)
        assertEquals((short) 0x3F80, DType.floatToBf16(1f + 0x1p-8f));
        // 1 + 3*2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6 (even): rounds up to even
        assertEquals((short) 0x3F82, DType.floatToBf16(1f + 3 * 0x1p-8f));
        assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN))));
        assertEquals(Float.NEGATIVE_INFINITY, DType.bf16ToFloat(DType.floatToBf16(Float.NEGATIVE_INFINITY)));
    }

    @Test
    void f16RoundTripsRepresentableValues() {
        for (float f : new float[] {0f, -2.5f, 65504f, 0x1p-24f, 1f / 3}) {
            float back = DType.f16ToFloat(DType.floatToF16(f));
            assertEquals(f, back, Math.abs(f) * 1e-3 + 1e-8);
        }
        assertEquals(Float.POSITIVE_INFINITY, DType.f16ToFloat(DType.floatToF16(1e6f)));
    }
}
