package dev.selfee.spa.train;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import dev.selfee.spa.loss.PreferenceLoss;
import dev.selfee.spa.loss.SpaRefinement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * <p>Not on a device (each refused with a message pointing to {@code --backend cpu}): LoRA and SGD.
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
    private final SpaRefinement refinement;

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
        this.refinement = o.loss() == PreferenceLoss.Type.SPA ? o.refinement() : null;
    }

    /**
     * Trains {@code policy} on {@code backend} with precomputed reference log-probs (by pair index);
     * the policy ends holding the trained weights. {@code referenceModel} may be null unless
     * {@link DpoOptions#needsReferenceModel()} (SPA with DND): it is then uploaded too, frozen.
     */
    public static DpoTrainer.Result train(LlamaModel policy, ReferenceLogps ref, LlamaModel referenceModel, List<TokenizedPair> pairs, DpoOptions options,
                                          Path workDir, MetricsSink metrics, Progress progress, Backend backend) {
        DpoTrainer.requireNonEmpty(pairs);
        DpoTrainer.checkVocab(policy, pairs);
        if (ref.chosen().length != pairs.size() || ref.rejected().length != pairs.size()) {
            throw new IllegalArgumentException("reference log-probs cover " + ref.chosen().length + " pairs but the dataset has " + pairs.size());
        }
        for (int i = 0; i < pairs.size(); i++) {
            if (pairs.get(i).index() != i) throw new IllegalArgumentException("pair at position " + i + " has index " + pairs.get(i).index() + "; indices must be 0..n-1 in order");
        }
        requireSupported(options, policy.lora() != null, backend);
        if (options.needsReferenceModel()) {
            if (referenceModel == null) throw new IllegalArgumentException("the SPA loss with lambda > 0 needs the reference model itself (DND extrapolates its logits)");
            if (referenceModel == policy) throw new IllegalArgumentException("the reference model must be a separate copy: the policy changes during training");
            if (referenceModel.config().vocabSize() != policy.config().vocabSize()) {
                throw new IllegalArgumentException("the reference model (vocab " + referenceModel.config().vocabSize() + ") and the policy (vocab "
                        + policy.config().vocabSize() + ") must share a vocabulary");
            }
        }
        LlamaModel refModel = options.needsReferenceModel() ? referenceModel : null;
        try (DeviceLlama device = DeviceLlama.upload(policy, backend);
             DeviceLlama refDevice = refModel == null ? null : DeviceLlama.uploadFrozen(refModel, backend)) {
            return new DeviceDpoTrainer(device, refDevice, policy, refModel, ref, pairs, options, workDir).run(metrics == null ? MetricsSink.NONE : metrics, progress);
        }
    }

    /**
     * Throws, naming the feature and {@code --backend cpu}, when {@code options} (or LoRA adapters)
     * ask for what a device does not run; commands call it before any work.
     */
    public static void requireSupported(DpoOptions options, boolean lora, Backend backend) {
        DeviceSftTrainer.requireSupported(options.training(), lora, backend);
    }

    private DpoTrainer.Result run(MetricsSink metrics, Progress progress) {
        long start = System.nanoTime();
        TrainingPlan plan = new TrainingPlan(pairs.size(), o.training());
        int total = plan.totalSteps();
        int saveSteps = o.training().saveSteps();
        DeviceOptimizer optimizer = new DeviceOptimizer(device, policy, o.training(), total);
        String fingerprint = saveSteps > 0 ? fingerprint() : null;
        TrainingCheckpoint.State resumed = saveSteps > 0 ? optimizer.resume(workDir, fingerprint) : null;
        int done = resumed == null ? 0 : resumed.step();
        double lossSum = resumed == null ? 0 : resumed.lossSum();
        if (resumed != null && refinement != null) refinement.threshold().restore(resumed.spaWindow());
        metrics.resumeAt(done);
        Map<String, Object> last = Map.of();
        double epoch = 0;
        try (MetricsFile pairLog = refinement == null ? null : new MetricsFile(workDir.resolve(DpoTrainer.PAIRS_FILE))) {
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
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", step.number() + 1);
                row.put("epoch", step.epoch());
                row.put("loss", avg.mean("loss"));
                row.put("grad_norm", norm.orElse(Double.NaN));
                row.put("learning_rate", lr);
                avg.into(row);
                if (refinement != null) row.put("spa/lambda", o.spaLambda());
                metrics.record(row);
                lossSum += avg.mean("loss");
                last = row;
                epoch = step.epoch();
                if (progress != null) progress.update(step.number() + 1, String.format(Locale.ROOT, "loss %.4f acc %.2f", avg.mean("loss"), avg.mean("rewards/accuracies")));
                int stepsDone = step.number() + 1;
                if (saveSteps > 0 && stepsDone % saveSteps == 0 && stepsDone < total) {
                    double[] window = refinement == null ? new double[0] : refinement.threshold().snapshot();
                    optimizer.save(workDir, fingerprint, new TrainingCheckpoint.State(stepsDone, lossSum, window));
                }
            }
        }
        device.downloadInto(policy);
        if (saveSteps > 0) TrainingCheckpoint.delete(workDir);
        return new DpoTrainer.Result(policy, new TrainingSummary(total, epoch, lossSum / total, last, (System.nanoTime() - start) / 1e9));
    }

    /** The CPU trainer's fingerprint of this run (no reference model, no LoRA on a device): a checkpoint resumes on either backend. */
    private String fingerprint() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * ref.chosen().length);
        for (int i = 0; i < ref.chosen().length; i++) b.putFloat(ref.chosen()[i]).putFloat(ref.rejected()[i]);
        return TrainingCheckpoint.fingerprint("dpo", o.toString(), ReferenceLogps.dataHash(pairs), ReferenceLogps.modelHash(policy),
                java.util.HexFormat.of().formatHex(b.array()), referenceModel == null ? "" : ReferenceLogps.modelHash(referenceModel), "");
    }

    /** Forward on the device, the loss on the host, the backward on the device; adds the micro-batch's metrics to {@code avg}. */
    private void microBatch(TrainingPlan.Step step, int[] idx, int total, StepAverages avg, MetricsFile pairLog) {
        int b = idx.length;
        List<int[]> prompts = new ArrayList<>(2 * b), completions = new ArrayList<>(2 * b);
        for (int i : idx) {
            prompts.add(pairs.get(i).prompt());
            completions.add(pairs.get(i).chosen());
        }
        for (int i : idx) {
            prompts.add(pairs.get(i).prompt());
            completions.add(pairs.get(i).rejected());
        }
        SequenceBatch batch = SequenceBatch.of(prompts, completions);
        float[] lp = device.sequenceLogProbs(batch);

        SpaRefinement.Decision decision = null;
        double[] margins = null;
        if (refinement != null) { // DND: λ = 0 uses the policy's own log-probs, else the extrapolation against the reference
            float[] g = lp;
            if (referenceDevice != null) {
                referenceDevice.sequenceLogProbs(batch);
                g = device.extrapolatedLogProbs(referenceDevice, o.spaLambda());
            }
            margins = new double[b];
            for (int k = 0; k < b; k++) margins[k] = refinement.margin(g[k], g[b + k], ref.chosen()[idx[k]], ref.rejected()[idx[k]]);
            decision = refinement.decide(margins, step.number(), total);
        }

        float[] grad = new float[2 * b];
        double loss = 0, rc = 0, rr = 0, acc = 0, lc = 0, lr = 0;
        for (int k = 0; k < b; k++) {
            TokenizedPair t = pairs.get(idx[k]);
            PreferenceLoss.Pair p = new PreferenceLoss.Pair(lp[k], lp[b + k], ref.chosen()[t.index()], ref.rejected()[t.index()],
                    t.chosen().length, t.rejected().length);
            PreferenceLoss.Value v = switch (o.loss()) {
                case SIGMOID -> PreferenceLoss.smoothed(p, o.beta(), 0);
                case CDPO -> PreferenceLoss.smoothed(p, o.beta(), o.labelSmoothing());
                case IPO -> PreferenceLoss.ipo(p, o.beta());
                case SPA -> PreferenceLoss.spa(p, o.beta(), decision.alpha(), decision.confident()[k]);
            };
            loss += v.loss();
            grad[k] = (float) (v.dChosen() / b);
            grad[b + k] = (float) (v.dRejected() / b);
            double chosenReward = o.beta() * (p.policyChosen() - p.refChosen()), rejectedReward = o.beta() * (p.policyRejected() - p.refRejected());
            rc += chosenReward;
            rr += rejectedReward;
            acc += chosenReward > rejectedReward ? 1 : 0;
            lc += p.policyChosen();
            lr += p.policyRejected();
        }
        loss /= b;
        if (!Double.isFinite(loss)) throw diverged(step.number() + 1, "the loss is " + loss);
        device.backward(grad);
        avg.add("loss", loss);
        avg.add("rewards/chosen", rc / b);
        avg.add("rewards/rejected", rr / b);
        avg.add("rewards/accuracies", acc / b);
        avg.add("rewards/margins", (rc - rr) / b);
        avg.add("logps/chosen", lc / b);
        avg.add("logps/rejected", lr / b);
        if (decision != null) {
            avg.add("spa/threshold", decision.threshold());
            avg.add("spa/confident_fraction", decision.confidentFraction());
            avg.add("spa/alpha", decision.alpha());
            for (int k = 0; k < b; k++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("index", idx[k]);
                row.put("step", step.number() + 1);
                row.put("margin", margins[k]);
                row.put("threshold", decision.threshold());
                row.put("confident", decision.confident()[k]);
                row.put("alpha", decision.alpha());
                pairLog.record(row);
            }
        }
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
