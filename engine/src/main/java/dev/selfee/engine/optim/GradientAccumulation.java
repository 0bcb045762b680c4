package dev.selfee.engine.optim;

import java.util.OptionalDouble;

/**
 * Steps an optimizer once every {@code microBatches} backward passes, like transformers'
 * {@code gradient_accumulation_steps}: gradients add up over the micro-batches, are averaged
 * (scaled by 1/n, which equals dividing each micro-batch's loss by n), optionally clipped, then
 * the optimizer steps and the gradients are zeroed for the next group (or cleared some other way:
 * {@link #clearingWith}).
 */
public final class GradientAccumulation {
    private final Optimizer optimizer;
    private final int microBatches;
    private final double maxGradNorm;
    private int pending;
    private Runnable clear;

    /**
     * @param maxGradNorm the global norm to clip to before each step, or 0 for no clipping
     */
    public GradientAccumulation(Optimizer optimizer, int microBatches, double maxGradNorm) {
        if (microBatches < 1) throw new IllegalArgumentException("gradient accumulation needs >= 1 micro-batch, got " + microBatches);
        if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm must be >= 0 (0: no clipping), got " + maxGradNorm);
        this.optimizer = optimizer;
        this.microBatches = microBatches;
        this.maxGradNorm = maxGradNorm;
        this.clear = optimizer::zeroGrad;
    }

    /**
     * Clears the gradients with {@code clear} instead of zeroing them in place after each step
     * (and after a non-finite norm): a training loop that releases them to its tensor pool, whose
     * next backward pass takes them zeroed anyway, saves a pass over every gradient. Returns this.
     */
    public GradientAccumulation clearingWith(Runnable clear) {
        this.clear = java.util.Objects.requireNonNull(clear, "clear");
        return this;
    }

    /**
     * Records that one micro-batch's gradients have been added. On the last of a group, averages,
     * clips, steps and zeroes, and returns the gradient norm before clipping; otherwise empty.
     *
     * @throws ArithmeticException when the averaged gradients are NaN or infinite: nothing is updated,
     *                             the gradients are zeroed, and the caller decides whether to stop
     */
    public OptionalDouble afterBackward() {
        pending++;
        return pending == microBatches ? OptionalDouble.of(stepNow()) : OptionalDouble.empty();
    }

    /** Steps on an incomplete group (e.g. at the end of an epoch), averaging over what it has; empty when nothing is pending. */
    public OptionalDouble flush() {
        return pending == 0 ? OptionalDouble.empty() : OptionalDouble.of(stepNow());
    }

    /** Micro-batches added since the last step. */
    public int pending() {
        return pending;
    }

    private double stepNow() {
        if (pending > 1) GradNorm.scale(optimizer.params(), 1f / pending);
        double norm = GradNorm.total(optimizer.params());
        if (!Double.isFinite(norm)) {
            clear.run();
            pending = 0;
            throw new ArithmeticException("gradient norm is " + norm + " before optimizer step " + (optimizer.steps() + 1)
                    + "; the parameters were left unchanged");
        }
        if (maxGradNorm > 0) GradNorm.clipWithNorm(optimizer.params(), maxGradNorm, norm);
        optimizer.step();
        clear.run();
        pending = 0;
        return norm;
    }
}
