package dev.selfee.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model's {@code generation_config.json}: special token ids and default sampling settings.
 * Null fields are left out when written (transformers then uses its own defaults).
 */
public record GenerationConfig(Integer bosTokenId, List<Integer> eosTokenIds, Integer padTokenId, Boolean doSample,
                               Double temperature, Integer topK, Double topP, Integer maxNewTokens) {

    public GenerationConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The token ids of {@code config}, with no sampling defaults. */
    public static GenerationConfig of(LlamaConfig config) {
        return new GenerationConfig(config.bosTokenId(), config.eosTokenIds(), config.padTokenId(), null, null, null, null, null);
    }

    public static GenerationConfig read(Path file) {
        JsonFields f = JsonFields.read(file);
        return new GenerationConfig(f.nullableInt("bos_token_id"), f.intOrIntList("eos_token_id"), f.nullableInt("pad_token_id"),
                f.has("do_sample") ? f.optionalBoolean("do_sample", false) : null,
                f.has("temperature") ? f.optionalDouble("temperature", 1.0) : null,
                f.nullableInt("top_k"),
                f.has("top_p") ? f.optionalDouble("top_p", 1.0) : null,
                f.nullableInt("max_new_tokens"));
    }

    public String toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        if (bosTokenId != null) o.put("bos_token_id", bosTokenId);
        if (doSample != null) o.put("do_sample", doSample);
        if (eosTokenIds.size() == 1) o.put("eos_token_id", eosTokenIds.getFirst());
        else if (!eosTokenIds.isEmpty()) eosTokenIds.forEach(o.putArray("eos_token_id")::add);
        if (maxNewTokens != null) o.put("max_new_tokens", maxNewTokens);
        if (padTokenId != null) o.put("pad_token_id", padTokenId);
        if (temperature != null) o.put("temperature", temperature);
        if (topK != null) o.put("top_k", topK);
        if (topP != null) o.put("top_p", topP);
        try {
            return json.writer(HfJsonStyle.PRINTER).writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("serialising a config tree cannot fail", e);
        }
    }

    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }
}
