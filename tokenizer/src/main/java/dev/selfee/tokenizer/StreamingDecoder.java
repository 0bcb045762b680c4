package dev.selfee.tokenizer;

import java.util.Arrays;

/**
 * Decodes ids one at a time during generation, as HF's {@code DecodeStream}: each step returns only text that is
 * complete (never a partial UTF-8 character, which would decode to a trailing U+FFFD) and the pieces concatenate
 * to {@code decode(allIds)}. It re-decodes a short window of recent ids, so decoders that treat the first token
 * specially (SentencePiece's leading space) stay right.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[0];
    private String prefix = "";
    private int prefixIndex;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one id; returns the text it completes, or null when there is none yet. */
    public String step(int id) {
        ids = Arrays.copyOf(ids, ids.length + 1);
        ids[ids.length - 1] = id;
        String text = tokenizer.decode(ids, skipSpecialTokens);
        if (text.length() <= prefix.length() || text.endsWith("\uFFFD")) return null;
        if (!text.startsWith(prefix))
            throw new IllegalStateException("streaming decode: the text of the ids so far no longer starts with what was already returned");
        String fresh = text.substring(prefix.length());
        int newPrefixIndex = ids.length - prefixIndex;
        ids = Arrays.copyOfRange(ids, prefixIndex, ids.length);
        prefix = tokenizer.decode(ids, skipSpecialTokens);
        prefixIndex = newPrefixIndex;
        return fresh;
    }

    /**
     * Ends the stream: returns the text still held back (a trailing U+FFFD from an incomplete character, or
     * one the text really holds), or "" when there is none. The decoder starts afresh after it.
     */
    public String finish() {
        String text = tokenizer.decode(ids, skipSpecialTokens);
        String rest = text.length() > prefix.length() && text.startsWith(prefix) ? text.substring(prefix.length()) : "";
        ids = new int[0];
        prefix = "";
        prefixIndex = 0;
        return rest;
    }
}
