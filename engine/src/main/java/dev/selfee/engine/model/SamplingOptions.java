package dev.selfee.engine.model;

import java.util.Arrays;

/**
 * How {@link Generator} picks tokens. Temperature 0 is greedy (argmax, the first of ties, as
 * torch's argmax); otherwise logits are divided by the temperature, cut to the top-k (0: no
 * cut) and then to the top-p nucleus (1: no cut), in transformers' order, and sampled from a
 * generator seeded with {@code seed}.
 *
 * @param stopTokens ids that end a sequence (EOS and any extra stop tokens); not included in the output
 */
public record SamplingOptions(double temperature, int topK, double topP, int maxNewTokens, long seed, int[] stopTokens) {
    public SamplingOptions {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0: off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        stopTokens = stopTokens.clone();
    }

    public static SamplingOptions greedy(int maxNewTokens, int... stopTokens) {
        return new SamplingOptions(0, 0, 1, maxNewTokens, 0, stopTokens);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public boolean isStop(int token) {
        for (int s : stopTokens) if (s == token) return true;
        return false;
    }

    @Override
    public int[] stopTokens() {
        return stopTokens.clone();
    }

    @Override
    public String toString() {
        return "SamplingOptions[temperature=" + temperature + ", topK=" + topK + ", topP=" + topP + ", maxNewTokens=" + maxNewTokens
                + ", seed=" + seed + ", stopTokens=" + Arrays.toString(stopTokens) + "]";
    }
}
