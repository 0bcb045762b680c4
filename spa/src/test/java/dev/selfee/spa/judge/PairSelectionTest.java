package dev.selfee.spa.judge;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairSelectionTest {
    @Test
    void minMaxTakesTheExtremes() {
        var c = PairSelection.MIN_MAX.select(List.of("a", "b", "c", "d"), new double[] {0.1, 2, -3, 0.5}, new SplittableRandom(1));
        assertEquals(new PairSelection.Choice(1, 2), c);
    }

    @Test
    void identicalResponsesGiveNoPairAndNeverFaceThemselves() {
        assertNull(PairSelection.MIN_MAX.select(List.of("x", "x"), new double[] {1, 2}, new SplittableRandom(1)));
        // the lowest-reward response is the same text as the best one: the next lowest is rejected
        var c = PairSelection.MIN_MAX.select(List.of("x", "y", "x"), new double[] {5, 1, -2}, new SplittableRandom(1));
        assertEquals(new PairSelection.Choice(0, 1), c);
    }

    @Test
    void maxChosenRejectsSomeOtherResponse() {
        for (int seed = 0; seed < 20; seed++) {
            var c = PairSelection.MAX_CHOSEN.select(List.of("a", "b", "c"), new double[] {0, 9, 1}, new SplittableRandom(seed));
            assertEquals(1, c.chosen());
            assertNotEquals(1, c.rejected());
        }
        assertThrows(IllegalArgumentException.class, () -> PairSelection.parse("best_of"));
    }
}
