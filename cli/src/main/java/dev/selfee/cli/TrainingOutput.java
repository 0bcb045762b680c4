package dev.selfee.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.train.ModelOutput;
import dev.selfee.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The inputs and outputs the training commands share: tokenizer and model checks, the summary file. */
final class TrainingOutput {
    static final String SUMMARY_FILE = "training_summary.json";
    // records' fields in snake_case, as HF's trainer_state.json; metric names (map keys) stay as they are
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private TrainingOutput() {}

    /** The tokenizer in {@code dir} (a tokenizer.json in it), or null when there is none and {@code required} is false. */
    static Tokenizer tokenizer(Path dir, boolean required) {
        if (dir != null && (Files.isRegularFile(dir.resolve("tokenizer.json")) || Files.isRegularFile(dir))) return Tokenizer.load(dir);
        if (required) throw new IllegalArgumentException((dir == null ? "--tokenizer" : dir.toString()) + ": no tokenizer.json");
        return null;
    }

    /** A tokenizer with more tokens than the model has embeddings cannot train it. */
    static void checkVocab(Tokenizer tokenizer, Path where, LlamaModel model) {
        if (tokenizer != null && tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException(where + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocab_size is "
                    + model.config().vocabSize());
        }
    }

    /** The EOS appended to completions: the tokenizer's, else the model's first. */
    static int eos(Tokenizer tokenizer, Path modelDir, LlamaModel model) {
        if (tokenizer != null && tokenizer.eosId() >= 0) return tokenizer.eosId();
        if (modelDir != null) {
            Integer e = new ModelInputs(modelDir).eos();
            if (e != null) return e;
        }
        return model.config().eosTokenIds().isEmpty() ? -1 : model.config().eosTokenIds().getFirst();
    }

    /** Saves the model, tokenizer files and summary into {@code partial} and renames it to {@code out}. */
    static void finish(LlamaModel model, Path modelDir, Path tokenizerDir, Path partial, Path out, Map<String, Object> summary) {
        ModelOutput.save(model, partial, tokenizerDir, modelDir == null ? null : LlamaCheckpoint.generationConfig(modelDir));
        try {
            AtomicFiles.writeString(partial.resolve(SUMMARY_FILE), JSON.writeValueAsString(summary));
        } catch (IOException e) {
            throw new UncheckedIOException(partial + ": " + e.getMessage(), e);
        }
        ModelOutput.publish(partial, out);
    }

    static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot create: " + e.getMessage(), e);
        }
    }
}
