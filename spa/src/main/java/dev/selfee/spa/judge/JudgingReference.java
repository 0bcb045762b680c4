package dev.selfee.spa.judge;

/**
 * Which model the implicit reward subtracts: the fixed SFT model (the released code's default and
 * the paper's best), the previous iteration's policy, or none (the raw policy log-likelihood).
 */
public enum JudgingReference {
    SFT, PREVIOUS, NONE;

    public static JudgingReference parse(String s) {
        for (JudgingReference r : values()) if (r.name().equalsIgnoreCase(s)) return r;
        throw new IllegalArgumentException("unknown judging reference '" + s + "'; expected sft, previous or none");
    }
}
