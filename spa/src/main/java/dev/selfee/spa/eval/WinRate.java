package dev.selfee.spa.eval;

/**
 * A win rate from pairwise outcomes, ties counting half, with its standard error (the sample
 * standard deviation of the per-comparison scores over √n) and a normal 95% interval.
 */
public record WinRate(int n, double rate, double standardError) {
    /** From scores in {0, 0.5, 1}: 1 a win for the model, 0.5 a tie. */
    public static WinRate ofScores(double[] scores) {
        int n = scores.length;
        if (n == 0) throw new IllegalArgumentException("no comparisons to compute a win rate from");
        double mean = 0;
        for (double s : scores) mean += s;
        mean /= n;
        double var = 0;
        for (double s : scores) var += (s - mean) * (s - mean);
        double se = n > 1 ? Math.sqrt(var / (n - 1) / n) : 0;
        return new WinRate(n, mean, se);
    }

    public double lower95() {
        return Math.max(0, rate - 1.96 * standardError);
    }

    public double upper95() {
        return Math.min(1, rate + 1.96 * standardError);
    }
}
