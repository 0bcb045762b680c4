package dev.selfee.cli;

import dev.selfee.engine.model.LlamaCheckpoint;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Token-id inputs of the model commands and the model's special ids. */
final class ModelInputs {
    private ModelInputs() {}

    /** The prompt's ids: {@code prompt_ids}; a text {@code prompt} needs the model's tokenizer. */
    static int[] promptIds(JsonlFile.Line l) {
        return ids(l, "prompt");
    }

    /** {@code field_ids} of a line; the text form {@code field} is refused until tokenization is wired in. */
    static int[] ids(JsonlFile.Line l, String field) {
        if (l.has(field + "_ids")) return l.ids(field + "_ids");
        if (l.has(field)) throw l.error("field '" + field + "' is text, which needs a tokenizer; give '" + field + "_ids' (token ids) instead");
        throw l.error("missing field '" + field + "_ids'");
    }

    /** EOS ids from generation_config.json (else config.json) plus {@code extra}. */
    static int[] stopTokens(Path model, int[] extra) {
        Set<Integer> s = new LinkedHashSet<>(LlamaCheckpoint.generationConfig(model).eosTokenIds());
        for (int e : extra) s.add(e);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The first EOS id, or null when the model names none. */
    static Integer eos(Path model) {
        List<Integer> e = LlamaCheckpoint.generationConfig(model).eosTokenIds();
        return e.isEmpty() ? null : e.getFirst();
    }
}
