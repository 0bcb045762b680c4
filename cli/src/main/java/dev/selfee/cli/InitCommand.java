package dev.selfee.cli;

import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee init}: a randomly initialised model of a config, saved in transformers' layout. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create a random model (weights ~ N(0, initializer range), norms 1, biases 0, as transformers) from a config.json.")
public final class InitCommand implements Runnable {
    @Option(names = "--config", required = true, description = "an HF config.json (Llama, Mistral or Qwen2)") Path config;
    @Option(names = "--out", required = true, description = "directory to write") Path out;
    @Option(names = "--seed", defaultValue = "0", description = "(default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--initializer-range", defaultValue = "0.02", description = "(default ${DEFAULT-VALUE})") double range;

    @Override
    public void run() {
        if (!(range > 0)) throw new IllegalArgumentException("--initializer-range must be positive, got " + range);
        LlamaModel m = LlamaModel.random(LlamaConfig.read(config), seed, range);
        try {
            LlamaCheckpoint.save(m, out);
        } catch (IOException e) {
            throw new IllegalArgumentException(out + ": cannot write: " + e.getMessage());
        }
    }
}
