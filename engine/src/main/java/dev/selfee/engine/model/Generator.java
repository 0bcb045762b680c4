package dev.selfee.engine.model;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.ops.Linear;
import java.util.List;

/**
 * Batched autoregressive generation with a KV cache. Prompts of different lengths are
 * left-padded into one batch; one forward over the prompts fills the cache, then each step
 * decodes one token per live row (finished rows leave the batch). Only the last position is
 * projected to the vocabulary. A row stops at a stop token (not included in its output) or after
 * {@code maxNewTokens}.
 */
public final class Generator {
    /** One generated sequence: its new tokens, and whether a stop token ended it (false: the length limit). */
    public record Generation(int[] tokens, boolean stopped) {}

    private Generator() {}

    public static List<Generation> generate(LlamaModel model, List<int[]> prompts, SamplingOptions options) {
        return generate(model, prompts, options, 0);
    }

    /**
     * Generates for {@code prompts}, which are rows {@code firstRow, firstRow + 1, ...} of a larger job:
     * row r samples from its own random stream (seed, r), so results do not depend on the batch size.
     */
    public static List<Generation> generate(LlamaModel model, List<int[]> prompts, SamplingOptions options, long firstRow) {
        if (prompts.isEmpty()) return List.of();
        int vocab = model.config().vocabSize();
        GenerationRows g = new GenerationRows(prompts, vocab, options, firstRow);
        int batch = g.batch, longest = g.longest, capacity = g.capacity, maxNew = g.maxNew;
        int[] lengths = g.lengths;
        float[] mask = g.mask;
        if (maxNew == 0) return g.results();
        var c = model.config();
        KvCache cache = new KvCache(c.numHiddenLayers(), batch, capacity, c.numKeyValueHeads() * c.headDim());
        try (NoGrad _ = NoGrad.enter()) {
            Var hidden = model.decode(g.ids, batch, longest, LlamaModel.positions(g.promptMask, batch, longest, 0),
                    Tensor.of(g.promptMask, batch, longest), cache, 0);
            int live = batch;
            int[] rows = new int[batch], next = new int[batch], pos = new int[batch]; // per batch slot: its prompt row, token, position
            for (int b = 0; b < batch; b++) rows[b] = b;
            for (int step = 0; ; step++) {
                Tensor logits = Linear.apply(hidden, model.lmHead()).value(); // [live, 1, vocab]
                int still = 0;
                for (int slot = 0; slot < live; slot++) {
                    int token = g.sample(rows[slot], logits.data(), logits.offset() + slot * vocab, vocab);
                    if (token >= 0) {
                        next[slot] = token;
                        still++;
                    }
                }
                if (still == 0 || step + 1 >= maxNew) break;
                if (still < live) { // drop finished rows from the batch: later steps compute only live ones
                    int[] keep = new int[still];
                    for (int slot = 0, j = 0; slot < live; slot++) if (!g.done(rows[slot])) keep[j++] = slot;
                    cache = cache.select(keep);
                    for (int j = 0; j < still; j++) {
                        int slot = keep[j];
                        rows[j] = rows[slot];
                        next[j] = next[slot];
                        lengths[j] = lengths[slot];
                        System.arraycopy(mask, slot * capacity, mask, j * capacity, capacity);
                    }
                    live = still;
                }
                int at = longest + step; // cache position of the token fed now
                float[] visible = new float[live * (at + 1)];
                for (int slot = 0; slot < live; slot++) {
                    mask[slot * capacity + at] = 1f;
                    pos[slot] = lengths[slot] + step;
                    System.arraycopy(mask, slot * capacity, visible, slot * (at + 1), at + 1);
                }
                hidden = model.decode(java.util.Arrays.copyOf(next, live), live, 1, java.util.Arrays.copyOf(pos, live),
                        Tensor.of(visible, live, at + 1), cache, at);
            }
        }
        return g.results();
    }
}
