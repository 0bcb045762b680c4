package dev.selfee.spa.train;

import java.util.LinkedHashMap;
import java.util.Map;

/** Metrics of one optimiser step: each the mean over its micro-batches of their per-micro-batch means, as TRL logs them. */
final class StepAverages {
    private final Map<String, double[]> sums = new LinkedHashMap<>();

    void add(String name, double microBatchMean) {
        double[] s = sums.computeIfAbsent(name, k -> new double[2]);
        s[0] += microBatchMean;
        s[1]++;
    }

    double mean(String name) {
        double[] s = sums.get(name);
        return s == null ? Double.NaN : s[0] / s[1];
    }

    /** Every metric's mean, in the order first added, into {@code out}. */
    void into(Map<String, Object> out) {
        sums.forEach((k, s) -> out.put(k, s[0] / s[1]));
    }
}
