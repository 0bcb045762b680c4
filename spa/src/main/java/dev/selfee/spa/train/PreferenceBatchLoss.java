package dev.selfee.spa.train;

import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.spa.loss.PreferenceLoss;
import dev.selfee.spa.loss.SpaRefinement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/**
 * DPO's loss over one micro-batch of pairs, on the host, from each row's summed log-prob (the
 * chosen rows first, then the rejected ones, as {@link #batch} lays them out): TRL's loss types or
 * SPA's refined loss, the gradient of the mean loss by each row's log-prob, and TRL's metrics (and
 * SPA's per-pair log). The CPU and the device trainers share it: they differ only in where the
 * log-probs come from and where the gradient goes. It also gives the step rows their DPO columns
 * and checkpoints and restores SPA's threshold window.
 */
final class PreferenceBatchLoss {
    private final DpoOptions o;
    private final List<TokenizedPair> pairs;
    private final ReferenceLogps ref;
    /** SPA's refinement, whose confidence threshold carries over from step to step; null for TRL's losses. */
    private final SpaRefinement refinement;

    PreferenceBatchLoss(DpoOptions o, List<TokenizedPair> pairs, ReferenceLogps ref) {
        this.o = o;
        this.pairs = pairs;
        this.ref = ref;
        this.refinement = o.loss() == PreferenceLoss.Type.SPA ? o.refinement() : null;
    }

    /** SPA's refinement, or null when the loss is one of TRL's. */
    SpaRefinement refinement() {
        return refinement;
    }

    /** The pairs {@code idx} as one batch of 2·b rows: their chosen completions, then their rejected ones (as TRL concatenates them). */
    SequenceBatch batch(int[] idx) {
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
        return SequenceBatch.of(prompts, completions);
    }

    /**
     * The loss of the pairs {@code idx} given their rows' log-probs {@code lp}. For SPA,
     * {@code extrapolated} is asked once for each row's DND log-prob (λ = 0: the policy's own).
     */
    Value compute(int[] idx, float[] lp, Supplier<double[]> extrapolated, TrainingPlan.Step step, int total) {
        int b = idx.length;
        SpaRefinement.Decision decision = null;
        double[] margins = null;
        if (refinement != null) {
            double[] g = extrapolated.get();
            margins = new double[b];
            for (int k = 0; k < b; k++) {
                int i = idx[k];
                margins[k] = refinement.margin(g[k], g[b + k], ref.chosen()[i], ref.rejected()[i]);
            }
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
        double[] means = {rc / b, rr / b, acc / b, (rc - rr) / b, lc / b, lr / b};
        return new Value(loss / b, grad, means, idx, step.number() + 1, decision, margins);
    }

    /** Logs a step's row with its micro-batches' means (and SPA's λ); returns whether a checkpoint is due. */
    boolean recordStep(StepLog log, TrainingPlan.Step step, StepAverages avg, OptionalDouble norm, double learningRate) {
        return log.record(step, avg.mean("loss"), norm, learningRate, row -> {
            avg.into(row);
            if (refinement != null) row.put("spa/lambda", o.spaLambda());
        }, String.format(Locale.ROOT, "loss %.4f acc %.2f", avg.mean("loss"), avg.mean("rewards/accuracies")));
    }

    /** Continues a run from its checkpoint {@code resumed} (null for a fresh run): restores SPA's threshold window. */
    void resume(TrainingCheckpoint.State resumed) {
        if (resumed != null && refinement != null) refinement.threshold().restore(resumed.spaWindow());
    }

    /** The checkpoint state after {@code step}: with SPA, its threshold's window too. */
    TrainingCheckpoint.State checkpoint(StepLog log, TrainingPlan.Step step) {
        return log.checkpoint(step, refinement == null ? new double[0] : refinement.threshold().snapshot());
    }

    /** Each element of {@code lp}, widened: the DND log-probs when λ = 0. */
    static double[] widen(float[] lp) {
        double[] g = new double[lp.length];
        for (int i = 0; i < lp.length; i++) g[i] = lp[i];
        return g;
    }

    /**
     * One micro-batch's mean loss, its gradient by each row's log-prob (to be sent into the backward),
     * and what it adds to the step's metrics: the means of the rewards and log-probs, and SPA's
     * decision with each pair's margin (null for TRL's losses).
     */
    record Value(double loss, float[] grad, double[] means, int[] idx, int stepNumber, SpaRefinement.Decision decision, double[] margins) {
        private static final String[] METRICS = {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected"};

        /** Adds the micro-batch's metrics to {@code avg} and, for SPA, a row per pair to {@code pairLog}. */
        void record(StepAverages avg, MetricsFile pairLog) {
            avg.add("loss", loss);
            for (int m = 0; m < METRICS.length; m++) avg.add(METRICS[m], means[m]);
            if (decision == null) return;
            avg.add("spa/threshold", decision.threshold());
            avg.add("spa/confident_fraction", decision.confidentFraction());
            avg.add("spa/alpha", decision.alpha());
            for (int k = 0; k < idx.length; k++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("index", idx[k]);
                row.put("step", stepNumber);
                row.put("margin", margins[k]);
                row.put("threshold", decision.threshold());
                row.put("confident", decision.confident()[k]);
                row.put("alpha", decision.alpha());
                pairLog.record(row);
            }
        }
    }
}
