package dev.selfee.cli;

import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee convert}: rewrite a checkpoint (e.g. to another weight type) in transformers' layout. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Load a model directory and save it in transformers' layout (config.json, model.safetensors, generation_config.json).")
public final class ConvertCommand implements Runnable {
    @Option(names = "--model", required = true, description = "model directory to read") Path model;
    @Option(names = "--out", required = true, description = "directory to write") Path out;
    @Option(names = "--dtype", description = "float32, bfloat16 or float16 (default: as the source config)") String dtype;

    @Override
    public void run() {
        LlamaModel m = LlamaCheckpoint.load(model);
        if (dtype != null) {
            if (!dtype.equals("float32") && !dtype.equals("bfloat16") && !dtype.equals("float16")) {
                throw new IllegalArgumentException("--dtype must be float32, bfloat16 or float16, got '" + dtype + "'");
            }
            m = m.withConfig(withDtype(m.config(), dtype));
        }
        try {
            LlamaCheckpoint.save(m, out, LlamaCheckpoint.generationConfig(model));
        } catch (IOException e) {
            throw new IllegalArgumentException(out + ": cannot write: " + e.getMessage());
        }
    }

    static LlamaConfig withDtype(LlamaConfig c, String dtype) {
        return new LlamaConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings(),
                c.tieWordEmbeddings(), c.attentionBias(), c.mlpBias(), c.slidingWindow(), c.useSlidingWindow(), c.maxWindowLayers(),
                c.bosTokenId(), c.eosTokenIds(), c.padTokenId(), dtype);
    }
}
