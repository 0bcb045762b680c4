package dev.selfee.spa.train;

/** A supervised example as token ids: the prompt, whose tokens are not trained on, and the completion (ending with EOS). */
public record TokenizedExample(int index, int[] prompt, int[] completion) {
    public TokenizedExample {
        if (prompt.length == 0) throw new IllegalArgumentException("example " + index + ": the prompt has no tokens");
        if (completion.length == 0) throw new IllegalArgumentException("example " + index + ": the completion has no tokens");
    }
}
