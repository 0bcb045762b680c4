package dev.selfee.spa.gold;

/**
 * What a response to a gold prompt is, as the judges see it: right or wrong, and terse (just the
 * answer) or verbose (the answer wrapped in {@value #VERBOSE_PREFIX}…{@value #VERBOSE_SUFFIX}).
 */
public record ResponseQuality(boolean correct, boolean verbose, int length) {
    public static final String VERBOSE_PREFIX = "the answer is ";
    public static final String VERBOSE_SUFFIX = ".";

    /** Classifies {@code response} (leading/trailing whitespace ignored) for {@code prompt}. */
    public static ResponseQuality of(GoldPrompt prompt, String response) {
        String r = response.strip();
        boolean verbose = r.startsWith(VERBOSE_PREFIX) && r.endsWith(VERBOSE_SUFFIX)
                && r.length() >= VERBOSE_PREFIX.length() + VERBOSE_SUFFIX.length();
        String core = verbose ? r.substring(VERBOSE_PREFIX.length(), r.length() - VERBOSE_SUFFIX.length()) : r;
        return new ResponseQuality(core.equals(prompt.answer()), verbose, r.length());
    }

    /** The verbose wrapping of an answer. */
    public static String verbose(String answer) {
        return VERBOSE_PREFIX + answer + VERBOSE_SUFFIX;
    }

    /** Correct and terse: what both judges like best. */
    public boolean exact() {
        return correct && !verbose;
    }
}
