package dev.selfee.spa.train;

import java.util.Arrays;

/**
 * TRL's truncation of (prompt, completion) token sequences, 0 meaning no limit: a prompt longer
 * than {@code maxPromptLength} keeps its last tokens ("keep_end"); then a completion that does not
 * fit in {@code maxLength} after its prompt keeps its first tokens. When the prompt alone leaves no
 * room for a completion token, it keeps its last {@code maxLength / 2} tokens first.
 */
public record Truncation(int maxLength, int maxPromptLength) {
    public Truncation {
        if (maxLength < 0 || maxPromptLength < 0) throw new IllegalArgumentException("max lengths must be >= 0 (0: no limit), got "
                + maxLength + " and " + maxPromptLength);
        if (maxLength == 1) throw new IllegalArgumentException("max length must be at least 2 (a prompt token and a completion token)");
        if (maxLength > 0 && maxPromptLength >= maxLength) {
            throw new IllegalArgumentException("max prompt length " + maxPromptLength + " must be below max length " + maxLength);
        }
    }

    public static Truncation none() {
        return new Truncation(0, 0);
    }

    /** The prompt as training sees it. */
    public int[] prompt(int[] prompt) {
        int[] p = prompt;
        if (maxPromptLength > 0 && p.length > maxPromptLength) p = keepEnd(p, maxPromptLength);
        if (maxLength > 0 && p.length >= maxLength) p = keepEnd(p, maxLength / 2);
        return p;
    }

    /** A completion as training sees it after the (already truncated) prompt. */
    public int[] completion(int[] truncatedPrompt, int[] completion) {
        if (maxLength == 0 || truncatedPrompt.length + completion.length <= maxLength) return completion;
        return Arrays.copyOf(completion, maxLength - truncatedPrompt.length);
    }

    private static int[] keepEnd(int[] ids, int n) {
        return Arrays.copyOfRange(ids, ids.length - n, ids.length);
    }
}
