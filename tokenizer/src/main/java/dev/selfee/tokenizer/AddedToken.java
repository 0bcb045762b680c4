package dev.selfee.tokenizer;

/**
 * A token of tokenizer.json's {@code added_tokens}: matched in the text before the model sees it.
 *
 * @param singleWord only matched when not inside a word
 * @param lstrip     also takes the whitespace on its left
 * @param rstrip     also takes the whitespace on its right
 * @param normalized matched in the normalized text (else in the original)
 * @param special    a control token: dropped by {@code decode(ids, true)}
 */
public record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean special) {}
