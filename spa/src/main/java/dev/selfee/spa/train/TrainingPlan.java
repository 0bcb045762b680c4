package dev.selfee.spa.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which examples each optimiser step trains on: every epoch shuffles the examples (a permutation
 * that depends only on the seed and the epoch), cuts them into micro-batches of {@code batchSize}
 * (the last may be smaller) and groups {@code gradientAccumulationSteps} micro-batches into a step
 * (the last step of an epoch may have fewer). Training stops after {@code maxSteps} steps, or after
 * {@code numTrainEpochs} epochs (⌈epochs · steps per epoch⌉ steps).
 */
public final class TrainingPlan {
    /** One optimiser step: its micro-batches (indices into the dataset) and the epoch reached when it ends. */
    public record Step(int number, List<int[]> microBatches, double epoch) {}

    private final List<Step> steps;
    private final int stepsPerEpoch;

    public TrainingPlan(int examples, TrainingOptions o) {
        if (examples < 1) throw new IllegalArgumentException("the dataset is empty: nothing to train on");
        int microPerEpoch = (examples + o.batchSize() - 1) / o.batchSize();
        stepsPerEpoch = (microPerEpoch + o.gradientAccumulationSteps() - 1) / o.gradientAccumulationSteps();
        int total = o.maxSteps() > 0 ? o.maxSteps() : (int) Math.ceil(o.numTrainEpochs() * stepsPerEpoch - 1e-9);
        steps = new ArrayList<>(total);
        for (int epoch = 0; steps.size() < total; epoch++) {
            int[] order = permutation(examples, o.seed(), epoch);
            List<int[]> micro = new ArrayList<>();
            for (int s = 0; s < examples; s += o.batchSize()) {
                micro.add(java.util.Arrays.copyOfRange(order, s, Math.min(examples, s + o.batchSize())));
            }
            for (int m = 0, k = 0; m < micro.size() && steps.size() < total; m += o.gradientAccumulationSteps(), k++) {
                List<int[]> group = micro.subList(m, Math.min(micro.size(), m + o.gradientAccumulationSteps()));
                steps.add(new Step(steps.size(), List.copyOf(group), epoch + (k + 1.0) / stepsPerEpoch));
            }
        }
    }

    public List<Step> steps() {
        return steps;
    }

    public int totalSteps() {
        return steps.size();
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** A seeded Fisher–Yates shuffle of 0..n-1 for one epoch. */
    static int[] permutation(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
