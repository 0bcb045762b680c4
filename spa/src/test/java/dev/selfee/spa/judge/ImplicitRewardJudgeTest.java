package dev.selfee.spa.judge;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.Scorer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImplicitRewardJudgeTest {
    private static LlamaModel tiny(long seed) {
        return LlamaModel.random(LlamaConfig.llama(40, 16, 2, 4, 2, 32, null, 0, null), seed);
    }

    @Test
    void rewardIsPolicyMinusReferenceLogProb() {
        LlamaModel policy = tiny(1), ref = tiny(2);
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4, 5});
        List<List<int[]>> responses = List.of(
                List.of(new int[] {7, 8}, new int[] {9}, new int[] {7, 8, 9}),
                List.of(new int[] {3, 3}, new int[] {3, 3}));
        var judge = new ImplicitRewardJudge(policy, ref, PairSelection.MIN_MAX, 0.1, 4);
        double[][] r = judge.rewards(prompts, responses);
        float[] lp = Scorer.score(policy, List.of(prompts.get(0)), List.of(new int[] {9}), 1);
        float[] lr = Scorer.score(ref, List.of(prompts.get(0)), List.of(new int[] {9}), 1);
        assertEquals((double) lp[0] - lr[0], r[0][1], 1e-5);

        List<JudgedPair> pairs = judge.judge(prompts, responses, 0);
        assertEquals(1, pairs.size(), "the second prompt's samples are identical: no pair");
        JudgedPair p = pairs.get(0);
        assertEquals(0, p.promptIndex());
        double max = Math.max(r[0][0], Math.max(r[0][1], r[0][2])), min = Math.min(r[0][0], Math.min(r[0][1], r[0][2]));
        assertEquals(max, p.rewardChosen());
        assertEquals(min, p.rewardRejected());
        assertEquals(1 / (1 + Math.exp(-0.1 * (max - min))), p.probability(), 1e-12);
    }

    @Test
    void withoutReferenceTheRewardIsThePolicyLogLikelihood() {
        LlamaModel policy = tiny(3);
        var judge = new ImplicitRewardJudge(policy, null, PairSelection.MIN_MAX, 0.1, 2);
        double[][] r = judge.rewards(List.of(new int[] {1}), List.of(List.of(new int[] {2, 3})));
        assertEquals(Scorer.score(policy, List.of(new int[] {1}), List.of(new int[] {2, 3}), 1)[0], r[0][0], 1e-6);
    }
}
