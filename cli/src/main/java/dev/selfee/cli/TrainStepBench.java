package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.TensorPool;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.engine.ops.CrossEntropy;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraConfig;
import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.engine.optim.AdamW;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selfee bench train-step}: tokens per second of forward + backward + AdamW on a random model. */
@Command(name = "train-step", mixinStandardHelpOptions = true,
        description = "Language-model training step (mean token cross-entropy, backward, AdamW) on a random model of a config.json; "
                + "compare with tools/bench_train_step_torch.py. With --backend opencl the step runs on the device (weights uploaded once).")
final class TrainStepBench implements Runnable {
    @Option(names = "--config", required = true, description = "an HF config.json") Path config;
    @Option(names = "--batch-size", defaultValue = "4", description = "(default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--seq-len", defaultValue = "128", description = "(default ${DEFAULT-VALUE})") int seqLen;
    @Option(names = "--steps", defaultValue = "5", description = "timed steps after 2 warm-up steps; the median is reported (default ${DEFAULT-VALUE})") int steps;
    @Option(names = "--gradient-checkpointing", description = "recompute layers in backward") boolean checkpointing;
    @Option(names = "--threads", description = "worker threads (default: all cores)") Integer threads;
    @Option(names = "--lora-r", defaultValue = "0", description = "train LoRA adapters of this rank only (default ${DEFAULT-VALUE}: every weight)") int loraR;
    @Option(names = "--lora-target-modules", defaultValue = "q_proj,v_proj", description = "LoRA targets or all-linear (default ${DEFAULT-VALUE})") String loraTargets;
    @Mixin BackendFlags backendFlags;

    @Override
    public void run() {
        if (batchSize <= 0 || seqLen <= 1 || steps <= 0) throw new IllegalArgumentException("--batch-size and --steps must be positive and --seq-len > 1");
        if (threads != null) Parallel.setThreads(threads);
        LlamaConfig c = LlamaConfig.read(config);
        LlamaModel m = LlamaModel.random(c, 0).gradientCheckpointing(checkpointing);
        if (loraR > 0) m.attachLora(LoraConfig.of(loraR, 2 * loraR, loraTargets), 0);
        List<Parameter> trainable = m.trainableParameters();
        long trainableCount = 0;
        for (Parameter p : trainable) trainableCount += p.value().size();
        AdamW opt = new AdamW(trainable, 1e-4);
        for (Parameter p : trainable) p.releaseGrad(null); // allocated again by backward, from released activations
        SplittableRandom r = new SplittableRandom(1);
        List<int[]> prompts = new ArrayList<>(), rest = new ArrayList<>();
        for (int b = 0; b < batchSize; b++) {
            prompts.add(new int[] {r.nextInt(c.vocabSize())});
            rest.add(r.ints(seqLen - 1, 0, c.vocabSize()).toArray());
        }
        SequenceBatch batch = SequenceBatch.of(prompts, rest); // every next token is a target: plain LM loss
        Backend device = backendFlags.offload();
        if (device != null) {
            onDevice(device, m, batch, trainableCount);
            return;
        }
        double[] times = new double[steps];
        float loss = 0;
        TensorPool pool = new TensorPool(); // activations and gradients, reused from step to step as the trainers do
        try (Tape tape = Tape.start(pool)) {
            for (int i = -2; i < steps; i++) {
                long t0 = System.nanoTime();
                try (var _ = pool.use()) {
                    Var l = m.meanTokenLoss(batch);
                    loss = l.item();
                    tape.backward(l);
                }
                opt.step();
                for (Parameter p : trainable) p.releaseGrad(pool); // torch's zero_grad(set_to_none=True): the next backward starts from zeros
                if (i >= 0) times[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        double median = Timing.median(times);

        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("op", "train_step").put("backend", "cpu").put("params", m.parameterCount()).put("batch_size", batchSize).put("seq_len", seqLen)
                .put("gradient_checkpointing", checkpointing).put("threads", Parallel.threads())
                .put("lora_r", loraR).put("trainable_params", trainableCount)
                .put("grad_and_adam_state_mb", Timing.round(trainableCount * 12 / 1e6)) // fp32 gradient + two moments per trainable value
                .put("heap_peak_mb", Timing.round(heapPeak() / 1e6))
                .put("tokens_per_s", Timing.round(batchSize * seqLen / median)).put("s_median", Timing.round(median))
                .put("loss", Timing.round6(loss)).put("steps", steps);
        System.out.println(o);
    }

    /** The same step on a device: forward, cross-entropy and backward by {@link DeviceLlama}, AdamW over its parameter arena. */
    private void onDevice(Backend be, LlamaModel m, SequenceBatch batch, long trainable) {
        int counted = 0;
        for (int t : batch.targets()) if (t != CrossEntropy.IGNORE_INDEX) counted++;
        float[] dlogp = new float[batchSize];
        Arrays.fill(dlogp, -1f / counted);
        double[] times = new double[steps];
        double loss = 0;
        try (DeviceLlama d = DeviceLlama.upload(m, be)) {
            for (int i = -2; i < steps; i++) {
                long t0 = System.nanoTime();
                float[] lp = d.sequenceLogProbs(batch);
                d.backward(dlogp);
                d.adamw(1e-4, 0.9, 0.999, 1e-8, 0.01, name -> false, i + 3);
                d.zeroGrad();
                d.synchronize();
                if (i >= 0) times[i] = (System.nanoTime() - t0) / 1e9;
                loss = 0;
                for (float v : lp) loss -= v / counted;
            }
        }
        double median = Timing.median(times);
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("op", "train_step").put("backend", be.name()).put("device", be.deviceDescription()).put("params", m.parameterCount())
                .put("batch_size", batchSize).put("seq_len", seqLen)
                .put("lora_r", loraR).put("trainable_params", trainable)
                // fp32 weights; gradients and two moments for what trains
                .put("device_state_mb", Timing.round((m.parameterCount() * 4 + trainable * 12) / 1e6))
                .put("tokens_per_s", Timing.round(batchSize * seqLen / median)).put("s_median", Timing.round(median))
                .put("loss", Timing.round6(loss)).put("steps", steps);
        System.out.println(o);
    }

    /** The JVM's peak heap use so far (summed over its heap pools): weights, gradients, optimiser state and activations. */
    private static long heapPeak() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
        return peak;
    }
}
