package dev.selfee.engine.model;

import dev.selfee.engine.model.device.DeviceLlama;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@link Scorer} on a device: summed completion log-probs of (prompt, completion) pairs by a
 * {@link DeviceLlama}, in batches of similar length (sorted, so little padding), one float per
 * sequence coming back to the host.
 */
public final class DeviceScorer {
    private DeviceScorer() {}

    /** log p(completion | prompt) for each pair, in input order, {@code batchSize} sequences at a time. */
    public static float[] score(DeviceLlama model, List<int[]> prompts, List<int[]> completions, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (prompts.size() != completions.size()) throw new IllegalArgumentException(prompts.size() + " prompts but " + completions.size() + " completions");
        int n = prompts.size();
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).length + completions.get(i).length));
        float[] out = new float[n];
        for (int s = 0; s < n; s += batchSize) {
            List<int[]> p = new ArrayList<>(), c = new ArrayList<>();
            int e = Math.min(n, s + batchSize);
            for (int i = s; i < e; i++) {
                p.add(prompts.get(order[i]));
                c.add(completions.get(order[i]));
            }
            float[] v = model.sequenceLogProbs(SequenceBatch.of(p, c));
            for (int i = s; i < e; i++) out[order[i]] = v[i - s];
        }
        return out;
    }
}
