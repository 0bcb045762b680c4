package dev.selfee.tokenizer.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chat templates and named special tokens of a HF {@code tokenizer_config.json}. {@code chat_template}
 * may be a string or a list of {@code {"name", "template"}}. As in transformers, template files beside it
 * take priority: {@code chat_template.jinja} (the default) and {@code additional_chat_templates/NAME.jinja}.
 * Special tokens may be strings or {@code {"content": ...}} objects.
 */
public record ChatTemplateConfig(String source, Map<String, String> templates, Map<String, String> specialTokens) {
    /** The named special tokens transformers passes to templates (its SPECIAL_TOKENS_ATTRIBUTES). */
    public static final List<String> SPECIAL_TOKEN_NAMES = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ChatTemplateConfig read(Path tokenizerConfig) throws IOException {
        ChatTemplateConfig c = parse(Files.readString(tokenizerConfig), tokenizerConfig.toString());
        Map<String, String> files = new LinkedHashMap<>();
        Path jinja = tokenizerConfig.resolveSibling("chat_template.jinja");
        if (Files.isRegularFile(jinja)) files.put("default", Files.readString(jinja));
        Path extra = tokenizerConfig.resolveSibling("additional_chat_templates");
        if (Files.isDirectory(extra)) {
            try (var list = Files.list(extra)) {
                for (Path f : list.filter(p -> p.getFileName().toString().endsWith(".jinja")).sorted().toList()) {
                    files.put(f.getFileName().toString().replaceFirst("\\.jinja$", ""), Files.readString(f));
                }
            }
        }
        return files.isEmpty() ? c : new ChatTemplateConfig(c.source, Collections.unmodifiableMap(files), c.specialTokens);
    }

    /** Parses the JSON text of a tokenizer_config.json; {@code source} names it in error messages. */
    public static ChatTemplateConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(source + ": expected a JSON object");
        Map<String, String> templates = new LinkedHashMap<>();
        JsonNode t = root.get("chat_template");
        if (t != null && t.isTextual()) {
            templates.put("default", t.asText());
        } else if (t != null && t.isArray()) {
            for (int i = 0; i < t.size(); i++) {
                JsonNode e = t.get(i);
                if (!e.path("name").isTextual() || !e.path("template").isTextual()) {
                    throw new IllegalArgumentException(source + ": chat_template[" + i + "] needs string fields 'name' and 'template'");
                }
                templates.put(e.get("name").asText(), e.get("template").asText());
            }
        } else if (t != null && !t.isNull()) {
            throw new IllegalArgumentException(source + ": chat_template must be a string or a list of {name, template}");
        }
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKEN_NAMES) {
            JsonNode v = root.get(name);
            if (v == null || v.isNull()) continue;
            if (v.isTextual()) tokens.put(name, v.asText());
            else if (v.isObject() && v.path("content").isTextual()) tokens.put(name, v.get("content").asText());
            else throw new IllegalArgumentException(source + ": " + name + " must be a string or an object with 'content'");
        }
        return new ChatTemplateConfig(source, Collections.unmodifiableMap(templates), Collections.unmodifiableMap(tokens));
    }

    /** The default template (named "default", or the only one), compiled with this config's special tokens. */
    public ChatTemplate template() {
        if (templates.containsKey("default")) return template("default");
        if (templates.size() == 1) return template(templates.keySet().iterator().next());
        throw new IllegalArgumentException(source + ": " + (templates.isEmpty() ? "has no chat_template"
                : "has no default chat_template; choose one of " + templates.keySet()));
    }

    public ChatTemplate template(String name) {
        String src = templates.get(name);
        if (src == null) throw new IllegalArgumentException(source + ": no chat_template named '" + name + "' (have " + templates.keySet() + ")");
        try {
            return ChatTemplate.compile(src).withSpecialTokens(specialTokens);
        } catch (TemplateException e) {
            throw new IllegalArgumentException(source + ": chat_template '" + name + "': " + e.getMessage(), e);
        }
    }
}
