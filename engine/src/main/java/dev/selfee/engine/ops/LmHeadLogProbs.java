package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Gemm;
import dev.selfee.engine.kernel.PackedPanels;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/**
 * Summed target log-probabilities of each sequence straight from the last hidden states:
 * out[b] = Σ_t mask[b,t] · log_softmax(hidden[b,t] · Wᵀ)[target[b,t]], the same quantity as
 * {@link SequenceLogProbs} over {@link Linear} logits, without ever holding [batch, seq, vocab]
 * logits. Only counted rows are projected, a block of rows at a time; backward recomputes each
 * block's logits instead of keeping them (one extra head product, for a vocabulary-sized saving).
 * Its work buffers come from the {@link TensorPool} in use, if any, and go back to it.
 */
public final class LmHeadLogProbs {
    /** Logits held at once: rows per block are chosen so a block stays near this many floats... */
    private static final int BLOCK_FLOATS = 1 << 20;
    /** ...but not fewer rows than this, so that even a large vocabulary's blocks are efficient GEMMs. */
    private static final int MIN_BLOCK_ROWS = 128;

    private LmHeadLogProbs() {}

    /**
     * hidden [batch, seq, dim], weight [vocab, dim] (the LM head, or tied embeddings), targets
     * [batch * seq] row-major, mask [batch, seq] or null (0 skips a row, other values weight it;
     * {@link CrossEntropy#IGNORE_INDEX} targets are skipped) -> [batch].
     */
    public static Var apply(Var hidden, Var weight, int[] targets, Tensor mask) {
        Tensor hv = hidden.value(), wv = weight.value();
        if (hv.rank() != 3 || wv.rank() != 2 || hv.dim(2) != wv.dim(1)) {
            throw new IllegalArgumentException("lm_head_logprobs: hidden " + Arrays.toString(hv.shape()) + " must be [batch, seq, dim] and weight "
                    + Arrays.toString(wv.shape()) + " [vocab, dim]");
        }
        int batch = hv.dim(0), seq = hv.dim(1), dim = hv.dim(2), vocab = wv.dim(0);
        float[] w = TokenTargets.weights("lm_head_logprobs", "hidden", hv.shape(), targets, mask, vocab);
        int[] rows = counted(w);
        int n = rows.length, block = Math.max(MIN_BLOCK_ROWS, BLOCK_FLOATS / Math.max(1, vocab));
        float[] lse = new float[n], logp = new float[n];
        float[] logits = scratch(Math.min(n, block) * vocab), h = scratch(Math.min(n, block) * dim);
        float[] packedStorage = n > block ? scratch(PackedPanels.size(dim, vocab)) : null;
        PackedPanels packedHeadT = headT(wv, dim, vocab, packedStorage);
        for (int r0 = 0; r0 < n; r0 += block) {
            int m = Math.min(block, n - r0);
            project(hv, wv, packedHeadT, rows, r0, m, dim, vocab, h, logits);
            int base = r0;
            Parallel.forRange(m, Softmax.grain(vocab), (a, b) -> {
                for (int i = a; i < b; i++) {
                    float max = Simd.max(logits, i * vocab, vocab), logSum = Softmax.logSumExpAbove(logits, i * vocab, vocab, max);
                    lse[base + i] = max + logSum;
                    logp[base + i] = (logits[i * vocab + targets[rows[base + i]]] - max) - logSum;
                }
            });
        }
        release(logits);
        release(h);
        if (packedStorage != null) release(packedStorage);
        Tensor out = Tensor.zeros(batch);
        for (int i = 0; i < n; i++) out.data()[rows[i] / seq] += w[rows[i]] * logp[i];
        int[] tg = targets.clone();
        return Tape.output(out, g -> {
            float[] gd = g.data();
            float[] dh = hidden.requiresGrad() ? hidden.ensureGrad().data() : null;
            float[] dw = weight.requiresGrad() ? weight.ensureGrad().data() : null;
            float[] hb = scratch(Math.min(n, block) * dim), lb = scratch(Math.min(n, block) * vocab), dhb = scratch(Math.min(n, block) * dim);
            // Several blocks: the head is packed once for the logits (Wᵀ) and once for dh (W), not per block.
            float[] headTStorage = n > block ? scratch(PackedPanels.size(dim, vocab)) : null;
            float[] headStorage = n > block && dh != null ? scratch(PackedPanels.size(vocab, dim)) : null;
            PackedPanels headT = headT(wv, dim, vocab, headTStorage);
            PackedPanels head = headStorage == null ? null : PackedPanels.into(false, vocab, dim, wv.data(), wv.offset(), dim, headStorage);
            for (int r0 = 0; r0 < n; r0 += block) {
                int m = Math.min(block, n - r0), base = r0;
                project(hv, wv, headT, rows, r0, m, dim, vocab, hb, lb);
                // d logits = c · (onehot(target) − softmax), c = g[b] · mask
                Parallel.forRange(m, Softmax.grain(vocab), (a, b) -> {
                    for (int i = a; i < b; i++) {
                        int row = rows[base + i];
                        float c = gd[row / seq] * w[row];
                        int o = i * vocab;
                        Simd.expShifted(lb, o, lse[base + i], lb, o, vocab);
                        Simd.scale(-c, lb, o, lb, o, vocab);
                        lb[o + tg[row]] += c;
                    }
                });
                if (dh != null) {
                    if (head != null) Gemm.gemm(false, m, 1f, lb, 0, vocab, head, 0f, dhb, 0, dim);
                    else Gemm.gemm(false, false, m, dim, vocab, 1f, lb, 0, vocab, wv.data(), wv.offset(), dim, 0f, dhb, 0, dim);
                    for (int i = 0; i < m; i++) Simd.add(dh, rows[base + i] * dim, dhb, i * dim, dh, rows[base + i] * dim, dim);
                }
                if (dw != null) Gemm.gemm(true, false, vocab, dim, m, 1f, lb, 0, vocab, hb, 0, dim, 1f, dw, 0, dim);
            }
            release(hb);
            release(lb);
            release(dhb);
            if (headTStorage != null) release(headTStorage);
            if (headStorage != null) release(headStorage);
        }, hidden, weight);
    }

