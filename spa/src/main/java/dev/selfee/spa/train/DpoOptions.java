package dev.selfee.spa.train;

import dev.selfee.spa.loss.ConfidenceThreshold;
import dev.selfee.spa.loss.PreferenceLoss;
import dev.selfee.spa.loss.SpaRefinement;

/**
 * DPO's settings, named as TRL's {@code DPOConfig}, plus SPA's.
 *
 * @param beta               the KL strength β
 * @param loss               sigmoid, cdpo, ipo or spa
 * @param labelSmoothing     cdpo's ε
 * @param spaAlpha           SPA's smoothing strength α after the warm-up
 * @param spaWarmupRatio     share of the steps at the start during which α = 0
 * @param spaLambda          DND's extrapolation λ (0: off; then the reference model is not needed during training)
 * @param spaWindow          training pairs in the threshold's sliding window
 * @param spaQuantile        the threshold's quantile K
 * @param spaThresholdForm   the released code's mid-point quantile or the paper's plain one
 */
public record DpoOptions(TrainingOptions training, double beta, PreferenceLoss.Type loss, double labelSmoothing, double spaAlpha,
                         double spaWarmupRatio, double spaLambda, int spaWindow, double spaQuantile, ConfidenceThreshold.Form spaThresholdForm) {
    public DpoOptions {
        if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 0.5)) throw new IllegalArgumentException("label smoothing must be in [0, 0.5], got " + labelSmoothing);
        if (!(spaAlpha >= 0 && spaAlpha <= 0.5)) throw new IllegalArgumentException("SPA alpha must be in [0, 0.5], got " + spaAlpha);
        if (!(spaWarmupRatio >= 0 && spaWarmupRatio <= 1)) throw new IllegalArgumentException("SPA warm-up ratio must be in [0, 1], got " + spaWarmupRatio);
        if (!(spaLambda >= 0)) throw new IllegalArgumentException("SPA lambda must be >= 0 (0: DND off), got " + spaLambda);
        new ConfidenceThreshold(spaWindow, spaQuantile, spaThresholdForm); // validates window and quantile
    }

    /** TRL's DPO defaults (β 0.1, sigmoid, lr 1e-6) on HF's training defaults, SPA's refinement defaults (α 0.1 after 20%, window 50, K 10%). */
    public static DpoOptions defaults() {
        return new DpoOptions(TrainingOptions.defaults().withLearningRate(1e-6), 0.1, PreferenceLoss.Type.SIGMOID, 0, 0.1, 0.2, 0, 50, 0.10,
                ConfidenceThreshold.Form.RELEASED_CODE);
    }

    public DpoOptions withTraining(TrainingOptions t) {
        return new DpoOptions(t, beta, loss, labelSmoothing, spaAlpha, spaWarmupRatio, spaLambda, spaWindow, spaQuantile, spaThresholdForm);
    }

    public DpoOptions withBeta(double b) {
        return new DpoOptions(training, b, loss, labelSmoothing, spaAlpha, spaWarmupRatio, spaLambda, spaWindow, spaQuantile, spaThresholdForm);
    }

    public DpoOptions withLoss(PreferenceLoss.Type l) {
        return new DpoOptions(training, beta, l, labelSmoothing, spaAlpha, spaWarmupRatio, spaLambda, spaWindow, spaQuantile, spaThresholdForm);
    }

    public DpoOptions withLabelSmoothing(double e) {
        return new DpoOptions(training, beta, loss, e, spaAlpha, spaWarmupRatio, spaLambda, spaWindow, spaQuantile, spaThresholdForm);
    }

    /** SPA's refinement settings. */
    public DpoOptions withSpa(double alpha, double warmupRatio, double lambda) {
        return new DpoOptions(training, beta, loss, labelSmoothing, alpha, warmupRatio, lambda, spaWindow, spaQuantile, spaThresholdForm);
    }

    public DpoOptions withSpaLambda(double lambda) {
        return withSpa(spaAlpha, spaWarmupRatio, lambda);
    }

    public DpoOptions withSpaThreshold(int window, double quantile, ConfidenceThreshold.Form form) {
        return new DpoOptions(training, beta, loss, labelSmoothing, spaAlpha, spaWarmupRatio, spaLambda, window, quantile, form);
    }

    /** True when training needs the reference model itself, not only its cached log-probs: SPA with DND on. */
    public boolean needsReferenceModel() {
        return loss == PreferenceLoss.Type.SPA && spaLambda > 0;
    }

    /** A fresh refinement state (threshold window empty) for one training run. */
    SpaRefinement refinement() {
        return new SpaRefinement(beta, spaAlpha, spaWarmupRatio, new ConfidenceThreshold(spaWindow, spaQuantile, spaThresholdForm));
    }
}
