package dev.selfee.engine.model;

import dev.selfee.engine.model.device.DeviceKvCache;
import dev.selfee.engine.model.device.DeviceLlama;
import java.util.Arrays;
import java.util.List;

/**
 * {@link Generator}'s batched generation with the model and its KV cache on a device
 * ({@link DeviceLlama#decode}): the same left-padded prompts, positions, sampling streams and
 * stopping rules, so greedy output equals the CPU's and sampling draws from the same streams.
 * Each step sends the live rows' new tokens and the key mask down and brings one logits row per
 * sequence back, where the host samples. Finished rows keep their slot (fed a placeholder token,
 * their output ignored) rather than reshaping the device cache.
 */
public final class DeviceGenerator {
    private DeviceGenerator() {}

    /** As {@link Generator#generate(LlamaModel, List, SamplingOptions, long)}, on {@code model}'s device. */
    public static List<Generator.Generation> generate(DeviceLlama model, List<int[]> prompts, SamplingOptions options, long firstRow) {
        if (prompts.isEmpty()) return List.of();
        int vocab = model.config().vocabSize();
        GenerationRows g = new GenerationRows(prompts, vocab, options, firstRow);
        int batch = g.batch, longest = g.longest, capacity = g.capacity, maxNew = g.maxNew;
        if (maxNew == 0) return g.results();
        try (DeviceKvCache cache = model.newCache(batch, capacity)) {
            float[] logits = model.decode(g.ids, batch, longest, LlamaModel.positions(g.promptMask, batch, longest, 0), g.promptMask, cache, 0);
            int[] next = new int[batch], pos = new int[batch];
            for (int step = 0; ; step++) {
                boolean any = false;
                for (int b = 0; b < batch; b++) {
                    if (g.done(b)) continue;
                    int token = g.sample(b, logits, b * vocab, vocab);
                    if (token >= 0) {
                        next[b] = token;
                        any = true;
                    }
                }
                if (!any || step + 1 >= maxNew) break;
                int at = longest + step; // cache position of the token fed now
                float[] visible = new float[batch * (at + 1)];
                for (int b = 0; b < batch; b++) {
                    g.mask[b * capacity + at] = 1f;
                    pos[b] = g.lengths[b] + step;
                    System.arraycopy(g.mask, b * capacity, visible, b * (at + 1), at + 1);
                }
                logits = model.decode(Arrays.copyOf(next, batch), batch, 1, pos.clone(), visible, cache, at);
            }
        }
        return g.results();
    }
}
