package dev.selfee.tokenizer.template;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A compiled HF chat template: renders a conversation to the prompt string exactly as transformers'
 * {@code apply_chat_template(..., tokenize=False)} does (Jinja2 with trim_blocks and lstrip_blocks,
 * {@code raise_exception}, {@code strftime_now} and a {@code tojson} that keeps non-ASCII text).
 */
public final class ChatTemplate {
    private final String source;
    private final List<Node> nodes;
    private final Map<String, Object> specialTokens;
    private final Supplier<LocalDateTime> clock;

    private ChatTemplate(String source, List<Node> nodes, Map<String, Object> specialTokens, Supplier<LocalDateTime> clock) {
        this.source = source;
        this.nodes = nodes;
        this.specialTokens = specialTokens;
        this.clock = clock;
    }

    /** Parses {@code source}; a syntax error or unknown filter/test throws {@link TemplateException} naming line and column. */
    public static ChatTemplate compile(String source) {
        return new ChatTemplate(source, Parser.parse(source), Map.of(), LocalDateTime::now);
    }

    /** The same template with variables such as {@code bos_token}/{@code eos_token} always in scope (null values are left out). */
    public ChatTemplate withSpecialTokens(Map<String, String> tokens) {
        Map<String, Object> m = new LinkedHashMap<>();
        tokens.forEach((k, v) -> {
            if (v != null) m.put(k, v);
        });
        return new ChatTemplate(source, nodes, Map.copyOf(m), clock);
    }

    /** The same template reading {@code strftime_now} from {@code clock} (for reproducible output). */
    public ChatTemplate withClock(Supplier<LocalDateTime> clock) {
        return new ChatTemplate(source, nodes, specialTokens, clock);
    }

    /**
     * Renders {@code messages} (each a map with "role", "content", ...). As in transformers, {@code tools}
     * and {@code documents} are None unless {@code extraContext} gives them; {@code extraContext} may add
     * any variable (e.g. {@code enable_thinking}) and overrides the special tokens.
     */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> extraContext) {
        return renderWithSpans(messages, addGenerationPrompt, extraContext).text();
    }

    /**
     * Renders like {@link #render} and also reports where each {@code {% generation %}} block's output lies,
     * as transformers' {@code return_assistant_tokens_mask} does (for masking the loss to assistant text).
     * Maps should keep insertion order (e.g. LinkedHashMap): templates may iterate or serialize them.
     */
    public RenderedChat renderWithSpans(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
                                        Map<String, ?> extraContext) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        context.put("messages", messages);
        context.put("tools", null);
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        if (extraContext != null) context.putAll(extraContext);
        return new Renderer(clock).render(nodes, context);
    }

    /**
     * Renders the conversation so that it ends inside its final message, for the model to continue it
     * (transformers' {@code continue_final_message=True}): the text after the final message's content —
     * end-of-turn tokens and the like — is cut off. The final message's content must be a string, or a
     * list of parts of which the last with "text" is continued.
     */
    public String renderContinuingFinalMessage(List<? extends Map<String, ?>> messages, Map<String, ?> extraContext) {
        final String tag = "CONTINUE_FINAL_MESSAGE_TAG ";
        if (messages.isEmpty()) throw new IllegalArgumentException("continuing the final message needs at least one message");
        if (!source.contains("content")) throw new IllegalArgumentException("the chat template never reads a message's content");
        List<Map<String, Object>> copy = new ArrayList<>();
        for (Map<String, ?> m : messages) copy.add(new LinkedHashMap<>(m));
        Map<String, Object> last = copy.get(copy.size() - 1);
        Object content = last.get("content");
        String finalText;
        if (content instanceof String str) {
            finalText = str;
            last.put("content", str + tag);
        } else if (content instanceof List<?> parts) {
            List<Object> newParts = new ArrayList<>(parts);
            finalText = null;
            for (int i = newParts.size() - 1; i >= 0 && finalText == null; i--) {
                if (newParts.get(i) instanceof Map<?, ?> part && part.get("text") instanceof String text) {
                    Map<Object, Object> changed = new LinkedHashMap<>(part);
                    changed.put("text", text + tag);
                    newParts.set(i, changed);
                    finalText = text;
                }
            }
            if (finalText == null) throw new IllegalArgumentException("the final message has no text part to continue");
            last.put("content", newParts);
        } else {
            throw new IllegalArgumentException("the final message has no content to continue");
        }
        String rendered = render(copy, false, extraContext);
        String stripped = tag.strip();
        if (!rendered.contains(PyValues.strip(finalText, null, true, true)) || !rendered.contains(stripped)) {
            throw new IllegalArgumentException("the chat template does not render the final message intact, so it cannot be continued");
        }
        int at = rendered.lastIndexOf(stripped);
        return rendered.startsWith(tag, at) ? rendered.substring(0, at) : PyValues.strip(rendered.substring(0, at), null, false, true);
    }

    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }
}
