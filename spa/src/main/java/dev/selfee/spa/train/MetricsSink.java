package dev.selfee.spa.train;

import java.util.Map;

/** Where a trainer reports each optimiser step's metrics (TRL's names: loss, rewards/chosen, grad_norm, ...). */
@FunctionalInterface
public interface MetricsSink {
    void record(Map<String, Object> metrics);

    /** Discards everything. */
    MetricsSink NONE = m -> {};
}
