package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.data.Jsonl;
import dev.selfee.spa.train.DeviceDpoTrainer;
import dev.selfee.spa.train.DpoOptions;
import dev.selfee.spa.train.DpoTrainer;
import dev.selfee.spa.train.ReferenceLogps;
import dev.selfee.spa.train.TokenizedPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selfee bench dpo-step}: optimizer steps per second of DPO training, the work of {@code selfee dpo} without file output. */
@Command(name = "dpo-step", mixinStandardHelpOptions = true,
        description = {"DPO training steps (TRL's defaults: sigmoid loss, beta 0.1, AdamW, lr 1e-6, clipping at 1) on a model directory,",
                "reference log-probs precomputed before training; pairs are the first batch-size x (warmup + steps) lines of a JSONL",
                "{prompt_ids, chosen_ids, rejected_ids}, EOS appended to each completion. Prints steps/s after the warm-up steps;",
                "compare with bench/trl_dpo_step.py. With --backend opencl the reference log-probs and the steps run on the device."})
final class DpoStepBench implements Runnable {
    @Option(names = "--model", required = true, description = "model directory (policy and reference)") Path model;
    @Option(names = "--data", required = true, description = "JSONL of token-id pairs") Path data;
    @Option(names = "--batch-size", defaultValue = "4", description = "pairs per step (default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--warmup", defaultValue = "2", description = "untimed first steps (default ${DEFAULT-VALUE})") int warmup;
    @Option(names = "--steps", defaultValue = "5", description = "timed steps; the median is reported (default ${DEFAULT-VALUE})") int steps;
    @Option(names = "--threads", description = "worker threads (default: all cores)") Integer threads;
    @Mixin BackendFlags backendFlags;

    @Override
    public void run() {
        if (batchSize <= 0 || warmup < 0 || steps <= 0) throw new IllegalArgumentException("--batch-size and --steps must be positive, --warmup at least 0");
        if (threads != null) Parallel.setThreads(threads);
        int total = warmup + steps, n = batchSize * total;
        List<Jsonl.Line> lines = Jsonl.lines(data);
        if (lines.size() < n) throw new IllegalArgumentException(data + ": " + lines.size() + " pairs, but " + n + " are needed");
        ModelInputs inputs = new ModelInputs(model);
        List<TokenizedPair> pairs = new ArrayList<>(n);
        for (Jsonl.Line l : lines.subList(0, n)) {
            pairs.add(new TokenizedPair(pairs.size(), inputs.prompt(l), inputs.completion(l, "chosen"), inputs.completion(l, "rejected")));
        }
        LlamaModel policy = LlamaCheckpoint.load(model);
        DpoOptions options = DpoOptions.defaults().withTraining(DpoOptions.defaults().training().withBatchSize(batchSize).withMaxSteps(total));
        Backend device = backendFlags.offload();
        if (device != null) DeviceDpoTrainer.requireSupported(options, device);
        long[] stamps = new long[total + 1];
        int[] step = {0};
        Path work;
        try {
            work = Files.createTempDirectory("selfee-dpo-step");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path refFile = work.resolve(ReferenceLogps.FILE);
        DpoTrainer.Result result;
        try {
            ReferenceLogps ref = device == null ? ReferenceLogps.compute(policy, pairs, batchSize, null)
                    : ReferenceLogps.cached(policy, pairs, batchSize, refFile, null, device);
            stamps[0] = System.nanoTime();
            result = device == null ? DpoTrainer.train(policy, ref, null, pairs, options, work, m -> stamps[++step[0]] = System.nanoTime(), null)
                    : DeviceDpoTrainer.train(policy, ref, null, pairs, options, work, m -> stamps[++step[0]] = System.nanoTime(), null, device);
        } finally {
            try {
                Files.deleteIfExists(refFile);
                Files.deleteIfExists(work); // the sigmoid loss writes nothing else there unless training diverges
            } catch (IOException e) {
                System.err.println("dpo-step: could not remove " + work + ": " + e.getMessage());
            }
        }
        double[] times = new double[steps];
        for (int i = 0; i < steps; i++) times[i] = (stamps[warmup + i + 1] - stamps[warmup + i]) / 1e9;
        double median = Timing.median(times);
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("op", "dpo_step").put("backend", device == null ? "cpu" : device.name());
        if (device != null) o.put("device", device.deviceDescription());
        o.put("params", policy.parameterCount()).put("batch_size", batchSize).put("threads", Parallel.threads())
                .put("steps_per_s", Math.round(1e4 / median) / 1e4).put("pairs_per_s", Timing.round(batchSize / median))
                .put("s_median", Timing.round(median)).put("steps", steps).put("train_loss", Timing.round(result.summary().trainLoss()));
        System.out.println(o);
    }
}
