package dev.selfee.spa.loss;

/**
 * SPA's label refinement per training step: the decoupled-noise-detection margin, the
 * confidence flags against the sliding-window threshold, and the smoothing strength α
 * (0 during the warm-up share of steps, then {@code alpha}).
 */
public final class SpaRefinement {
    private final double beta;
    private final double alpha;
    private final double warmupFraction;
    private final ConfidenceThreshold threshold;

    /** What refinement decided for one batch. */
    public record Decision(double threshold, double alpha, boolean[] confident) {
        public double confidentFraction() {
            int c = 0;
            for (boolean b : confident) if (b) c++;
            return confident.length == 0 ? 0 : (double) c / confident.length;
        }
    }

    public SpaRefinement(double beta, double alpha, double warmupFraction, ConfidenceThreshold threshold) {
        this.beta = beta;
        this.alpha = alpha;
        this.warmupFraction = warmupFraction;
        this.threshold = threshold;
    }

    /** SPA's defaults: α = 0.1 after the first 20% of steps, window 50, K = 10%. */
    public static SpaRefinement spaDefault(double beta) {
        return new SpaRefinement(beta, 0.1, 0.2, ConfidenceThreshold.spaDefault());
    }

    /** α at optimiser step {@code step} (0-based) of {@code totalSteps}. */
    public double alphaAt(int step, int totalSteps) {
        return step < warmupFraction * totalSteps ? 0 : alpha;
    }

    /**
     * The DND margin of one pair: {@code β([log p_g(y_w) − log p_g(y_l)] − [log π_ref(y_w) − log π_ref(y_l)])},
     * where p_g uses the extrapolated logits {@code (1+λ)h_θ − λh_ref} (λ = 0 gives the policy itself).
     */
    public double margin(double extrapolatedChosen, double extrapolatedRejected, double refChosen, double refRejected) {
        return beta * ((extrapolatedChosen - extrapolatedRejected) - (refChosen - refRejected));
    }

    /** Updates the window with the batch's margins and flags the confident pairs ({@code m > τ}). */
    public Decision decide(double[] margins, int step, int totalSteps) {
        double tau = threshold.update(margins);
        boolean[] c = new boolean[margins.length];
        for (int i = 0; i < margins.length; i++) c[i] = margins[i] > tau;
        return new Decision(tau, alphaAt(step, totalSteps), c);
    }

    public ConfidenceThreshold threshold() {
        return threshold;
    }
}
