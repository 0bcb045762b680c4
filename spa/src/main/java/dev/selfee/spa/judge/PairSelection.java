package dev.selfee.spa.judge;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns K scored responses to one prompt into a preference pair.
 * <ul>
 *   <li>{@code min_max} (SPA's default): the highest reward is chosen, the lowest rejected;</li>
 *   <li>{@code max_chosen}: the highest reward is chosen, a uniformly random other response rejected.</li>
 * </ul>
 * No pair comes out when every response is the same text: there is nothing to prefer. Ties in
 * reward go to the earlier response, so the result is deterministic.
 */
public enum PairSelection {
    MIN_MAX, MAX_CHOSEN;

    /** Indices of the chosen and rejected responses. */
    public record Choice(int chosen, int rejected) {}

    public static PairSelection parse(String s) {
        for (PairSelection p : values()) if (p.name().equalsIgnoreCase(s)) return p;
        throw new IllegalArgumentException("unknown pair selection '" + s + "'; expected min_max or max_chosen");
    }

    /** The pair for {@code responses} scored by {@code rewards}, or null when all responses are identical. */
    public Choice select(List<String> responses, double[] rewards, SplittableRandom random) {
        if (responses.size() != rewards.length) {
            throw new IllegalArgumentException(responses.size() + " responses but " + rewards.length + " rewards");
        }
        if (responses.stream().distinct().count() < 2) return null;
        int top = 0;
        for (int i = 1; i < rewards.length; i++) if (rewards[i] > rewards[top]) top = i;
        final int best = top;
        int rejected;
        if (this == MIN_MAX) {
            rejected = -1;
            for (int i = 0; i < rewards.length; i++) {
                if (responses.get(i).equals(responses.get(best))) continue;
                if (rejected < 0 || rewards[i] < rewards[rejected]) rejected = i;
            }
        } else {
            int[] others = java.util.stream.IntStream.range(0, rewards.length)
                    .filter(i -> !responses.get(i).equals(responses.get(best))).toArray();
            rejected = others[random.nextInt(others.length)];
        }
        return new Choice(best, rejected);
    }
}
