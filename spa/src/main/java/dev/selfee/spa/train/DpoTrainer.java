package dev.selfee.spa.train;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.engine.ops.LmHeadLogProbs;
import dev.selfee.engine.optim.GradientAccumulation;
import dev.selfee.engine.optim.Optimizer;
import dev.selfee.spa.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Direct preference optimisation of a policy against a reference, with TRL's losses and metrics
 * and SPA's refined loss. Each micro-batch runs the chosen and the rejected completions through
 * the policy as one batch (chosen rows first, as TRL concatenates them); the reference enters only
 * through log-probs precomputed once per dataset ({@link ReferenceLogps}), except for SPA with
 * DND (λ > 0), whose extrapolated logits need the reference's logits for the same batch: the
 * reference model then runs alongside, without gradients. With LoRA adapters on the policy the
 * reference can be the policy itself: it then runs with its adapters disabled (TRL with PEFT),
 * so no second copy of the weights is held.
 *
 * <p>Files in {@code workDir}: {@value ReferenceLogps#FILE} (the reference cache, reused when it
 * matches), {@value #PAIRS_FILE} for SPA (each pair's DND margin, the threshold and its confidence
 * flag, per visit), {@value TrainingCheckpoint#DIR}/ every {@code saveSteps} steps (a run given
 * the same inputs resumes from it; removed when training ends) and {@value #LAST_GOOD_DIR}/ when
 * training diverges.
 */
public final class DpoTrainer {
    public static final String PAIRS_FILE = "pairs_refinement.jsonl";
    public static final String LAST_GOOD_DIR = "last-good";

    /** The trained policy (the same object as given, trained in place) and what training did. */
    public record Result(LlamaModel model, TrainingSummary summary) {}

    private final LlamaModel policy;
    private final ReferenceLogps ref;
    private final LlamaModel referenceModel;
    private final List<TokenizedPair> pairs;
    private final DpoOptions o;
    private final Path workDir;
    private final PreferenceBatchLoss loss;

    private DpoTrainer(LlamaModel policy, ReferenceLogps ref, LlamaModel referenceModel, List<TokenizedPair> pairs, DpoOptions o, Path workDir) {
        this.policy = policy;
        this.ref = ref;
        this.referenceModel = referenceModel;
        this.pairs = pairs;
        this.o = o;
        this.workDir = workDir;
        this.loss = new PreferenceBatchLoss(o, pairs, ref);
    }

    /**
     * Trains {@code policy} against {@code reference}: its log-probs are taken from the cache in
     * {@code workDir} or computed there first; the model itself is used during training only when
     * {@link DpoOptions#needsReferenceModel()} (then it must be a different object than the policy).
     */
    public static Result train(LlamaModel policy, LlamaModel reference, List<TokenizedPair> pairs, DpoOptions options, Path workDir,
                               MetricsSink metrics, Progress progress) {
        requireNonEmpty(pairs);
        checkVocab(policy, pairs);
        Progress scoring = progress == null ? null : Progress.onStderr("reference log-probs", pairs.size());
        ReferenceLogps ref = ReferenceLogps.cached(reference, pairs, options.training().batchSize(), workDir.resolve(ReferenceLogps.FILE), scoring);
        return train(policy, ref, options.needsReferenceModel() ? reference : null, pairs, options, workDir, metrics, progress);
    }

    /**
     * Trains {@code policy} with precomputed reference log-probs (by pair index); {@code referenceModel}
     * may be null unless {@link DpoOptions#needsReferenceModel()}.
     */
    public static Result train(LlamaModel policy, ReferenceLogps ref, LlamaModel referenceModel, List<TokenizedPair> pairs, DpoOptions options,
                               Path workDir, MetricsSink metrics, Progress progress) {
        checkData(policy, ref, pairs);
        if (options.needsReferenceModel()) {
            if (referenceModel == null) throw new IllegalArgumentException("the SPA loss with lambda > 0 needs the reference model itself (DND extrapolates its logits)");
            if (referenceModel == policy && policy.lora() == null) {
                throw new IllegalArgumentException("the reference model must be a separate copy (or the policy with LoRA adapters, disabled for it): the policy changes during training");
            }
            if (referenceModel.config().vocabSize() != policy.config().vocabSize() || referenceModel.config().hiddenSize() != policy.config().hiddenSize()) {
                throw new IllegalArgumentException("the reference model (vocab " + referenceModel.config().vocabSize() + ") and the policy (vocab "
                        + policy.config().vocabSize() + ") must share a vocabulary");
            }
        }
        return new DpoTrainer(policy, ref, options.needsReferenceModel() ? referenceModel : null, pairs, options, workDir)
                .run(metrics == null ? MetricsSink.NONE : metrics, progress);
    }

    /** The checks of both backends' trainers on the data: not empty, in the model's vocabulary, indexed 0..n-1, all with reference log-probs. */
    static void checkData(LlamaModel policy, ReferenceLogps ref, List<TokenizedPair> pairs) {
        requireNonEmpty(pairs);
        checkVocab(policy, pairs);
        if (ref.chosen().length != pairs.size() || ref.rejected().length != pairs.size()) {
            throw new IllegalArgumentException("reference log-probs cover " + ref.chosen().length + " pairs but the dataset has " + pairs.size());
        }
        for (int i = 0; i < pairs.size(); i++) {
            if (pairs.get(i).index() != i) throw new IllegalArgumentException("pair at position " + i + " has index " + pairs.get(i).index() + "; indices must be 0..n-1 in order");
        }
    }

    static void requireNonEmpty(List<?> data) {
        if (data.isEmpty()) throw new IllegalArgumentException("the dataset is empty: nothing to train on");
    }

    /** Every id must index the model's embeddings: a tokenizer larger than the model is refused here, naming the pair. */
    static void checkVocab(LlamaModel model, List<TokenizedPair> pairs) {
        int vocab = model.config().vocabSize();
        for (TokenizedPair p : pairs) {
            for (int[] ids : new int[][] {p.prompt(), p.chosen(), p.rejected()}) {
                for (int id : ids) {
                    if (id < 0 || id >= vocab) {
                        throw new IllegalArgumentException("pair " + p.index() + ": token id " + id + " is outside the model's vocabulary [0, " + vocab
                                + "); the tokenizer does not match the model");
                    }
                }
            }
        }
    }

    private Result run(MetricsSink metrics, Progress progress) {
        long start = System.nanoTime();
        TrainingPlan plan = new TrainingPlan(pairs.size(), o.training());
        int total = plan.totalSteps(), saveSteps = o.training().saveSteps();
        List<Parameter> params = policy.trainableParameters();
        Optimizer optimizer = o.training().optimizer(params, total);
        TensorPool pool = new TensorPool(); // activations and gradients, reused from step to step
        // stepped: until the next backward, activations may use the gradients' memory
        GradientAccumulation accumulation = new GradientAccumulation(optimizer, o.training().gradientAccumulationSteps(), o.training().maxGradNorm())
                .clearingWith(() -> params.forEach(p -> p.releaseGrad(pool)));
        String fingerprint = saveSteps > 0 ? fingerprint(o, pairs, ref, policy, referenceModel, SftTrainer.loraKey(policy)) : null;
        TrainingCheckpoint.State resumed = saveSteps > 0 ? TrainingCheckpoint.resume(workDir, fingerprint, policy, optimizer) : null;
        int done = resumed == null ? 0 : resumed.step();
        loss.resume(resumed);
        StepLog log = new StepLog(metrics, progress, total, saveSteps, resumed);
        for (Parameter p : params) p.releaseGrad(null); // the first backward takes them from released activations
        try (Tape tape = Tape.start(pool); MetricsFile pairLog = loss.refinement() == null ? null : new MetricsFile(workDir.resolve(PAIRS_FILE))) {
            if (pairLog != null) pairLog.resumeAt(done);
            for (TrainingPlan.Step step : plan.steps().subList(done, total)) {
                double lr = optimizer.learningRate();
                StepAverages avg = new StepAverages();
                OptionalDouble norm = OptionalDouble.empty();
                for (int m = 0; m < step.microBatches().size(); m++) {
                    microBatch(tape, pool, step, step.microBatches().get(m), total, avg, pairLog);
                    try {
                        norm = accumulation.afterBackward();
                        if (m == step.microBatches().size() - 1 && norm.isEmpty()) norm = accumulation.flush();
                    } catch (ArithmeticException e) {
                        throw diverged(step.number() + 1, "the gradient norm is not finite (" + e.getMessage() + ")");
                    }
                }
                if (loss.recordStep(log, step, avg, norm, lr)) TrainingCheckpoint.save(workDir, fingerprint, policy, optimizer, loss.checkpoint(log, step));
            }
        }
        if (saveSteps > 0) TrainingCheckpoint.delete(workDir);
        return new Result(policy, log.summary(start));
    }

    /**
     * What identifies a run for resuming: the options, the data, the starting weights and the
     * reference ({@code loraKey} empty without adapters); the same on both backends, so a checkpoint resumes on either.
     */
    static String fingerprint(DpoOptions o, List<TokenizedPair> pairs, ReferenceLogps ref, LlamaModel policy, LlamaModel referenceModel, String loraKey) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * ref.chosen().length);
        for (int i = 0; i < ref.chosen().length; i++) b.putFloat(ref.chosen()[i]).putFloat(ref.rejected()[i]);
        return TrainingCheckpoint.fingerprint("dpo", o.toString(), ReferenceLogps.dataHash(pairs), ReferenceLogps.modelHash(policy),
                java.util.HexFormat.of().formatHex(b.array()), referenceModel == null ? "" : ReferenceLogps.modelHash(referenceModel), loraKey);
    }

    /** Forward, loss and backward of one micro-batch of pairs; adds its metrics to {@code avg}. */
    private void microBatch(Tape tape, TensorPool pool, TrainingPlan.Step step, int[] idx, int total, StepAverages avg, MetricsFile pairLog) {
        SequenceBatch batch = loss.batch(idx);
        // activations come from the pool and go back to it during backward (nothing reads them after)
        TensorPool.Scope scope = pool.use();
        try {
            Var hidden = policy.hiddenForTargets(batch.ids(), batch.mask(), batch.batch(), batch.seq());
            Var logps = LmHeadLogProbs.apply(hidden, policy.lmHead(), batch.targets(), null);
            float[] lp = logps.value().toArray();
            PreferenceBatchLoss.Value v = loss.compute(idx, lp, () -> extrapolated(batch, hidden, lp), step, total);
            if (!Double.isFinite(v.loss())) {
                tape.clear();
                scope.close();
                throw diverged(step.number() + 1, "the loss is " + v.loss());
            }
            tape.backward(logps, Tensor.of(v.grad(), v.grad().length));
            v.record(avg, pairLog);
        } finally {
            scope.close();
        }
    }

    /** log p_g of every row: the policy's own log-probs when λ = 0, else DND's extrapolation against the reference. */
    private double[] extrapolated(SequenceBatch batch, Var hidden, float[] lp) {
        if (referenceModel == null) return PreferenceBatchLoss.widen(lp);
        try (NoGrad _ = NoGrad.enter(); var _ = ReferenceLogps.asBase(referenceModel)) {
            Var refHidden = referenceModel.hiddenForTargets(batch.ids(), batch.mask(), batch.batch(), batch.seq());
            return ExtrapolatedLogProbs.compute(hidden.value(), policy.lmHead().value(), refHidden.value(), referenceModel.lmHead().value(),
                    batch.targets(), o.spaLambda());
        }
    }

    /** Saves the parameters as they were before the failing step (nothing was updated) and builds the error. */
    private TrainingDivergedException diverged(int step, String what) {
        Path dir = workDir.resolve(LAST_GOOD_DIR);
        policy.zeroGrad();
        ModelOutput.save(policy, dir, null, null);
        return new TrainingDivergedException(step, what, dir);
    }
}
