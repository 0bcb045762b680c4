package dev.selfee.spa.train;

import dev.selfee.engine.io.GenerationConfig;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A trained model written in transformers' layout with its tokenizer files, and the atomic
 * publication of a finished output directory: everything is written into {@code OUT.partial}
 * and renamed to {@code OUT} at the end, so {@code OUT} is either absent, the previous output,
 * or complete.
 */
public final class ModelOutput {
    /** The tokenizer files transformers' {@code save_pretrained} may write; those present are copied. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "chat_template.jinja", "added_tokens.json", "vocab.json", "merges.txt", "tokenizer.model", "encoder.json", "vocab.bpe");

    private ModelOutput() {}

    /** The folder an output is written into before {@link #publish}: {@code OUT.partial} beside it. */
    public static Path partial(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".partial");
    }

    /** Where a model with LoRA adapters also has its adapter saved, in PEFT's format. */
    public static final String ADAPTER_DIR = "adapter";

    /**
     * Writes the model in fp32 (trained weights are not narrowed), {@code generation_config.json}
     * and the tokenizer files found in {@code tokenizerDir} (null: none) into {@code dir}. A model
     * with LoRA adapters is saved merged (W + (alpha/r)·B·A: a plain model transformers loads as
     * it is), and its adapter alone in PEFT's format in {@code dir}/{@value #ADAPTER_DIR}/ (a
     * sub-folder, so transformers does not mistake the model folder for an adapter).
     */
    public static void save(LlamaModel model, Path dir, Path tokenizerDir, GenerationConfig generation) {
        try {
            Files.createDirectories(dir);
            LlamaCheckpoint.save(model.merged().withConfig(float32(model.config())), dir, generation == null ? GenerationConfig.of(model.config()) : generation);
            if (model.lora() != null) model.lora().save(dir.resolve(ADAPTER_DIR), "");
            if (tokenizerDir != null) {
                Path src = Files.isRegularFile(tokenizerDir) ? tokenizerDir.getParent() : tokenizerDir;
                for (String f : TOKENIZER_FILES) {
                    if (Files.isRegularFile(src.resolve(f))) Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot save the model: " + e.getMessage(), e);
        }
    }

    /** Renames the finished {@code partial} folder to {@code out}, replacing what was there. */
    public static void publish(Path partial, Path out) {
        try {
            Path old = null;
            if (Files.exists(out)) {
                old = out.resolveSibling(out.getFileName() + ".old");
                deleteTree(old);
                move(out, old);
            }
            move(partial, out);
            if (old != null) deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot publish the output: " + e.getMessage(), e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    /** The same config stored as float32. */
    static LlamaConfig float32(LlamaConfig c) {
        return new LlamaConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings(),
                c.tieWordEmbeddings(), c.attentionBias(), c.mlpBias(), c.slidingWindow(), c.useSlidingWindow(), c.maxWindowLayers(),
                c.bosTokenId(), c.eosTokenIds(), c.padTokenId(), "float32");
    }
}
