package dev.selfee.tokenizer.template;

import java.time.LocalDateTime;
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
    private final List<Node> nodes;
    private final Map<String, Object> specialTokens;
    private final Supplier<LocalDateTime> clock;

    private ChatTemplate(List<Node> nodes, Map<String, Object> specialTokens, Supplier<LocalDateTime> clock) {
        this.nodes = nodes;
        this.specialTokens = specialTokens;
        this.clock = clock;
    }

    /** Parses {@code source}; a syntax error or unknown filter/test throws {@link TemplateException} naming line and column. */
    public static ChatTemplate compile(String source) {
        return new ChatTemplate(Parser.parse(source), Map.of(), LocalDateTime::now);
    }

    /** The same template with variables such as {@code bos_token}/{@code eos_token} always in scope (null values are left out). */
    public ChatTemplate withSpecialTokens(Map<String, String> tokens) {
        Map<String, Object> m = new LinkedHashMap<>();
        tokens.forEach((k, v) -> {
            if (v != null) m.put(k, v);
        });
        return new ChatTemplate(nodes, Map.copyOf(m), clock);
    }

    /** The same template reading {@code strftime_now} from {@code clock} (for reproducible output). */
    public ChatTemplate withClock(Supplier<LocalDateTime> clock) {
        return new ChatTemplate(nodes, specialTokens, clock);
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

    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }
}
