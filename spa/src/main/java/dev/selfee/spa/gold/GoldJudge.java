package dev.selfee.spa.gold;

/**
 * The benchmark's programmatic judges. Both compare two responses by a lexicographic order and
 * say which criterion decided:
 * <ul>
 *   <li>{@code style} (the positive control: a global direction a few hundred pairs can teach):
 *       terse beats verbose, then shorter wins;</li>
 *   <li>{@code correctness} (the negative control: prompt-specific knowledge): correct beats
 *       wrong, then terse beats verbose, then shorter wins.</li>
 * </ul>
 */
public enum GoldJudge {
    STYLE, CORRECTNESS;

    /** What decided a comparison. */
    public enum Decider { CORRECTNESS, FORMAT, LENGTH, TIE }

    /** The outcome: {@code preference} 0 when a is better, 1 when b is, 0.5 for a tie (the --judge-cmd protocol). */
    public record Verdict(double preference, Decider decidedBy) {
        public boolean tie() {
            return decidedBy == Decider.TIE;
        }
    }

    public static GoldJudge parse(String s) {
        for (GoldJudge j : values()) if (j.name().equalsIgnoreCase(s)) return j;
        throw new IllegalArgumentException("unknown gold judge '" + s + "'; expected style or correctness");
    }

    public Verdict compare(GoldPrompt prompt, String a, String b) {
        ResponseQuality qa = ResponseQuality.of(prompt, a), qb = ResponseQuality.of(prompt, b);
        if (this == CORRECTNESS && qa.correct() != qb.correct()) {
            return new Verdict(qa.correct() ? 0 : 1, Decider.CORRECTNESS);
        }
        if (qa.verbose() != qb.verbose()) return new Verdict(qa.verbose() ? 1 : 0, Decider.FORMAT);
        if (qa.length() != qb.length()) return new Verdict(qa.length() < qb.length() ? 0 : 1, Decider.LENGTH);
        return new Verdict(0.5, Decider.TIE);
    }
}
