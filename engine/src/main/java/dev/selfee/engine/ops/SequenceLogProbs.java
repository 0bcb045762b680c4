package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/**
 * Summed per-token log-probabilities of each sequence, as DPO scores a response:
 * out[b] = Σ_t mask[b,t] · log_softmax(logits[b,t])[target[b,t]]. The log-softmax is fused:
 * only one log-sum-exp per counted token is computed and kept.
 */
public final class SequenceLogProbs {
    private SequenceLogProbs() {}

    /**
     * logits [batch, seq, vocab], targets [batch * seq] (row-major), mask [batch, seq] or null
     * (0 skips a token, any other value weights it; targets equal to
     * {@link CrossEntropy#IGNORE_INDEX} are skipped too) -> [batch].
     */
    public static Var apply(Var logits, int[] targets, Tensor mask) {
        Tensor xv = logits.value();
        if (xv.rank() != 3) throw new IllegalArgumentException("sequence_logprobs: logits must be [batch, seq, vocab], got " + Arrays.toString(xv.shape()));
        int batch = xv.dim(0), seq = xv.dim(1), vocab = xv.dim(2), rows = batch * seq;
        float[] w = TokenTargets.weights("sequence_logprobs", xv, targets, mask, vocab);
        int[] tg = targets.clone();
        float[] xd = xv.data(), lse = new float[rows], logp = new float[rows];
        int xo = xv.offset();
        Parallel.forRange(rows, Softmax.grain(vocab), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (w[r] == 0f) continue;
                float max = Simd.max(xd, xo + r * vocab, vocab), logSum = Softmax.logSumExpAbove(xd, xo + r * vocab, vocab, max);
                lse[r] = max + logSum;
                logp[r] = (xd[xo + r * vocab + tg[r]] - max) - logSum;
            }
        });
        Tensor out = Tensor.zeros(batch);
        for (int b = 0; b < batch; b++) {
            float s = 0f;
            for (int t = 0; t < seq; t++) s += w[b * seq + t] * logp[b * seq + t];
            out.data()[b] = s;
        }
        return Tape.output(out, g -> {
            float[] dx = logits.ensureGrad().data(), gd = g.data();
            Parallel.forRange(rows, Softmax.grain(vocab), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    if (w[r] == 0f) continue;
                    float c = gd[r / seq] * w[r];
                    Simd.axpyExpShifted(-c, xd, xo + r * vocab, lse[r], dx, r * vocab, vocab);
                    dx[r * vocab + tg[r]] += c;
                }
            });
        }, logits);
    }
}
