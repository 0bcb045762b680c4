package dev.selfee.spa.train;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import dev.selfee.spa.loss.PreferenceLoss;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * {@link DpoTrainer} with the policy on a {@link Backend}: the same micro-batches (chosen rows,
 * then rejected), losses, metrics and files, with the model's forward, backward and AdamW run by a
 * {@link DeviceLlama}. Only each row's summed log-prob comes back to the host, where the preference
 * loss and its gradients are computed ({@link PreferenceLoss}) and sent back for the backward.
 * When training ends, or diverges, the device's weights are copied back into the policy.
 *
 * Checkpoints ({@code saveSteps}) are the CPU trainer's, so a run resumes on either backend.
 *
 * For SPA with DND (λ &gt; 0) the reference model is uploaded too (without gradients) and the
 * extrapolated log-probs are formed on the device ({@link DeviceLlama#extrapolatedLogProbs}).
 *
 * <p>A LoRA policy trains its adapters only; its reference, uploaded without adapters, is its base.
 * Not on a device (refused with a message pointing to {@code --backend cpu}): SGD.
 */
public final class DeviceDpoTrainer {
    private final DeviceLlama device;
    /** The reference on the device, for SPA's DND (λ &gt; 0); else null. */
    private final DeviceLlama referenceDevice;
    private final LlamaModel policy, referenceModel;
    private final ReferenceLogps ref;
    private final List<TokenizedPair> pairs;
    private final DpoOptions o;
    private final Path workDir;
    private final PreferenceBatchLoss loss;

    private DeviceDpoTrainer(DeviceLlama device, DeviceLlama referenceDevice, LlamaModel policy, LlamaModel referenceModel, ReferenceLogps ref,
                             List<TokenizedPair> pairs, DpoOptions o, Path workDir) {
        this.device = device;
        this.referenceDevice = referenceDevice;
        this.policy = policy;
        this.referenceModel = referenceModel;
        this.ref = ref;
        this.pairs = pairs;
        this.o = o;
        this.workDir = workDir;
        this.loss = new PreferenceBatchLoss(o, pairs, ref);
    }

    /**
     * Trains {@code policy} on {@code backend} with precomputed reference log-probs (by pair index);
     * the policy ends holding the trained weights. {@code referenceModel} may be null unless
     * {@link DpoOptions#needsReferenceModel()} (SPA with DND): it is then uploaded too, frozen.
     */
    public static DpoTrainer.Result train(LlamaModel policy, ReferenceLogps ref, LlamaModel referenceModel, List<TokenizedPair> pairs, DpoOptions options,
                                          Path workDir, MetricsSink metrics, Progress progress, Backend backend) {
        DpoTrainer.checkData(policy, ref, pairs);
        requireSupported(options, backend);
        if (options.needsReferenceModel()) {
            if (referenceModel == null) throw new IllegalArgumentException("the SPA loss with lambda > 0 needs the reference model itself (DND extrapolates its logits)");
            if (referenceModel == policy && policy.lora() == null) {
                throw new IllegalArgumentException("the reference model must be a separate copy (or the LoRA policy itself): the policy changes during training");
            }
            if (referenceModel.config().vocabSize() != policy.config().vocabSize()) {
                throw new IllegalArgumentException("the reference model (vocab " + referenceModel.config().vocabSize() + ") and the policy (vocab "
                        + policy.config().vocabSize() + ") must share a vocabulary");
            }
        }
        LlamaModel refModel = options.needsReferenceModel() ? referenceModel : null;
        try (DeviceLlama device = DeviceLlama.upload(policy, backend);
             // the reference is a base model, as on the CPU: a LoRA policy's own base, or a separate model without adapters
             DeviceLlama refDevice = refModel == null ? null : DeviceLlama.uploadBase(refModel, backend)) {
            return new DeviceDpoTrainer(device, refDevice, policy, refModel, ref, pairs, options, workDir).run(metrics == null ? MetricsSink.NONE : metrics, progress);
        }
    }

    /**
     * Throws, naming the feature and {@code --backend cpu}, when {@code options} ask for what a
     * device does not run; commands call it before any work.
     */
    public static void requireSupported(DpoOptions options, Backend backend) {
        DeviceSftTrainer.requireSupported(options.training(), backend);
    }

    private DpoTrainer.Result run(MetricsSink metrics, Progress progress) {
        long start = System.nanoTime();
        TrainingPlan plan = new TrainingPlan(pairs.size(), o.training());
        int total = plan.totalSteps();
        int saveSteps = o.training().saveSteps();
        DeviceOptimizer optimizer = new DeviceOptimizer(device, policy, o.training(), total);
        // the CPU trainer's fingerprint, so a checkpoint resumes on either backend
        String fingerprint = saveSteps > 0 ? DpoTrainer.fingerprint(o, pairs, ref, policy, referenceModel, SftTrainer.loraKey(policy)) : null;
        TrainingCheckpoint.State resumed = saveSteps > 0 ? optimizer.resume(workDir, fingerprint) : null;
        int done = resumed == null ? 0 : resumed.step();
        loss.resume(resumed);
        StepLog log = new StepLog(metrics, progress, total, saveSteps, resumed);
        try (MetricsFile pairLog = loss.refinement() == null ? null : new MetricsFile(workDir.resolve(DpoTrainer.PAIRS_FILE))) {
            if (pairLog != null) pairLog.resumeAt(done);
            for (TrainingPlan.Step step : plan.steps().subList(done, total)) {
                double lr = optimizer.learningRate();
                StepAverages avg = new StepAverages();
                OptionalDouble norm = OptionalDouble.empty();
                for (int m = 0; m < step.microBatches().size(); m++) {
                    microBatch(step, step.microBatches().get(m), total, avg, pairLog);
                    try {
                        norm = optimizer.afterBackward();
                        if (m == step.microBatches().size() - 1 && norm.isEmpty()) norm = optimizer.flush();
                    } catch (ArithmeticException e) {
                        throw diverged(step.number() + 1, "the gradient norm is not finite (" + e.getMessage() + ")");
                    }
                }
                if (loss.recordStep(log, step, avg, norm, lr)) optimizer.save(workDir, fingerprint, loss.checkpoint(log, step));
            }
        }
        device.downloadInto(policy);
        if (saveSteps > 0) TrainingCheckpoint.delete(workDir);
        return new DpoTrainer.Result(policy, log.summary(start));
    }

    /** Forward on the device, the loss on the host, the backward on the device; adds the micro-batch's metrics to {@code avg}. */
    private void microBatch(TrainingPlan.Step step, int[] idx, int total, StepAverages avg, MetricsFile pairLog) {
        SequenceBatch batch = loss.batch(idx);
        float[] lp = device.sequenceLogProbs(batch);
        PreferenceBatchLoss.Value v = loss.compute(idx, lp, () -> extrapolated(batch, lp), step, total);
        if (!Double.isFinite(v.loss())) throw diverged(step.number() + 1, "the loss is " + v.loss());
        device.backward(v.grad());
        v.record(avg, pairLog);
    }

    /** DND's log-probs: λ = 0 uses the policy's own log-probs, else the extrapolation against the reference, formed on the device. */
    private double[] extrapolated(SequenceBatch batch, float[] lp) {
        if (referenceDevice == null) return PreferenceBatchLoss.widen(lp);
        referenceDevice.sequenceLogProbs(batch);
        return PreferenceBatchLoss.widen(device.extrapolatedLogProbs(referenceDevice, o.spaLambda()));
    }

    /** Saves the weights from before the failing step (the device updated nothing) and builds the error. */
    private TrainingDivergedException diverged(int step, String what) {
        return divergedAt(device, policy, workDir, step, what);
    }

    static TrainingDivergedException divergedAt(DeviceLlama device, LlamaModel model, Path workDir, int step, String what) {
        Path dir = workDir.resolve(DpoTrainer.LAST_GOOD_DIR);
        device.downloadInto(model);
        ModelOutput.save(model, dir, null, null);
        return new TrainingDivergedException(step, what, dir);
    }
}
