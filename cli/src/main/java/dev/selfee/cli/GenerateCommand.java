package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.model.DeviceGenerator;
import dev.selfee.engine.model.Generator;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SamplingOptions;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import dev.selfee.spa.data.Jsonl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee generate}: completions for a JSONL file of prompts. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate completions for prompts with a KV cache, batched.",
                "Input lines: {\"prompt\": \"text\"} (encoded with the model directory's tokenizer.json, special tokens as it adds them)",
                "or {\"prompt_ids\": [...]}.",
                "Output lines: {\"prompt\", \"responses\" (text prompts only), \"prompt_ids\", \"responses_ids\"}: n per prompt;",
                "the stop token is not included.",
                "Sample k of prompt i draws from its own seeded stream, so outputs do not depend on --batch-size."})
public final class GenerateCommand implements Runnable {
    @Option(names = "--model", required = true, description = "model directory (config.json, model.safetensors)") Path model;
    @Option(names = "--prompts", required = true, description = "JSONL prompts") Path prompts;
    @Option(names = "--out", required = true, description = "JSONL output, written atomically") Path out;
    @Option(names = "--n", defaultValue = "1", description = "samples per prompt (default ${DEFAULT-VALUE})") int n;
    @Option(names = "--temperature", defaultValue = "1.0", description = "0 = greedy (default ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus mass, 1 = off (default ${DEFAULT-VALUE})") double topP;
    @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default ${DEFAULT-VALUE})") int topK;
    @Option(names = "--max-new-tokens", defaultValue = "256", description = "(default ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--seed", defaultValue = "0", description = "(default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--batch-size", defaultValue = "8", description = "sequences decoded together (default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--stop-token-ids", split = ",", description = "extra stop ids besides the model's EOS") int[] extraStops = new int[0];
    @picocli.CommandLine.Mixin BackendFlags backendFlags;

    @Override
    public void run() {
        if (n <= 0) throw new IllegalArgumentException("--n must be positive, got " + n);
        if (batchSize <= 0) throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        List<Jsonl.Line> lines = Jsonl.lines(prompts);
        ModelInputs inputs = new ModelInputs(model);
        List<int[]> ids = new ArrayList<>();
        for (Jsonl.Line l : lines) ids.add(inputs.prompt(l));
        LlamaModel m = LlamaCheckpoint.load(model);
        SamplingOptions options = new SamplingOptions(temperature, topK, topP, maxNewTokens, seed, inputs.stopTokens(extraStops));
        List<int[]> rows = new ArrayList<>();
        for (int[] p : ids) for (int k = 0; k < n; k++) rows.add(p);
        List<int[]> responses = new ArrayList<>();
        Progress progress = Progress.onStderr("generate", rows.size());
        Backend be = backendFlags.offload();
        try (DeviceLlama d = be == null ? null : DeviceLlama.uploadFrozen(m, be)) {
            for (int s = 0; s < rows.size(); s += batchSize) {
                List<int[]> batch = rows.subList(s, Math.min(rows.size(), s + batchSize));
                for (Generator.Generation g : d == null ? Generator.generate(m, batch, options, s) : DeviceGenerator.generate(d, batch, options, s)) {
                    responses.add(g.tokens());
                }
                progress.update(responses.size(), null);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode o = BenchCommand.JSON.createObjectNode();
            if (lines.get(i).has("prompt")) o.set("prompt", lines.get(i).json().get("prompt"));
            ArrayNode p = o.putArray("prompt_ids");
            for (int t : ids.get(i)) p.add(t);
            if (inputs.usedText()) {
                ArrayNode texts = o.putArray("responses");
                for (int k = 0; k < n; k++) texts.add(inputs.decode(responses.get(i * n + k)));
            }
            ArrayNode r = o.putArray("responses_ids");
            for (int k = 0; k < n; k++) {
                ArrayNode one = r.addArray();
                for (int t : responses.get(i * n + k)) one.add(t);
            }
            sb.append(o).append('\n');
        }
        try {
            AtomicFiles.writeString(out, sb.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(out + ": cannot write: " + e.getMessage());
        }
    }
}
