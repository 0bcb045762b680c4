package dev.selfee.spa.train;

import dev.selfee.spa.Progress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * What every trainer, on every backend, does after an optimiser step: logs its metrics row (step,
 * epoch, loss, grad_norm, learning_rate, then the trainer's own), reports progress, sums the loss
 * for the summary, and says when a checkpoint is due.
 */
final class StepLog {
    private final MetricsSink metrics;
    private final Progress progress;
    private final int total, saveSteps;
    private double lossSum, epoch;
    private Map<String, Object> last = Map.of();

    /** A log continuing after {@code resumed} (null for a fresh run). */
    StepLog(MetricsSink metrics, Progress progress, int total, int saveSteps, TrainingCheckpoint.State resumed) {
        this.metrics = metrics;
        this.progress = progress;
        this.total = total;
        this.saveSteps = saveSteps;
        this.lossSum = resumed == null ? 0 : resumed.lossSum();
        metrics.resumeAt(resumed == null ? 0 : resumed.step());
    }

    /**
     * Logs {@code step}: its row gets the common columns, then what {@code extra} adds (may be null);
     * {@code progressLine} goes to the progress display. Returns whether a checkpoint is due now.
     */
    boolean record(TrainingPlan.Step step, double loss, OptionalDouble norm, double learningRate, Consumer<Map<String, Object>> extra, String progressLine) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step.number() + 1);
        row.put("epoch", step.epoch());
        row.put("loss", loss);
        row.put("grad_norm", norm.orElse(Double.NaN));
        row.put("learning_rate", learningRate);
        if (extra != null) extra.accept(row);
        metrics.record(row);
        lossSum += loss;
        last = row;
        epoch = step.epoch();
        int stepsDone = step.number() + 1;
        if (progress != null) progress.update(stepsDone, progressLine);
        return saveSteps > 0 && stepsDone % saveSteps == 0 && stepsDone < total;
    }

    /** The checkpoint state after {@code step}, with SPA's threshold window (empty for other losses). */
    TrainingCheckpoint.State checkpoint(TrainingPlan.Step step, double[] spaWindow) {
        return new TrainingCheckpoint.State(step.number() + 1, lossSum, spaWindow);
    }

    /** What the run did, timed from {@code startNanos}. */
    TrainingSummary summary(long startNanos) {
        return new TrainingSummary(total, epoch, lossSum / total, last, (System.nanoTime() - startNanos) / 1e9);
    }
}
