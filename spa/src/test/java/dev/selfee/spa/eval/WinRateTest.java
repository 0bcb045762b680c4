package dev.selfee.spa.eval;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class WinRateTest {
    @Test
    void tiesCountHalfAndStandardErrorIsTheSampleOne() {
        WinRate w = WinRate.ofScores(new double[] {1, 0, 0.5, 1});
        assertEquals(0.625, w.rate(), 1e-12);
        // deviations 0.375, -0.625, -0.125, 0.375: sum of squares 0.6875; /(n-1) = 0.229166…; /n; sqrt
        assertEquals(Math.sqrt(0.6875 / 3 / 4), w.standardError(), 1e-12);
        assertTrue(w.lower95() < 0.625 && w.upper95() <= 1);
        assertThrows(IllegalArgumentException.class, () -> WinRate.ofScores(new double[0]));
    }
}
