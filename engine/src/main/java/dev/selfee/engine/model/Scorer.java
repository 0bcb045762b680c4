package dev.selfee.engine.model;

import dev.selfee.engine.TensorPool;
import dev.selfee.engine.autograd.NoGrad;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * log p(completion | prompt) summed over the completion's tokens, for many pairs: pairs are
 * sorted by length and scored in padded batches (little padding per batch), without gradients.
 */
public final class Scorer {
    private Scorer() {}

    public static float[] score(LlamaModel model, List<int[]> prompts, List<int[]> completions, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        int n = prompts.size(), vocab = model.config().vocabSize();
        for (int i = 0; i < n; i++) {
            checkIds("prompt", i, prompts.get(i), vocab);
            checkIds("completion", i, completions.get(i), vocab);
        }
        TensorPool pool = new TensorPool(); // each batch's activations are reused by the next one
        try (NoGrad _ = NoGrad.enter(); var _ = pool.use()) {
            return inLengthOrder(prompts, completions, batchSize, batch -> {
                float[] v = model.sequenceLogProbs(batch).value().toArray();
                for (float[] a : pool.claim()) pool.give(a); // nothing of this batch is read any more
                return v;
            });
        }
    }

    /**
     * Scores the pairs {@code batchSize} at a time with {@code scoreBatch} (one value per row), the
     * pairs sorted by length so each batch has little padding; returns the values in input order.
     */
    static float[] inLengthOrder(List<int[]> prompts, List<int[]> completions, int batchSize, Function<SequenceBatch, float[]> scoreBatch) {
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
            float[] v = scoreBatch.apply(SequenceBatch.of(p, c));
            for (int i = s; i < e; i++) out[order[i]] = v[i - s];
        }
        return out;
    }

    private static void checkIds(String what, int row, int[] ids, int vocab) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) throw new IllegalArgumentException(what + " " + row + ": token id " + id + " is outside the vocabulary [0, " + vocab + ")");
        }
    }
}
