package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/**
 * Token cross-entropy fused with its log-softmax: the loss is Σ w·(lse − logit[target]) / Σ w
 * over counted tokens, as torch's {@code cross_entropy(ignore_index=-100)} when every weight is 1.
 * Only one log-sum-exp per row is kept for backward; probabilities are recomputed there.
 */
public final class CrossEntropy {
    /** Targets equal to this are not counted (HF's label convention). */
    public static final int IGNORE_INDEX = -100;

    private CrossEntropy() {}

    public static Var apply(Var logits, int[] targets) {
        return apply(logits, targets, null);
    }

    /**
     * logits [..., vocab], one target per row; {@code weights} (same shape as the targets, or
     * null for all 1) scale each token's term, 0 leaving it out. Returns a scalar.
     */
    public static Var apply(Var logits, int[] targets, Tensor weights) {
        Tensor xv = logits.value();
        int vocab = Softmax.lastDim("cross_entropy", xv), rows = xv.size() / Math.max(1, vocab);
        float[] w = TokenTargets.weights("cross_entropy", xv, targets, weights, vocab);
        int[] tg = targets.clone();
        double total = 0;
        for (float x : w) total += x;
        if (total <= 0) throw new IllegalArgumentException("cross_entropy: no counted tokens (every target ignored or weighted 0)");
        float[] xd = xv.data(), lse = new float[rows], nll = new float[rows];
        int xo = xv.offset();
        Parallel.forRange(rows, Softmax.grain(vocab), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (w[r] == 0f) continue;
                float max = Simd.max(xd, xo + r * vocab, vocab), logSum = Softmax.logSumExpAbove(xd, xo + r * vocab, vocab, max);
                lse[r] = max + logSum;
                nll[r] = logSum - (xd[xo + r * vocab + tg[r]] - max);
            }
        });
        double loss = 0;
        for (int r = 0; r < rows; r++) loss += (double) w[r] * nll[r];
        float norm = (float) total;
        return Tape.output(Tensor.scalar((float) (loss / total)), g -> {
            float[] dx = logits.ensureGrad().data();
            float gl = g.data()[0];
            Parallel.forRange(rows, Softmax.grain(vocab), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    if (w[r] == 0f) continue;
                    float c = gl * w[r] / norm;
                    Simd.axpyExpShifted(c, xd, xo + r * vocab, lse[r], dx, r * vocab, vocab);
                    dx[r * vocab + tg[r]] -= c;
                }
            });
        }, logits);
    }
}
