package dev.selfee.spa.loss;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * SPA's self-refinement threshold τ: the K-quantile of the detached margins m of the most recent
 * {@code window} training pairs (a sliding window). A pair is confident when {@code m > τ}.
 *
 * <p>Two forms, as configured: the released code's {@code (s[⌊nK⌋] + s[⌊nK⌋+1]) / 2} over the
 * ascending-sorted window s, and the paper's plain quantile {@code s[⌊nK⌋]}. Indices are clamped
 * to the window while it is still filling. The current batch's margins enter the window before τ
 * is computed, so the first batch is judged against itself.
 */
public final class ConfidenceThreshold {
    public enum Form { RELEASED_CODE, PAPER }

    private final int window;
    private final double quantile;
    private final Form form;
    private final ArrayDeque<Double> recent = new ArrayDeque<>();

    public ConfidenceThreshold(int window, double quantile, Form form) {
        if (window < 1) throw new IllegalArgumentException("threshold window must be >= 1, got " + window);
        if (!(quantile >= 0 && quantile < 1)) throw new IllegalArgumentException("threshold quantile must be in [0, 1), got " + quantile);
        this.window = window;
        this.quantile = quantile;
        this.form = form;
    }

    /** SPA's defaults: the last 50 pairs, K = 10%, the released code's form. */
    public static ConfidenceThreshold spaDefault() {
        return new ConfidenceThreshold(50, 0.10, Form.RELEASED_CODE);
    }

    /** Adds a batch's margins to the window and returns the threshold τ that applies to that batch. */
    public double update(double[] margins) {
        for (double m : margins) {
            recent.addLast(m);
            if (recent.size() > window) recent.removeFirst();
        }
        return threshold();
    }

    /** τ for the current window (NaN when empty). */
    public double threshold() {
        int n = recent.size();
        if (n == 0) return Double.NaN;
        double[] s = recent.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        int i = Math.min((int) Math.floor(n * quantile), n - 1);
        return switch (form) {
            case PAPER -> s[i];
            case RELEASED_CODE -> (s[i] + s[Math.min(i + 1, n - 1)]) / 2;
        };
    }

    /** Restores a window saved with {@link #snapshot()} (resumable training). */
    public void restore(double[] margins) {
        recent.clear();
        update(margins);
    }

    /** The window's margins, oldest first. */
    public double[] snapshot() {
        return recent.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
