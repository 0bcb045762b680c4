package dev.selfee.engine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The rows of one generate call, laid out and sampled alike by {@link Generator} and
 * {@link DeviceGenerator}: the prompts left-padded into one batch (ids, key mask with room for
 * {@code maxNewTokens} more positions, lengths), each row's own random stream, and what each row
 * has generated so far and whether a stop token ended it.
 */
final class GenerationRows {
    final int batch, longest, maxNew, capacity;
    /** [batch, longest] left-padded prompt ids; each row's prompt length. */
    final int[] ids, lengths;
    /** [batch, capacity] key mask (1 where a position holds a token); [batch, longest] the prompts' part of it. */
    final float[] mask, promptMask;
    private final SamplingOptions options;
    private final Sampler sampler;
    private final SplittableRandom[] streams;
    private final List<List<Integer>> out = new ArrayList<>();
    private final boolean[] done;

    /** Checks and lays out {@code prompts} (not empty), rows {@code firstRow, firstRow + 1, ...} of a larger job. */
    GenerationRows(List<int[]> prompts, int vocab, SamplingOptions options, long firstRow) {
        batch = prompts.size();
        int longest = 0;
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            if (p.length == 0) throw new IllegalArgumentException("prompt " + b + " is empty; generation needs at least one token");
            for (int id : p) {
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompt " + b + ": token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
            longest = Math.max(longest, p.length);
        }
        this.longest = longest;
        maxNew = options.maxNewTokens();
        capacity = longest + Math.max(1, maxNew);
        ids = new int[batch * longest];
        lengths = new int[batch];
        mask = new float[batch * capacity];
        promptMask = new float[batch * longest];
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
        for (int b = 0; b < batch; b++) out.add(new ArrayList<>());
        done = new boolean[batch];
        this.options = options;
        sampler = new Sampler(options);
        streams = new SplittableRandom[batch];
        for (int b = 0; b < batch; b++) streams[b] = sampler.stream(firstRow + b); // row r's own stream: results do not depend on batching
    }

    /**
     * Samples row {@code row}'s next token from {@code logits[off, off + vocab)} with its stream:
     * returns it (added to the row's output), or -1 when it is a stop token, which ends the row.
     */
    int sample(int row, float[] logits, int off, int vocab) {
        int token = sampler.next(logits, off, vocab, streams[row]);
        if (options.isStop(token)) {
            done[row] = true;
            return -1;
        }
        out.get(row).add(token);
        return token;
    }

    boolean done(int row) {
        return done[row];
    }

    /** Each row's generated tokens, and whether a stop token ended it. */
    List<Generator.Generation> results() {
        List<Generator.Generation> r = new ArrayList<>();
        for (int b = 0; b < batch; b++) r.add(new Generator.Generation(out.get(b).stream().mapToInt(Integer::intValue).toArray(), done[b]));
        return r;
    }
}
