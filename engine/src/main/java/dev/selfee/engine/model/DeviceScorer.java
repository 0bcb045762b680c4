package dev.selfee.engine.model;

import dev.selfee.engine.model.device.DeviceLlama;
import java.util.List;

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
        return Scorer.inLengthOrder(prompts, completions, batchSize, model::sequenceLogProbs);
    }
}
