package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainingPlanTest {
    @Test
    void epochsAreShuffledCutIntoMicroBatchesAndGroupedIntoSteps() {
        // 10 examples, batch 3 -> 4 micro-batches (3, 3, 3, 1) -> steps of 2: 2 steps per epoch
        TrainingPlan p = new TrainingPlan(10, TrainingOptions.defaults().withBatchSize(3).withGradientAccumulationSteps(2).withEpochs(1.5));
        assertEquals(2, p.stepsPerEpoch());
        assertEquals(3, p.totalSteps());
        assertEquals(0.5, p.steps().get(0).epoch(), 1e-12);
        assertEquals(1.0, p.steps().get(1).epoch(), 1e-12);
        assertEquals(1.5, p.steps().get(2).epoch(), 1e-12);
        int[] seen = new int[10];
        for (int s = 0; s < 2; s++) for (int[] mb : p.steps().get(s).microBatches()) for (int i : mb) seen[i]++;
        int[] ones = new int[10];
        Arrays.fill(ones, 1);
        assertArrayEquals(ones, seen, "an epoch visits every example once");
        assertEquals(1, p.steps().get(1).microBatches().get(1).length);
        assertFalse(Arrays.equals(TrainingPlan.permutation(10, 42, 0), TrainingPlan.permutation(10, 42, 1)), "each epoch reshuffles");
        assertArrayEquals(TrainingPlan.permutation(10, 42, 1), TrainingPlan.permutation(10, 42, 1));
    }

    @Test
    void maxStepsOverridesEpochs() {
        assertEquals(7, new TrainingPlan(4, TrainingOptions.defaults().withBatchSize(2).withMaxSteps(7)).totalSteps());
    }

    @Test
    void anEmptyDatasetIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TrainingPlan(0, TrainingOptions.defaults()));
        assertEquals("the dataset is empty: nothing to train on", e.getMessage());
    }
}
