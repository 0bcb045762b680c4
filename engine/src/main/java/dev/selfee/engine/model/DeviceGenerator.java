package dev.selfee.engine.model;

import dev.selfee.engine.model.device.DeviceKvCache;
import dev.selfee.engine.model.device.DeviceLlama;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

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
        int batch = prompts.size();
        if (batch == 0) return List.of();
        int vocab = model.config().vocabSize(), longest = 0;
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            if (p.length == 0) throw new IllegalArgumentException("prompt " + b + " is empty; generation needs at least one token");
            for (int id : p) {
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompt " + b + ": token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
            longest = Math.max(longest, p.length);
        }
        int maxNew = options.maxNewTokens(), capacity = longest + Math.max(1, maxNew);
        int[] ids = new int[batch * longest], lengths = new int[batch];
        float[] mask = new float[batch * capacity], promptMask = new float[batch * longest];
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            int pad = longest - p.length;
            lengths[b] = p.length;
            System.arraycopy(p, 0, ids, b * longest + pad, p.length);
            for (int t = pad; t < longest; t++) {
                promptMask[b * longest + t] = 1f;
                mask[b * capacity + t] = 1f;
            }
        }
        List<List<Integer>> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) out.add(new ArrayList<>());
        boolean[] done = new boolean[batch];
        if (maxNew == 0) return results(out, done);
        Sampler sampler = new Sampler(options);
        SplittableRandom[] streams = new SplittableRandom[batch];
        for (int b = 0; b < batch; b++) streams[b] = sampler.stream(firstRow + b);
        try (DeviceKvCache cache = model.newCache(batch, capacity)) {
            float[] logits = model.decode(ids, batch, longest, LlamaModel.positions(promptMask, batch, longest, 0), promptMask, cache, 0);
            int[] next = new int[batch], pos = new int[batch];
            for (int step = 0; ; step++) {
                boolean any = false;
                for (int b = 0; b < batch; b++) {
                    if (done[b]) continue;
                    int token = sampler.next(logits, b * vocab, vocab, streams[b]);
                    if (options.isStop(token)) {
                        done[b] = true;
                    } else {
                        out.get(b).add(token);
                        next[b] = token;
                        any = true;
                    }
                }
                if (!any || step + 1 >= maxNew) break;
                int at = longest + step; // cache position of the token fed now
                float[] visible = new float[batch * (at + 1)];
                for (int b = 0; b < batch; b++) {
                    mask[b * capacity + at] = 1f;
                    pos[b] = lengths[b] + step;
                    System.arraycopy(mask, b * capacity, visible, b * (at + 1), at + 1);
                }
                logits = model.decode(Arrays.copyOf(next, batch), batch, 1, pos.clone(), visible, cache, at);
            }
        }
        return results(out, done);
    }

    private static List<Generator.Generation> results(List<List<Integer>> out, boolean[] done) {
        List<Generator.Generation> r = new ArrayList<>();
        for (int b = 0; b < out.size(); b++) r.add(new Generator.Generation(out.get(b).stream().mapToInt(Integer::intValue).toArray(), done[b]));
        return r;
    }
}
