package dev.selfee.spa.train;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Supervised fine-tuning on completions only: the loss of an optimiser step is the mean negative
 * log-likelihood of the completion tokens of all its micro-batches (prompt tokens carry HF's
 * ignore index) — cross-entropy normalised by the step's token count, as transformers does under
 * gradient accumulation ({@code num_items_in_batch}) — computed fused with the LM head so
 * [batch, seq, vocab] logits are never held. With {@code saveSteps} it checkpoints into
 * {@code workDir}/{@value TrainingCheckpoint#DIR} and resumes from there when run again on the same
 * inputs. When training diverges the model from before the failing step is saved
 * in {@code workDir}/{@value DpoTrainer#LAST_GOOD_DIR}. A model with LoRA adapters attached
 * ({@link LlamaModel#attachLora}) trains only its adapters; the base weights stay frozen.
 */
public final class SftTrainer {
    /** The trained model (the same object as given, trained in place) and what training did. */
    public record Result(LlamaModel model, TrainingSummary summary) {}

    private SftTrainer() {}

    public static Result train(LlamaModel model, List<TokenizedExample> examples, TrainingOptions o, Path workDir, MetricsSink metrics, Progress progress) {
        DpoTrainer.requireNonEmpty(examples);
        checkVocab(model, examples);
        if (metrics == null) metrics = MetricsSink.NONE;
        long start = System.nanoTime();
        TrainingPlan plan = new TrainingPlan(examples.size(), o);
        int total = plan.totalSteps();
        List<Parameter> params = model.trainableParameters();
        Optimizer optimizer = o.optimizer(params, total);
        TensorPool pool = new TensorPool(); // activations and gradients, reused from step to step
        // stepped: until the next backward, activations may use the gradients' memory
        GradientAccumulation accumulation = new GradientAccumulation(optimizer, o.gradientAccumulationSteps(), o.maxGradNorm())
                .clearingWith(() -> params.forEach(p -> p.releaseGrad(pool)));
        String fingerprint = o.saveSteps() > 0 ? fingerprint(o, examples, model, loraKey(model)) : null;
        TrainingCheckpoint.State resumed = o.saveSteps() > 0 ? TrainingCheckpoint.resume(workDir, fingerprint, model, optimizer) : null;
        int done = resumed == null ? 0 : resumed.step();
        StepLog log = new StepLog(metrics, progress, total, o.saveSteps(), resumed);
        for (Parameter p : params) p.releaseGrad(null); // the first backward takes them from released activations
        try (Tape tape = Tape.start(pool)) {
            for (TrainingPlan.Step step : plan.steps().subList(done, total)) {
                double lr = optimizer.learningRate();
                List<int[]> micro = step.microBatches();
                long stepTokens = completionTokens(examples, micro);
                double nll = 0;
                OptionalDouble norm = OptionalDouble.empty();
                for (int m = 0; m < micro.size(); m++) {
                    int[] idx = micro.get(m);
                    SequenceBatch batch = batch(examples, idx);
                    double part = 0;
                    try (var _ = pool.use()) { // activations come from the pool and go back to it during backward
                        Var logps = LmHeadLogProbs.apply(model.hiddenForTargets(batch.ids(), batch.mask(), batch.batch(), batch.seq()), model.lmHead(), batch.targets(), null);
                        for (float v : logps.value().toArray()) part -= v;
                        if (Double.isFinite(part)) {
                            tape.backward(logps, Tensor.full(logProbGradient(micro.size(), stepTokens), idx.length));
                        } else {
                            tape.clear();
                        }
                    }
                    if (!Double.isFinite(part)) throw diverged(model, workDir, step.number() + 1, "the loss is " + part / stepTokens);
                    nll += part;
                    try {
                        norm = accumulation.afterBackward();
                        if (m == micro.size() - 1 && norm.isEmpty()) norm = accumulation.flush();
                    } catch (ArithmeticException e) {
                        throw diverged(model, workDir, step.number() + 1, "the gradient norm is not finite (" + e.getMessage() + ")");
                    }
                }
                double loss = nll / stepTokens;
                if (log.record(step, loss, norm, lr, null, String.format(Locale.ROOT, "loss %.4f", loss))) {
                    TrainingCheckpoint.save(workDir, fingerprint, model, optimizer, log.checkpoint(step, new double[0]));
                }
            }
        }
        if (o.saveSteps() > 0) TrainingCheckpoint.delete(workDir);
        return new Result(model, log.summary(start));
    }

    /** What identifies a run for resuming ({@code loraKey} empty without adapters); the same on both backends, so a checkpoint resumes on either. */
    static String fingerprint(TrainingOptions o, List<TokenizedExample> examples, LlamaModel model, String loraKey) {
        return TrainingCheckpoint.fingerprint("sft", o.toString(), dataHash(examples), ReferenceLogps.modelHash(model), loraKey);
    }

    /** The examples {@code idx} as one batch. */
    static SequenceBatch batch(List<TokenizedExample> examples, int[] idx) {
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (int i : idx) {
            prompts.add(examples.get(i).prompt());
            completions.add(examples.get(i).completion());
        }
        return SequenceBatch.of(prompts, completions);
    }

    /** The completion tokens of a step's micro-batches: the loss's denominator. */
    static long completionTokens(List<TokenizedExample> examples, List<int[]> microBatches) {
        long tokens = 0;
        for (int[] idx : microBatches) for (int i : idx) tokens += examples.get(i).completion().length;
        return tokens;
    }

    /**
     * d loss / d log p of each sequence: −1 / (the step's tokens), times the micro-batch count that
     * accumulation divides by again.
     */
    static float logProbGradient(int microBatches, long stepTokens) {
        return (float) (-microBatches / (double) stepTokens);
    }

    /** The adapter settings and starting adapter weights (empty without LoRA): part of a run's fingerprint. */
    static String loraKey(LlamaModel model) {
        if (model.lora() == null) return "";
        java.security.MessageDigest d;
        try {
            d = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Parameter p : model.lora().parameters()) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * p.value().size());
            for (float v : p.value().toArray()) b.putFloat(v);
            d.update(b.flip());
        }
        return model.lora().config() + java.util.HexFormat.of().formatHex(d.digest());
    }

    /** SHA-256 of the examples' token ids. */
    static String dataHash(List<TokenizedExample> examples) {
        List<TokenizedPair> asPairs = new ArrayList<>();
        for (TokenizedExample e : examples) asPairs.add(new TokenizedPair(e.index(), e.prompt(), e.completion(), e.completion()));
        return ReferenceLogps.dataHash(asPairs);
    }

    static void checkVocab(LlamaModel model, List<TokenizedExample> examples) {
        int vocab = model.config().vocabSize();
        for (TokenizedExample e : examples) {
            for (int[] ids : new int[][] {e.prompt(), e.completion()}) {
                for (int id : ids) {
                    if (id < 0 || id >= vocab) {
                        throw new IllegalArgumentException("example " + e.index() + ": token id " + id + " is outside the model's vocabulary [0, " + vocab
                                + "); the tokenizer does not match the model");
                    }
                }
            }
        }
    }

    private static TrainingDivergedException diverged(LlamaModel model, Path workDir, int step, String what) {
        Path dir = workDir.resolve(DpoTrainer.LAST_GOOD_DIR);
        model.zeroGrad();
        ModelOutput.save(model, dir, null, null);
        return new TrainingDivergedException(step, what, dir);
    }
}
