package dev.selfee.spa.train;

import java.nio.file.Path;

/**
 * Training met a NaN or infinite loss or gradient. The parameters were not updated by the failing
 * step; the model from before it was saved at {@link #lastGood()}.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int step;
    private final Path lastGood;

    public TrainingDivergedException(int step, String what, Path lastGood) {
        super("training stopped at optimizer step " + step + ": " + what + "; the last good model (before step " + step + ") is saved in "
                + lastGood + " (lower the learning rate or enable --max-grad-norm)");
        this.step = step;
        this.lastGood = lastGood;
    }

    /** The 1-based optimiser step that failed. */
    public int step() {
        return step;
    }

    public Path lastGood() {
        return lastGood;
    }
}
