package dev.selfee.spa.train;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * {@link SftTrainer} with the model on a {@link Backend}: the same steps, loss (completion-token
 * cross-entropy normalised by the step's token count) and metrics, with forward, backward and
 * AdamW run by a {@link DeviceLlama}; per-sequence log-prob sums are all that come back per
 * micro-batch. The model ends holding the trained weights. Checkpoints ({@code saveSteps}) are the
 * CPU trainer's, so a run resumes on either backend. LoRA adapters train there too; SGD is refused
 * with a message pointing to {@code --backend cpu}.
 */
public final class DeviceSftTrainer {
    private DeviceSftTrainer() {}

    /**
     * Throws, naming the feature and {@code --backend cpu}, when the options ask for what a device
     * does not run (an optimizer other than AdamW); commands call it before any work. LoRA adapters
     * train on a device ({@link DeviceLlama}).
     */
    public static void requireSupported(TrainingOptions o, Backend backend) {
        if (o.optimizer() != TrainingOptions.OptimizerType.ADAMW) {
            throw new UnsupportedOperationException("the " + o.optimizer().name().toLowerCase(Locale.ROOT) + " optimizer is not supported on the "
                    + backend.name() + " backend; use --backend cpu");
        }
    }

    public static SftTrainer.Result train(LlamaModel model, List<TokenizedExample> examples, TrainingOptions o, Path workDir, MetricsSink metrics,
                                          Progress progress, Backend backend) {
        DpoTrainer.requireNonEmpty(examples);
        SftTrainer.checkVocab(model, examples);
        requireSupported(o, backend);
        if (metrics == null) metrics = MetricsSink.NONE;
        long start = System.nanoTime();
        TrainingPlan plan = new TrainingPlan(examples.size(), o);
        int total = plan.totalSteps();
        try (DeviceLlama device = DeviceLlama.upload(model, backend)) {
            DeviceOptimizer optimizer = new DeviceOptimizer(device, model, o, total);
            // the CPU trainer's fingerprint, so a checkpoint resumes on either backend
            String fingerprint = o.saveSteps() > 0 ? SftTrainer.fingerprint(o, examples, model, SftTrainer.loraKey(model)) : null;
            TrainingCheckpoint.State resumed = o.saveSteps() > 0 ? optimizer.resume(workDir, fingerprint) : null;
            int done = resumed == null ? 0 : resumed.step();
            StepLog log = new StepLog(metrics, progress, total, o.saveSteps(), resumed);
            for (TrainingPlan.Step step : plan.steps().subList(done, total)) {
                double lr = optimizer.learningRate();
                List<int[]> micro = step.microBatches();
                long stepTokens = SftTrainer.completionTokens(examples, micro);
                double nll = 0;
                OptionalDouble norm = OptionalDouble.empty();
                for (int m = 0; m < micro.size(); m++) {
                    int[] idx = micro.get(m);
                    float[] logps = device.sequenceLogProbs(SftTrainer.batch(examples, idx));
                    double part = 0;
                    for (float v : logps) part -= v;
                    if (!Double.isFinite(part)) throw DeviceDpoTrainer.divergedAt(device, model, workDir, step.number() + 1, "the loss is " + part / stepTokens);
                    nll += part;
                    float[] g = new float[idx.length];
                    Arrays.fill(g, SftTrainer.logProbGradient(micro.size(), stepTokens));
                    device.backward(g);
                    try {
                        norm = optimizer.afterBackward();
                        if (m == micro.size() - 1 && norm.isEmpty()) norm = optimizer.flush();
                    } catch (ArithmeticException e) {
                        throw DeviceDpoTrainer.divergedAt(device, model, workDir, step.number() + 1, "the gradient norm is not finite (" + e.getMessage() + ")");
                    }
                }
                double loss = nll / stepTokens;
                if (log.record(step, loss, norm, lr, null, String.format(Locale.ROOT, "loss %.4f", loss))) {
                    optimizer.save(workDir, fingerprint, log.checkpoint(step, new double[0]));
                }
            }
            device.downloadInto(model);
            if (o.saveSteps() > 0) TrainingCheckpoint.delete(workDir);
            return new SftTrainer.Result(model, log.summary(start));
        }
    }
}
