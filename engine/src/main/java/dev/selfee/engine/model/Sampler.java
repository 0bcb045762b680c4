package dev.selfee.engine.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from one row of logits by {@link SamplingOptions}; reuses its buffers across calls. */
final class Sampler {
    private final SamplingOptions options;
    private long[] order = new long[0];
    private float[] probs = new float[0];

    Sampler(SamplingOptions options) {
        this.options = options;
    }

    /**
     * The random stream of sequence {@code row} of a generation: a function of the options' seed
     * and the row alone, so a sample does not depend on how rows were batched.
     */
    SplittableRandom stream(long row) {
        return new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + row);
    }

    int next(float[] logits, int off, int vocab, SplittableRandom random) {
        if (options.isGreedy()) return argmax(logits, off, vocab);
        if (probs.length < vocab) {
            probs = new float[vocab];
            order = new long[vocab];
        }
        float inv = (float) (1.0 / options.temperature());
        for (int i = 0; i < vocab; i++) probs[i] = logits[off + i] * inv;
        if (options.topK() == 0 && options.topP() >= 1) return sampleAll(vocab, random);
        // weights w = exp(logit/T - max): probabilities up to one normaliser
        float max = probs[argmax(probs, 0, vocab)];
        double total = 0;
        for (int i = 0; i < vocab; i++) total += probs[i] = (float) Math.exp(probs[i] - max);
        // rank only the candidates: the tokens of weight >= t, for the largest t (a power of 1/16) leaving
        // at least k tokens, or top_p of the mass, above it; the cuts below can never reach past them
        int k = options.topK();
        double t = 1.0 / 16;
        while (t > 0) {
            int count = 0;
            double mass = 0;
            for (int i = 0; i < vocab; i++) {
                if (probs[i] >= t) {
                    count++;
                    mass += probs[i];
                }
            }
            if (k > 0 ? count >= k : mass >= options.topP() * total) break;
            t = t < 1e-40 ? 0 : t / 16;
        }
        int n = 0;
        for (int i = 0; i < vocab; i++) if (probs[i] >= t) order[n++] = ((long) ~sortable(probs[i]) << 32) | i; // highest first, then lowest id
        Arrays.sort(order, 0, n);
        int keep = n;
        if (k > 0 && k < n) {
            keep = k;
            float kth = probs[id(order[keep - 1])];
            while (keep < n && probs[id(order[keep])] == kth) keep++; // ties with the k-th stay, as transformers keeps them
        }
        double sum = 0;
        if (k > 0) {
            for (int i = 0; i < keep; i++) sum += probs[id(order[i])];
        } else {
            sum = total;
        }
        if (options.topP() < 1) {
            // the smallest prefix whose probability reaches top_p (at least one token)
            double acc = 0;
            int m = 0;
            while (m < keep) {
                acc += probs[id(order[m])];
                m++;
                if (acc >= options.topP() * sum) break;
            }
            keep = m;
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) kept += probs[id(order[i])];
        double u = random.nextDouble() * kept;
        for (int i = 0; i < keep; i++) {
            u -= probs[id(order[i])];
            if (u < 0) return id(order[i]);
        }
        return id(order[keep - 1]);
    }

    /** Samples from softmax(probs[0, vocab)) without ranking: no cut is asked for. */
    private int sampleAll(int vocab, SplittableRandom random) {
        float max = probs[argmax(probs, 0, vocab)];
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(probs[i] - max);
        double u = random.nextDouble() * sum;
        for (int i = 0; i < vocab; i++) {
            u -= Math.exp(probs[i] - max);
            if (u < 0) return i;
        }
        return argmax(probs, 0, vocab);
    }

    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    private static int id(long packed) {
        return (int) packed;
    }

    /** An int whose signed order is the float's order. */
    private static int sortable(float f) {
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ 0x7fffffff;
    }
}
