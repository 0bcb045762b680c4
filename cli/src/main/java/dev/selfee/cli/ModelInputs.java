package dev.selfee.cli;

import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.spa.data.Jsonl;
import dev.selfee.spa.data.Text;
import dev.selfee.spa.train.ExampleEncoder;
import dev.selfee.spa.train.Truncation;
import dev.selfee.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Token ids of the model commands' inputs: a field {@code x_ids} (ids as given), text, or a message
 * list {@code x}, encoded with the model directory's tokenizer (loaded on first use) by the
 * trainers' {@link ExampleEncoder}, so scoring sees exactly what training sees (TRL's convention:
 * prompts with the tokenizer's special-token rules or the chat template, completions without
 * special tokens and followed by EOS).
 */
final class ModelInputs {
    private final Path model;
    private Tokenizer tokenizer;
    private ExampleEncoder encoder;
    private boolean usedText;

    ModelInputs(Path model) {
        this.model = model;
    }

    int[] prompt(Jsonl.Line l) {
        return encoder().prompt(text(l, "prompt"), where(l));
    }

    /** The completion in {@code field}, followed by EOS. */
    int[] completion(Jsonl.Line l, String field) {
        return encoder().completion(text(l, "prompt"), text(l, field), where(l));
    }

    private static String where(Jsonl.Line l) {
        return l.file() + ":" + l.number();
    }

    private Text text(Jsonl.Line l, String field) {
        if (l.has(field + "_ids")) return new Text.Ids(l.ids(field + "_ids"));
        if (!l.has(field)) throw l.error("missing field '" + field + "' (text or messages) or '" + field + "_ids' (token ids)");
        Text t;
        try {
            t = Text.field(l.json(), field);
        } catch (IllegalArgumentException e) {
            throw l.error(e.getMessage());
        }
        tokenizer(l, field);
        usedText = true;
        return t;
    }

    private ExampleEncoder encoder() {
        if (encoder == null) {
            Integer eos = eos();
            encoder = new ExampleEncoder(tokenizer, eos == null ? -1 : eos, Truncation.none());
        }
        return encoder;
    }

    /** True when a text field was read, so outputs can carry decoded text. */
    boolean usedText() {
        return usedText;
    }

    String decode(int[] ids) {
        return tokenizer.decode(ids, true);
    }

    private Tokenizer tokenizer(Jsonl.Line l, String field) {
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
