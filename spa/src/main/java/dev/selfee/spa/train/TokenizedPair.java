package dev.selfee.spa.train;

/**
 * A preference pair as token ids: the prompt (with the tokenizer's special tokens, or the chat
 * template's) and the two completions (each ending with EOS), after truncation.
 *
 * @param index the pair's position in its dataset (cached reference log-probs are keyed by it)
 */
public record TokenizedPair(int index, int[] prompt, int[] chosen, int[] rejected) {
    public TokenizedPair {
        if (prompt.length == 0) throw new IllegalArgumentException("pair " + index + ": the prompt has no tokens");
        if (chosen.length == 0 || rejected.length == 0) throw new IllegalArgumentException("pair " + index + ": a completion has no tokens");
    }
}
