package dev.selfee.spa.train;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.kernel.Gemm;
import dev.selfee.engine.ops.CrossEntropy;
import java.util.Arrays;

/**
 * SPA's decoupled noise detection: summed completion log-probs under the extrapolated logits
 * {@code h_g = (1 + λ)·h_θ − λ·h_ref} (log-softmax of h_g at each target, summed per row), from
 * the final hidden states and LM heads of the policy and the reference. λ = 0 gives the policy's
 * own log-probs. No gradients: the result only decides SPA's confidence flags. Logits are made a
 * block of rows at a time, never [batch, seq, vocab] at once; the log-softmax runs in double.
 */
public final class ExtrapolatedLogProbs {
    private static final int BLOCK_FLOATS = 1 << 21;

    private ExtrapolatedLogProbs() {}

    /**
     * @param policyHidden [batch, seq, dim]; policyHead [vocab, dim]; the same for the reference
     * @param targets      [batch * seq] next-token targets, {@link CrossEntropy#IGNORE_INDEX} where not counted
     * @return [batch] summed log p_g of each row's targets
     */
    public static double[] compute(Tensor policyHidden, Tensor policyHead, Tensor refHidden, Tensor refHead, int[] targets, double lambda) {
        if (!Arrays.equals(policyHidden.shape(), refHidden.shape()) || policyHidden.rank() != 3) {
            throw new IllegalArgumentException("extrapolated_logprobs: policy hidden " + Arrays.toString(policyHidden.shape())
                    + " and reference hidden " + Arrays.toString(refHidden.shape()) + " must be the same [batch, seq, dim]");
        }
        if (!Arrays.equals(policyHead.shape(), refHead.shape()) || policyHead.dim(1) != policyHidden.dim(2)) {
            throw new IllegalArgumentException("extrapolated_logprobs: heads " + Arrays.toString(policyHead.shape()) + " and "
                    + Arrays.toString(refHead.shape()) + " must be the same [vocab, dim]");
        }
        int batch = policyHidden.dim(0), seq = policyHidden.dim(1), dim = policyHidden.dim(2), vocab = policyHead.dim(0);
        if (targets.length != batch * seq) throw new IllegalArgumentException("extrapolated_logprobs: " + targets.length + " targets for " + batch * seq + " positions");
        Tensor hp = policyHidden.contiguous(), hr = refHidden.contiguous(), wp = policyHead.contiguous(), wr = refHead.contiguous();
        int n = 0;
        for (int t : targets) if (t != CrossEntropy.IGNORE_INDEX) n++;
        int[] rows = new int[n];
        for (int r = 0, i = 0; r < targets.length; r++) {
            if (targets[r] == CrossEntropy.IGNORE_INDEX) continue;
            if (targets[r] < 0 || targets[r] >= vocab) throw new IllegalArgumentException("extrapolated_logprobs: target " + targets[r] + " outside the vocabulary [0, " + vocab + ")");
            rows[i++] = r;
        }
        int block = Math.max(1, Math.min(n, BLOCK_FLOATS / Math.max(1, vocab)));
        float[] a = new float[block * dim], b = new float[block * dim], la = new float[block * vocab], lb = new float[block * vocab];
        double[] out = new double[batch];
        double keep = 1 + lambda;
        for (int r0 = 0; r0 < n; r0 += block) {
            int m = Math.min(block, n - r0);
            for (int i = 0; i < m; i++) {
                System.arraycopy(hp.data(), hp.offset() + rows[r0 + i] * dim, a, i * dim, dim);
                System.arraycopy(hr.data(), hr.offset() + rows[r0 + i] * dim, b, i * dim, dim);
            }
            Gemm.gemm(false, true, m, vocab, dim, 1f, a, 0, dim, wp.data(), wp.offset(), dim, 0f, la, 0, vocab);
            Gemm.gemm(false, true, m, vocab, dim, 1f, b, 0, dim, wr.data(), wr.offset(), dim, 0f, lb, 0, vocab);
            for (int i = 0; i < m; i++) {
                int o = i * vocab;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < vocab; j++) max = Math.max(max, keep * la[o + j] - lambda * lb[o + j]);
                double sum = 0;
                for (int j = 0; j < vocab; j++) sum += Math.exp(keep * la[o + j] - lambda * lb[o + j] - max);
                int row = rows[r0 + i], t = targets[row];
                out[row / seq] += keep * la[o + t] - lambda * lb[o + t] - max - Math.log(sum);
            }
        }
        return out;
    }
}
