package dev.selfee.spa.judge;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.DeviceScorer;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.Scorer;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.loss.PreferenceLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SPA's direct preference judgment: every response gets the implicit reward
 * {@code r(x, y) = log π_policy(y|x) − log π_ref(y|x)} (summed response log-probs; the reference
 * term is dropped when judging without one), and each prompt's K responses become one pair by
 * {@link PairSelection}. β does not change the ranking, only the recorded probability.
 */
public final class ImplicitRewardJudge {
    private final LlamaModel policy;
    private final LlamaModel reference; // null: judge by the policy's own log-likelihood
    private final PairSelection selection;
    private final double beta;
    private final int batchSize;
    private final Backend backend; // null: score with the CPU engine

    public ImplicitRewardJudge(LlamaModel policy, LlamaModel reference, PairSelection selection, double beta, int batchSize) {
        this(policy, reference, selection, beta, batchSize, null);
    }

    /** A judge that scores on {@code backend} (null: the CPU engine), each model uploaded for the call. */
    public ImplicitRewardJudge(LlamaModel policy, LlamaModel reference, PairSelection selection, double beta, int batchSize, Backend backend) {
        this.backend = backend;
        this.policy = policy;
        this.reference = reference;
        this.selection = selection;
        this.beta = beta;
        this.batchSize = batchSize;
    }

    /** Rewards of every response: {@code rewards[i][k]} for sample k of prompt i. */
    public double[][] rewards(List<int[]> prompts, List<List<int[]>> responses) {
        List<int[]> ps = new ArrayList<>(), cs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (int[] r : responses.get(i)) {
                ps.add(prompts.get(i));
                cs.add(r);
            }
        }
        float[] lp = score(policy, ps, cs);
        float[] lr = reference == null ? new float[lp.length] : score(reference, ps, cs);
        double[][] out = new double[prompts.size()][];
        int j = 0;
        for (int i = 0; i < prompts.size(); i++) {
            out[i] = new double[responses.get(i).size()];
            for (int k = 0; k < out[i].length; k++, j++) out[i][k] = (double) lp[j] - lr[j];
        }
        return out;
    }

    private float[] score(LlamaModel model, List<int[]> prompts, List<int[]> completions) {
        if (backend == null) return Scorer.score(model, prompts, completions, batchSize);
        try (DeviceLlama device = DeviceLlama.uploadFrozen(model, backend)) {
            return DeviceScorer.score(device, prompts, completions, batchSize);
        }
    }

    /**
     * Judges each prompt's responses and returns the pairs (prompts whose responses are all
     * identical yield none). {@code seed} drives {@link PairSelection#MAX_CHOSEN}'s random pick.
     */
    public List<JudgedPair> judge(List<int[]> prompts, List<List<int[]>> responses, long seed) {
        double[][] r = rewards(prompts, responses);
        SplittableRandom random = new SplittableRandom(seed);
        List<JudgedPair> pairs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            List<String> keys = responses.get(i).stream().map(Arrays::toString).toList();
            PairSelection.Choice c = selection.select(keys, r[i], random);
            if (c == null) continue;
            double rc = r[i][c.chosen()], rr = r[i][c.rejected()];
            pairs.add(new JudgedPair(i, c.chosen(), c.rejected(), rc, rr, PreferenceLoss.sigmoid(beta * (rc - rr))));
        }
        return pairs;
    }
}
