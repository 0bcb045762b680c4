package dev.selfee.spa.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed-trained reward model learns a global direction from pairs and stays deterministic. */
class SeedRewardModelTest {
    @Test
    void learnsThatAMarkerTokenIsDispreferred() {
        // chosen responses are random tokens 10..19; rejected ones are the same with marker token 3 in front
        List<int[]> chosen = new ArrayList<>(), rejected = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < 40; i++) {
            int[] c = new int[3];
            for (int k = 0; k < 3; k++) c[k] = 10 + r.nextInt(10);
            chosen.add(c);
            rejected.add(new int[] {3, c[0], c[1], c[2]});
        }
        SeedRewardModel m = SeedRewardModel.train(chosen, rejected, 20);
        int correct = 0;
        for (int i = 0; i < 40; i++) if (m.reward(chosen.get(i)) > m.reward(rejected.get(i))) correct++;
        assertEquals(40, correct);
        assertTrue(m.reward(new int[] {12, 15}) > m.reward(new int[] {3, 12, 15}), "unseen responses follow the learnt direction");
        assertEquals(m.reward(new int[] {3, 11}), SeedRewardModel.train(chosen, rejected, 20).reward(new int[] {3, 11}), "deterministic");
    }
}
