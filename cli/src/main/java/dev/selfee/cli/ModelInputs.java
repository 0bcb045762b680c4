package dev.selfee.cli;

import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Token ids of the model commands' inputs: a field {@code x_ids} (ids as given) or text {@code x},
 * encoded with the model directory's tokenizer (loaded on first use). Prompts are encoded with the
 * tokenizer's own special-token rules (BOS where it adds one), completions without: TRL's convention.
 */
final class ModelInputs {
    private final Path model;
    private Tokenizer tokenizer;
    private boolean usedText;

    ModelInputs(Path model) {
        this.model = model;
    }

    int[] prompt(JsonlFile.Line l) {
        return ids(l, "prompt", true);
    }

    int[] completion(JsonlFile.Line l, String field) {
        return ids(l, field, false);
    }

    private int[] ids(JsonlFile.Line l, String field, boolean specialTokens) {
        if (l.has(field + "_ids")) return l.ids(field + "_ids");
        if (!l.has(field)) throw l.error("missing field '" + field + "' (text) or '" + field + "_ids' (token ids)");
        var v = l.json().get(field);
        if (!v.isTextual()) throw l.error("field '" + field + "' must be text (message lists are not supported here); or give '" + field + "_ids'");
        Tokenizer t = tokenizer(l, field);
        usedText = true;
        return t.encode(v.asText(), specialTokens);
    }

    /** True when a text field was read, so outputs can carry decoded text. */
    boolean usedText() {
        return usedText;
    }

    String decode(int[] ids) {
        return tokenizer.decode(ids, true);
    }

    private Tokenizer tokenizer(JsonlFile.Line l, String field) {
        if (tokenizer == null) {
            if (!Files.isRegularFile(model.resolve("tokenizer.json"))) {
                throw l.error("field '" + field + "' is text, which needs a tokenizer, but " + model + " has no tokenizer.json; give '"
                        + field + "_ids' (token ids) instead");
            }
            tokenizer = Tokenizer.load(model);
        }
        return tokenizer;
    }

    /** EOS ids from generation_config.json (else config.json) plus {@code extra}. */
    int[] stopTokens(int[] extra) {
        Set<Integer> s = new LinkedHashSet<>(LlamaCheckpoint.generationConfig(model).eosTokenIds());
        for (int e : extra) s.add(e);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The EOS appended to completions: the tokenizer's (as TRL takes {@code tokenizer.eos_token_id}) when the model
     * directory has a tokenizer.json naming one, else the first of generation_config.json / config.json; null when none.
     */
    Integer eos() {
        if (Files.isRegularFile(model.resolve("tokenizer.json"))) {
            if (tokenizer == null) tokenizer = Tokenizer.load(model);
            if (tokenizer.eosId() >= 0) return tokenizer.eosId();
        }
        List<Integer> e = LlamaCheckpoint.generationConfig(model).eosTokenIds();
        return e.isEmpty() ? null : e.getFirst();
    }
}
