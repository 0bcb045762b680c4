package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.DeviceGenerator;
import dev.selfee.engine.model.Generator;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SamplingOptions;
import dev.selfee.engine.model.device.DeviceLlama;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee bench generate}: decoding throughput of a model with random prompts, no early stop. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Tokens generated per second (greedy, KV cache, no stop tokens) after a warm-up run; compare with tools/bench_generate_torch.py.")
final class GenerateBench implements Runnable {
    @Option(names = "--model", required = true, description = "model directory") Path model;
    @Option(names = "--batch-size", defaultValue = "8", description = "(default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--prompt-len", defaultValue = "32", description = "prompt tokens (default ${DEFAULT-VALUE})") int promptLen;
    @Option(names = "--max-new-tokens", defaultValue = "64", description = "(default ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--runs", defaultValue = "3", description = "timed runs; the median is reported (default ${DEFAULT-VALUE})") int runs;
    @Option(names = "--threads", description = "worker threads (default: all cores)") Integer threads;
    @picocli.CommandLine.Mixin BackendFlags backendFlags;

    @Override
    public void run() {
        if (batchSize <= 0 || promptLen <= 0 || maxNewTokens <= 0 || runs <= 0) {
            throw new IllegalArgumentException("--batch-size, --prompt-len, --max-new-tokens and --runs must be positive");
        }
        if (threads != null) Parallel.setThreads(threads);
        LlamaModel m = LlamaCheckpoint.load(model);
        SplittableRandom r = new SplittableRandom(1);
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batchSize; b++) prompts.add(r.ints(promptLen, 0, m.config().vocabSize()).toArray());
        SamplingOptions greedy = SamplingOptions.greedy(maxNewTokens);
        Backend be = backendFlags.offload();
        double[] times = new double[runs];
        try (DeviceLlama d = be == null ? null : DeviceLlama.uploadFrozen(m, be)) {
            Runnable generate = d == null ? () -> Generator.generate(m, prompts, greedy) : () -> DeviceGenerator.generate(d, prompts, greedy, 0);
            generate.run(); // warm-up
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                generate.run();
                times[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        double median = Timing.median(times);
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("op", "generate").put("backend", be == null ? "cpu" : be.name()).put("params", m.parameterCount()).put("batch_size", batchSize).put("prompt_len", promptLen)
                .put("max_new_tokens", maxNewTokens).put("threads", Parallel.threads())
                .put("tokens_per_s", Timing.round(batchSize * maxNewTokens / median)).put("s_median", Timing.round(median)).put("runs", runs);
        System.out.println(o);
    }
}
