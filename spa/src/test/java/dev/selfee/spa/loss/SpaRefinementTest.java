package dev.selfee.spa.loss;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SpaRefinementTest {
    @Test
    void releasedCodeThresholdAveragesTheTwoOrderStatistics() {
        ConfidenceThreshold t = new ConfidenceThreshold(50, 0.10, ConfidenceThreshold.Form.RELEASED_CODE);
        double[] m = new double[50];
        for (int i = 0; i < 50; i++) m[i] = 49 - i; // 49..0, unsorted order
        // sorted ascending: s[5] = 5, s[6] = 6
        assertEquals(5.5, t.update(m), 0);
        ConfidenceThreshold p = new ConfidenceThreshold(50, 0.10, ConfidenceThreshold.Form.PAPER);
        assertEquals(5.0, p.update(m), 0);
    }

    @Test
    void windowSlidesOverTheMostRecentPairs() {
        ConfidenceThreshold t = new ConfidenceThreshold(4, 0.25, ConfidenceThreshold.Form.PAPER);
        t.update(new double[] {-100, -100, -100, -100});
        // four new margins push out all the old ones
        // sorted [1, 2, 3, 4], index ⌊4·0.25⌋ = 1
        assertEquals(2.0, t.update(new double[] {3, 1, 4, 2}), 0);
        assertArrayEquals(new double[] {3, 1, 4, 2}, t.snapshot());
        t.update(new double[] {0.5});
        assertArrayEquals(new double[] {1, 4, 2, 0.5}, t.snapshot());
        assertEquals(1.0, t.threshold(), 0); // sorted [0.5, 1, 2, 4]
    }

    @Test
    void fillingWindowClampsIndices() {
        ConfidenceThreshold t = ConfidenceThreshold.spaDefault();
        assertTrue(Double.isNaN(t.threshold()));
        assertEquals(2.0, t.update(new double[] {2}), 0);
        assertEquals(1.5, t.update(new double[] {1}), 0); // s = [1, 2]: (s[0] + s[1]) / 2
    }

    @Test
    void alphaIsZeroDuringWarmupThenConfigured() {
        SpaRefinement r = SpaRefinement.spaDefault(0.1);
        assertEquals(0, r.alphaAt(0, 100));
        assertEquals(0, r.alphaAt(19, 100));
        assertEquals(0.1, r.alphaAt(20, 100));
        assertEquals(0.1, r.alphaAt(99, 100));
    }

    @Test
    void flagsPairsAboveTheThreshold() {
        SpaRefinement r = new SpaRefinement(0.5, 0.1, 0.2, new ConfidenceThreshold(10, 0.5, ConfidenceThreshold.Form.PAPER));
        assertEquals(0.5 * ((-1 - -3) - (-2 - -2.5)), r.margin(-1, -3, -2, -2.5), 1e-12);
        var d = r.decide(new double[] {0.1, 0.9, 0.5, -0.3}, 50, 100);
        // sorted [-0.3, 0.1, 0.5, 0.9], index ⌊4·0.5⌋ = 2 → τ = 0.5
        assertEquals(0.5, d.threshold(), 0);
        assertArrayEquals(new boolean[] {false, true, false, false}, d.confident());
        assertEquals(0.25, d.confidentFraction());
        assertEquals(0.1, d.alpha());
    }
}
