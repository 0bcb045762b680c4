package dev.selfee.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A Llama-family model's {@code config.json} (Llama 2/3, Mistral, Qwen2/2.5), as transformers
 * reads it. Both spellings of rotary settings are accepted: transformers 5's
 * {@code rope_parameters} and the older {@code rope_theta} + {@code rope_scaling}; both are written.
 *
 * @param headDim           per-head width; {@code hidden_size / num_attention_heads} when the file has none
 * @param ropeScaling       Llama 3 frequency scaling, or null for plain RoPE
 * @param attentionBias     q/k/v projections carry a bias (always for Qwen2)
 * @param slidingWindow     window of sliding-window attention, or null when none is used (see {@link #slidingWindowOf})
 * @param maxWindowLayers   Qwen2: layers below this index use full attention even with a window
 * @param eosTokenIds       all end-of-sequence ids (config.json may hold an int or a list)
 * @param dtype             the stored weight type as transformers names it ("bfloat16", ...), or null
 */
public record LlamaConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        Integer slidingWindow,
        boolean useSlidingWindow,
        int maxWindowLayers,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        String dtype) {

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim " + headDim + " must be even for rotary embeddings");
    }

    /**
     * A plain Llama config for models trained from scratch: tied embeddings, RoPE θ 10000, RMSNorm
     * eps 1e-5, head_dim = hidden / heads, 2048 positions, no bias, no window; bos/eos/pad given by id.
     */
    public static LlamaConfig llama(int vocabSize, int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize,
                                    Integer bosTokenId, int eosTokenId, Integer padTokenId) {
        if (heads <= 0 || hiddenSize % heads != 0) throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a multiple of " + heads + " heads");
        return new LlamaConfig(Architecture.LLAMA, hiddenSize, intermediateSize, layers, heads, kvHeads, hiddenSize / heads, vocabSize,
                1e-5, 10000.0, null, 2048, true, false, false, null, false, 0, bosTokenId, List.of(eosTokenId), padTokenId, "float32");
    }

    /** The sliding window of layer {@code layer}, or null when it attends to the whole context. */
    public Integer slidingWindowOf(int layer) {
        return switch (architecture) {
            case LLAMA -> null;
            case MISTRAL -> slidingWindow;
            case QWEN2 -> useSlidingWindow && layer >= maxWindowLayers ? slidingWindow : null;
        };
    }

    /** Reads {@code config.json}; a missing or malformed field, an unsupported architecture, activation or rope type is one clear error. */
    public static LlamaConfig read(Path file) {
        JsonFields f = JsonFields.read(file);
        Architecture arch = architectureOf(f);
        String act = f.optionalString("hidden_act");
        if (act != null && !act.equals("silu")) throw f.error("hidden_act", "is '" + act + "'; the Llama family needs 'silu'");
        int hidden = f.positiveInt("hidden_size");
        int heads = f.positiveInt("num_attention_heads");
        int kvHeads = f.optionalInt("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw f.error("num_key_value_heads", "is " + kvHeads + ", which does not divide num_attention_heads " + heads);
        }
        int headDim;
        if (f.has("head_dim")) {
            headDim = f.positiveInt("head_dim");
        } else {
            if (hidden % heads != 0) throw f.error("hidden_size", "(" + hidden + ") is not divisible by num_attention_heads " + heads + " and there is no head_dim");
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) throw f.error("head_dim", "is " + headDim + "; rotary embeddings need an even width");

        double theta;
        RopeScaling scaling;
        JsonFields rp = f.object("rope_parameters");
        if (rp != null) {
            theta = rp.optionalDouble("rope_theta", f.optionalDouble("rope_theta", 10000.0));
            scaling = ropeScalingOf(rp);
        } else {
            theta = f.optionalDouble("rope_theta", 10000.0);
            JsonFields rs = f.object("rope_scaling");
            scaling = rs == null ? null : ropeScalingOf(rs);
        }
        if (!(theta > 0)) throw f.error(rp != null ? "rope_parameters.rope_theta" : "rope_theta", "must be positive, got " + theta);

        double eps = f.optionalDouble("rms_norm_eps", 1e-6);
        if (!(eps > 0)) throw f.error("rms_norm_eps", "must be positive, got " + eps);
        // transformers' Mistral has no biases and Qwen2 always has q/k/v biases, whatever the file says
        boolean attentionBias = arch == Architecture.QWEN2 || arch == Architecture.LLAMA && f.optionalBoolean("attention_bias", false);
        boolean mlpBias = arch == Architecture.LLAMA && f.optionalBoolean("mlp_bias", false);
        Integer window = arch == Architecture.LLAMA ? null : f.nullableInt("sliding_window");
        if (window != null && window <= 0) throw f.error("sliding_window", "must be positive or null, got " + window);
        boolean useWindow = switch (arch) {
            case LLAMA -> false;
            case MISTRAL -> window != null;
            case QWEN2 -> f.optionalBoolean("use_sliding_window", false);
        };
        if (useWindow && window == null) throw f.error("sliding_window", "is missing but use_sliding_window is true");
        if (!useWindow) window = null; // as transformers: Qwen2's window only exists when switched on
        String dtype = f.optionalString("dtype");
        if (dtype == null) dtype = f.optionalString("torch_dtype");
        LlamaConfig config;
        try {
            config = new LlamaConfig(arch, hidden, f.positiveInt("intermediate_size"), f.positiveInt("num_hidden_layers"), heads, kvHeads,
                    headDim, f.positiveInt("vocab_size"), eps, theta, scaling,
                    f.optionalInt("max_position_embeddings", arch.defaultMaxPositions),
                    f.optionalBoolean("tie_word_embeddings", false), attentionBias, mlpBias,
                    window, useWindow, f.optionalInt("max_window_layers", 28),
                    f.nullableInt("bos_token_id"), f.intOrIntList("eos_token_id"), f.nullableInt("pad_token_id"), dtype);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage(), e);
        }
        checkLayerTypes(f, config);
        return config;
    }

    /** transformers 5 also writes {@code layer_types}; it must agree with the windows derived above. */
    private static void checkLayerTypes(JsonFields f, LlamaConfig c) {
        List<String> types = f.stringList("layer_types");
        if (types.isEmpty()) return;
        if (types.size() != c.numHiddenLayers()) {
            throw f.error("layer_types", "has " + types.size() + " entries for " + c.numHiddenLayers() + " layers");
        }
        for (int l = 0; l < types.size(); l++) {
            String want = c.slidingWindowOf(l) == null ? "full_attention" : "sliding_attention";
            if (!types.get(l).equals(want)) {
                throw f.error("layer_types", "says '" + types.get(l) + "' for layer " + l + ", but sliding_window/use_sliding_window/"
                        + "max_window_layers give '" + want + "'; only that pattern is supported");
            }
        }
    }

    private static Architecture architectureOf(JsonFields f) {
        List<String> names = f.stringList("architectures");
        if (names.size() > 1) throw f.error("architectures", "lists " + names + "; expected exactly one");
        if (names.size() == 1) {
            Architecture a = Architecture.ofClassName(names.getFirst());
            if (a == null) {
                throw f.error("architectures", "is '" + names.getFirst() + "'; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM");
            }
            return a;
        }
        String type = f.optionalString("model_type");
        if (type == null) throw f.error("architectures", "is missing (and so is model_type)");
        Architecture a = Architecture.ofModelType(type);
        if (a == null) throw f.error("model_type", "is '" + type + "'; supported: llama, mistral, qwen2");
        return a;
    }

    /** Reads {@code rope_type} (or the older {@code type}): "default" means none, "llama3" scales, anything else is refused. */
    private static RopeScaling ropeScalingOf(JsonFields r) {
        String key = r.has("rope_type") ? "rope_type" : "type";
        String type = r.optionalString(key);
        if (type == null || type.equals("default")) return null;
        if (!type.equals("llama3")) throw r.error(key, "is '" + type + "'; supported: default, llama3");
        try {
            return new RopeScaling(r.requiredDouble("factor"), r.requiredDouble("low_freq_factor"), r.requiredDouble("high_freq_factor"),
                    r.requiredInt("original_max_position_embeddings"));
        } catch (IllegalArgumentException e) {
            throw r.error(key, "llama3: " + e.getMessage());
        }
    }

    /** This config as transformers writes it (keys sorted), loadable by transformers 4 and 5. */
    public String toJson() {
        ObjectMapper json = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        ObjectNode o = json.createObjectNode();
        o.putArray("architectures").add(architecture.className);
        o.put("model_type", architecture.modelType);
        o.put("attention_dropout", 0.0);
        if (architecture == Architecture.LLAMA) {
            o.put("attention_bias", attentionBias);
            o.put("mlp_bias", mlpBias);
        }
        putNullable(o, "bos_token_id", bosTokenId);
        if (eosTokenIds.isEmpty()) o.putNull("eos_token_id");
        else if (eosTokenIds.size() == 1) o.put("eos_token_id", eosTokenIds.getFirst());
        else eosTokenIds.forEach(o.putArray("eos_token_id")::add);
        putNullable(o, "pad_token_id", padTokenId);
        if (dtype != null) {
            o.put("dtype", dtype);
            o.put("torch_dtype", dtype);
        }
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("hidden_size", hiddenSize);
        o.put("initializer_range", 0.02);
        o.put("intermediate_size", intermediateSize);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("rms_norm_eps", rmsNormEps);
        ObjectNode rp = o.putObject("rope_parameters");
        rp.put("rope_theta", ropeTheta);
        rp.put("rope_type", ropeScaling == null ? "default" : "llama3");
        o.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            o.putNull("rope_scaling");
        } else {
            ObjectNode rs = o.putObject("rope_scaling");
            for (ObjectNode n : List.of(rp, rs)) {
                n.put("rope_type", "llama3");
                n.put("factor", ropeScaling.factor());
                n.put("low_freq_factor", ropeScaling.lowFreqFactor());
                n.put("high_freq_factor", ropeScaling.highFreqFactor());
                n.put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
            }
        }
        if (architecture != Architecture.LLAMA) putNullable(o, "sliding_window", slidingWindow);
        if (architecture == Architecture.QWEN2) {
            o.put("use_sliding_window", useSlidingWindow);
            o.put("max_window_layers", maxWindowLayers);
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("use_cache", true);
        o.put("vocab_size", vocabSize);
        try {
            return json.writer(HfJsonStyle.PRINTER).writeValueAsString(json.treeToValue(o, java.util.TreeMap.class)) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("serialising a config tree cannot fail", e);
        }
    }

    /** Writes {@link #toJson()} to {@code file} atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }

    static void putNullable(ObjectNode o, String key, Integer v) {
        if (v == null) o.putNull(key);
        else o.put(key, v);
    }
}
