package dev.selfee.engine.model;

import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.io.CheckpointException;
import dev.selfee.engine.io.CheckpointReader;
import dev.selfee.engine.io.GenerationConfig;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model directory in transformers' layout: {@code config.json}, {@code model.safetensors} (or
 * shards with {@code model.safetensors.index.json}) and {@code generation_config.json}. Loading
 * widens F32/F16/BF16 weights to fp32 straight into the model's parameters (no second copy) and
 * checks every tensor the config implies against the file; saving writes each file atomically.
 */
public final class LlamaCheckpoint {
    public static final String CONFIG_FILE = "config.json";
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";
    /** transformers' default shard size for {@code save_pretrained}. */
    public static final long MAX_SHARD_BYTES = 5_000_000_000L;
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\..*");

    private LlamaCheckpoint() {}

    public static LlamaConfig config(Path dir) {
        requireDirectory(dir);
        return LlamaConfig.read(dir.resolve(CONFIG_FILE));
    }

    /** The model's generation settings: generation_config.json when present, else the ids in config.json. */
    public static GenerationConfig generationConfig(Path dir) {
        Path g = dir.resolve(GENERATION_CONFIG_FILE);
        return Files.isRegularFile(g) ? GenerationConfig.read(g) : GenerationConfig.of(config(dir));
    }

    /** Loads a model; any problem is a {@link CheckpointException} naming the file and the field or tensor. */
    public static LlamaModel load(Path dir) {
        LlamaConfig config = config(dir);
        LlamaModel model = LlamaModel.allocate(config);
        try (CheckpointReader reader = CheckpointReader.open(dir)) {
            Path where = Files.isRegularFile(dir.resolve(CheckpointReader.SINGLE_FILE)) ? dir.resolve(CheckpointReader.SINGLE_FILE)
                    : dir.resolve(CheckpointReader.INDEX_FILE);
            for (Parameter p : model.parameters().values()) {
                if (!reader.contains(p.name())) {
                    throw new CheckpointException(where, "missing tensor '" + p.name() + "' that config.json implies");
                }
                int[] stored = reader.shape(p.name()), expected = p.value().shape();
                if (!Arrays.equals(stored, expected)) {
                    throw new CheckpointException(reader.fileOf(p.name()), "tensor '" + p.name() + "' has shape " + Arrays.toString(stored)
                            + " but config.json implies " + Arrays.toString(expected));
                }
            }
            for (String name : reader.names()) {
                if (model.parameters().containsKey(name) || harmless(name, config)) continue;
                Matcher m = LAYER.matcher(name);
                String why = m.matches() && Integer.parseInt(m.group(1)) >= config.numHiddenLayers()
                        ? "belongs to layer " + m.group(1) + " but config.json has num_hidden_layers " + config.numHiddenLayers()
                        : "is not part of a " + config.architecture().className + " with this config";
                throw new CheckpointException(reader.fileOf(name), "tensor '" + name + "' " + why);
            }
            for (Parameter p : model.parameters().values()) reader.loadInto(p.name(), p.value());
        }
        return model;
    }

    /** Tensors transformers itself ignores: the tied head's duplicate and old rotary buffers. */
    private static boolean harmless(String name, LlamaConfig config) {
        return (config.tieWordEmbeddings() && name.equals("lm_head.weight")) || name.endsWith("rotary_emb.inv_freq");
    }

    /** Saves in the weight type config.json names (bfloat16, float16, else float32). */
    public static void save(LlamaModel model, Path dir) throws IOException {
        save(model, dir, GenerationConfig.of(model.config()));
    }

    public static void save(LlamaModel model, Path dir, GenerationConfig generation) throws IOException {
        save(model, dir, generation, MAX_SHARD_BYTES);
    }

    /**
     * Saves, split into shards of at most {@code maxShardBytes} (with model.safetensors.index.json) when
     * larger. A model with LoRA adapters is saved merged ({@link LlamaModel#merged}): the checkpoint is a plain model.
     */
    public static void save(LlamaModel model, Path dir, GenerationConfig generation, long maxShardBytes) throws IOException {
        model = model.merged();
        Files.createDirectories(dir);
        LlamaConfig c = model.config();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : model.parameters().values()) tensors.put(p.name(), p.value());
        SafetensorsWriter.writeCheckpoint(dir, tensors, storedType(c.dtype()), maxShardBytes);
        c.write(dir.resolve(CONFIG_FILE));
        generation.write(dir.resolve(GENERATION_CONFIG_FILE));
    }

    static DType storedType(String dtype) {
        if (dtype == null) return DType.F32;
        return switch (dtype) {
            case "bfloat16" -> DType.BF16;
            case "float16" -> DType.F16;
            default -> DType.F32;
        };
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) throw new CheckpointException(dir, "not a model directory (expected config.json and model.safetensors in it)");
    }
}