    /** A work buffer of at least n floats: from the tensor pool in use (a training step reuses the last one's), else new. */
    private static float[] scratch(int n) {
        TensorPool pool = TensorPool.current();
        return pool == null ? new float[n] : pool.take(n);
    }

    private static void release(float[] a) {
        TensorPool pool = TensorPool.current();
        if (pool != null) pool.give(a);
    }

    /** Indices of the rows with a non-zero weight. */
    private static int[] counted(float[] w) {
        int n = 0;
        for (float x : w) if (x != 0f) n++;
        int[] rows = new int[n];
        for (int r = 0, i = 0; r < w.length; r++) if (w[r] != 0f) rows[i++] = r;
        return rows;
    }

    /** Wᵀ packed into storage, or null when storage is (one block: the plain product packs it once anyway). */
    private static PackedPanels headT(Tensor wv, int dim, int vocab, float[] storage) {
        return storage == null ? null : PackedPanels.into(true, dim, vocab, wv.data(), wv.offset(), dim, storage);
    }

    /** Gathers m counted hidden rows into h and writes their logits h · Wᵀ into logits (with Wᵀ pre-packed when headT is not null). */
    private static void project(Tensor hv, Tensor wv, PackedPanels headT, int[] rows, int r0, int m, int dim, int vocab, float[] h, float[] logits) {
        for (int i = 0; i < m; i++) System.arraycopy(hv.data(), hv.offset() + rows[r0 + i] * dim, h, i * dim, dim);
        if (headT != null) Gemm.gemm(false, m, 1f, h, 0, dim, headT, 0f, logits, 0, vocab);
        else Gemm.gemm(false, true, m, vocab, dim, 1f, h, 0, dim, wv.data(), wv.offset(), dim, 0f, logits, 0, vocab);
    }
}
