package dev.selfee.engine.optim;

/**
 * A learning-rate multiplier by optimizer step, as HF transformers' schedules define it: the
 * step numbered {@code s} (0 for the first) runs at {@code baseLr * factor(s)}. So a warm-up
 * schedule's first step runs at learning rate 0, exactly as with transformers' Trainer.
 */
@FunctionalInterface
public interface LrSchedule {
    double factor(long step);

    /** The same learning rate throughout. */
    static LrSchedule constant() {
        return step -> 1.0;
    }

    /** Linear warm-up from 0 over {@code warmup} steps, then constant ({@code get_constant_schedule_with_warmup}). */
    static LrSchedule constantWithWarmup(long warmup) {
        requireNonNegative(warmup, 0);
        return step -> step < warmup ? (double) step / Math.max(1, warmup) : 1.0;
    }

    /** Warm-up, then linear decay to 0 at {@code total} steps ({@code get_linear_schedule_with_warmup}). */
    static LrSchedule linearWithWarmup(long warmup, long total) {
        requireNonNegative(warmup, total);
        return step -> step < warmup ? (double) step / Math.max(1, warmup)
                : Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }

    /** Warm-up, then half a cosine down to 0 at {@code total} steps ({@code get_cosine_schedule_with_warmup}). */
    static LrSchedule cosineWithWarmup(long warmup, long total) {
        return cosineWithWarmup(warmup, total, 0.5);
    }

    /** Warm-up, then {@code cycles} cosine periods over the remaining steps. */
    static LrSchedule cosineWithWarmup(long warmup, long total, double cycles) {
        requireNonNegative(warmup, total);
        return step -> {
            if (step < warmup) return (double) step / Math.max(1, warmup);
            double progress = (double) (step - warmup) / Math.max(1, total - warmup);
            return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)));
        };
    }

    private static void requireNonNegative(long warmup, long total) {
        if (warmup < 0 || total < 0) {
            throw new IllegalArgumentException("schedule steps must be >= 0, got warmup " + warmup + " and total " + total);
        }
    }
}
