package dev.selfee.tokenizer.template;

import java.util.List;

/**
 * A rendered conversation and the spans of its {@code {% generation %}} blocks (the assistant text a
 * template marks), as character offsets into {@code text} (UTF-16 units, end exclusive).
 */
public record RenderedChat(String text, List<Span> generationSpans) {
    public record Span(int start, int end) {
    }
}
