package dev.selfee.spa.train;

import java.util.Map;

/** Where a trainer reports each optimiser step's metrics (TRL's names: loss, rewards/chosen, grad_norm, ...). */
@FunctionalInterface
public interface MetricsSink {
    void record(Map<String, Object> metrics);

    /**
     * Called once before the first step a trainer runs: {@code stepsDone} is 0 for a fresh run, or
     * the step a resumed run continues after; a sink that persists rows drops those of later steps.
     */
    default void resumeAt(int stepsDone) {}

    /** Discards everything. */
    MetricsSink NONE = m -> {};
}
