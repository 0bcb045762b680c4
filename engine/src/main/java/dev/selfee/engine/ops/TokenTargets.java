package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import java.util.Arrays;

/** Validation shared by the losses that read one target token per logits row. */
final class TokenTargets {
    private TokenTargets() {}

    /**
     * The per-row weight: {@code weights}' value (1 when null), 0 where the target is
     * {@link CrossEntropy#IGNORE_INDEX}. Counted targets must lie in the vocabulary.
     */
    static float[] weights(String op, Tensor logits, int[] targets, Tensor weights, int vocab) {
        return weights(op, "logits", logits.shape(), targets, weights, vocab);
    }

    /** As above for rows of shape {@code rowShape} of an input named {@code what} with shape {@code shape} (row dims first). */
    static float[] weights(String op, String what, int[] shape, int[] targets, Tensor weights, int vocab) {
        int[] rowShape = Arrays.copyOf(shape, shape.length - 1);
        int rows = 1;
        for (int d : rowShape) rows *= d;
        if (targets.length != rows) {
            throw new IllegalArgumentException(op + ": " + targets.length + " targets for " + what + " " + Arrays.toString(shape)
                    + " (need " + rows + ", one per row " + Arrays.toString(rowShape) + ")");
        }
        if (weights != null && !Arrays.equals(weights.shape(), rowShape)) {
            throw new IllegalArgumentException(op + ": mask " + Arrays.toString(weights.shape()) + " does not match " + what + " rows "
                    + Arrays.toString(rowShape) + " of " + Arrays.toString(shape));
        }
        float[] w = weights == null ? new float[rows] : weights.toArray();
        if (weights == null) Arrays.fill(w, 1f);
        for (int r = 0; r < rows; r++) {
            if (targets[r] == CrossEntropy.IGNORE_INDEX) w[r] = 0f;
            if (w[r] != 0f && (targets[r] < 0 || targets[r] >= vocab)) {
                throw new IllegalArgumentException(op + ": target " + targets[r] + " at row " + r + " is outside the vocabulary [0, " + vocab + ")");
            }
            if (!Float.isFinite(w[r])) throw new IllegalArgumentException(op + ": mask value " + w[r] + " at row " + r + " is not finite");
        }
        return w;
    }
}
