package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Gemm;
import dev.selfee.engine.kernel.Simd;
import java.util.Arrays;

/**
 * Causal scaled-dot-product attention with grouped-query heads, fused forward and backward.
 *
 * <p>Layout: q [batch, qLen, heads * headDim], k and v [batch, kLen, kvHeads * headDim]
 * (the projections' natural output, so no transposes). Query head h reads key/value head
 * h / (heads / kvHeads), as HF's {@code repeat_kv}. Query i sits at key position
 * i + kLen - qLen (so a KV-cache step with qLen = 1 sees every cached key) and attends to
 * keys at or before it whose {@code keyMask} entry is non-zero (HF's attention_mask: 1 for
 * tokens, 0 for padding, left or right). Scores are scaled by 1/sqrt(headDim). A query with
 * no visible key (a left-padding row) outputs zeros and passes no gradient.
 *
 * <p>When recorded, the softmax probabilities [batch, heads, qLen, kLen] are kept for backward.
 */
public final class Attention {
    /** Queries (and keys, in backward) per causal block: each block multiplies only up to the last key it sees. */
    private static final int CAUSAL_BLOCK = 64;

    private Attention() {}

    /** The first query that sees key j: query i sees keys up to i + shift. */
    private static int firstQuery(int j, int shift) {
        return Math.max(0, j - shift);
    }

    public static Var apply(Var q, Var k, Var v, int heads, int kvHeads, Tensor keyMask) {
        return apply(q, k, v, heads, kvHeads, keyMask, 0);
    }

    /**
     * As {@link #apply(Var, Var, Var, int, int, Tensor)} with sliding-window attention when
     * {@code window > 0}: query position i sees key position j only when i - window < j <= i
     * (Mistral's window, counted in positions of the padded batch as transformers does).
     */
    public static Var apply(Var q, Var k, Var v, int heads, int kvHeads, Tensor keyMask, int window) {
        int[] qs = q.shape(), ks = k.shape(), vs = v.shape();
        if (!Arrays.equals(ks, vs)) {
            throw new IllegalArgumentException("attention: k " + Arrays.toString(ks) + " and v " + Arrays.toString(vs) + " must have equal shapes");
        }
        check("attention", qs, ks, ks[1], heads, kvHeads, keyMask);
        int batch = qs[0], qLen = qs[1], kLen = ks[1], hd = qs[2] / heads, group = heads / kvHeads, shift = kLen - qLen;
        float[] mask = keyMask == null ? null : keyMask.toArray();
        float scale = (float) (1.0 / Math.sqrt(hd));
        int qw = heads * hd, kw = kvHeads * hd, tile = qLen * kLen;
        Tensor qv = q.value(), kv = k.value(), vv = v.value();
        float[] qd = qv.data(), kd = kv.data(), vd = vv.data();
        int qo = qv.offset(), ko = kv.offset(), vo = vv.offset();
        // forward writes every row of both in full; probs may be longer than needed (TensorPool)
        float[] probs = Tape.willRecord(q, k, v) ? Tensor.empty(batch * heads * tile).data() : null;
        Tensor out = Tensor.empty(batch, qLen, qw);
        forward(qv, kd, ko, vd, vo, kLen * kw, kLen, heads, kvHeads, mask, window, probs, out);

        return Tape.output(out, g -> {
            float[] gd = g.data();
            float[] dq = q.requiresGrad() ? q.ensureGrad().data() : null;
            float[] dk = k.requiresGrad() ? k.ensureGrad().data() : null;
            float[] dv = v.requiresGrad() ? v.ensureGrad().data() : null;
            // one task per (batch, kv head): the heads sharing a kv head accumulate into it in order
            int groups = batch * kvHeads;
            int bchunks = Math.max(1, Math.min(Parallel.threads(), groups));
            Parallel.forChunks(bchunks, c -> {
                float[] ds = new float[tile];
                for (int bg = Parallel.range(groups, bchunks, c), end = Parallel.range(groups, bchunks, c + 1); bg < end; bg++) {
                    int b = bg / kvHeads, kvh = bg % kvHeads;
                    int kOff = b * kLen * kw + kvh * hd;
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                        int po = (b * heads + h) * tile, qOff = b * qLen * qw + h * hd;
                        if (dv != null) { // key rows j only get gradient from the queries that see them
                            for (int j0 = 0; j0 < kLen; j0 += CAUSAL_BLOCK) {
                                int j1 = Math.min(kLen, j0 + CAUSAL_BLOCK), i0 = firstQuery(j0, shift);
                                Gemm.gemm(true, false, j1 - j0, hd, qLen - i0, 1f, probs, po + i0 * kLen + j0, kLen,
                                        gd, qOff + i0 * qw, qw, 1f, dv, kOff + j0 * kw, kw);
                            }
                        }
                        if (dq == null && dk == null) continue;
                        // dP = dO · vᵀ, then dS = P ⊙ (dP - rowsum(dP ⊙ P)), only over the keys each
                        // block of queries sees; the hidden rest of dS is 0 like P there
                        for (int i0 = 0; i0 < qLen; i0 += CAUSAL_BLOCK) {
                            int i1 = Math.min(qLen, i0 + CAUSAL_BLOCK), keys = Math.min(kLen, i1 + shift);
                            Gemm.gemm(false, true, i1 - i0, keys, hd, 1f, gd, qOff + i0 * qw, qw, vd, vo + kOff, kw, 0f, ds, i0 * kLen, kLen);
                            for (int i = i0; i < i1; i++) {
                                int r = i * kLen;
                                float dot = Simd.dot(ds, r, probs, po + r, keys);
                                Simd.mul(ds, r, probs, po + r, ds, r, keys);
                                Simd.axpy(-dot, probs, po + r, ds, r, keys);
                                Arrays.fill(ds, r + keys, r + kLen, 0f);
                            }
                            if (dq != null) {
                                Gemm.gemm(false, false, i1 - i0, hd, keys, scale, ds, i0 * kLen, kLen, kd, ko + kOff, kw, 1f, dq, qOff + i0 * qw, qw);
                            }
                        }
                        if (dk != null) {
                            for (int j0 = 0; j0 < kLen; j0 += CAUSAL_BLOCK) {
                                int j1 = Math.min(kLen, j0 + CAUSAL_BLOCK), i0 = firstQuery(j0, shift);
                                Gemm.gemm(true, false, j1 - j0, hd, qLen - i0, scale, ds, i0 * kLen + j0, kLen,
                                        qd, qo + qOff + i0 * qw, qw, 1f, dk, kOff + j0 * kw, kw);
                            }
                        }
                    }
                }
            });
        }, q, k, v);
    }

    /**
     * Attention of new queries over the first {@code length} positions of a KV cache, never
     * recorded (generation): q [batch, qLen, heads * headDim]; keys and values
     * [batch, capacity, kvHeads * headDim] with the new positions already written; keyMask
     * [batch, length] or null. Equals {@link #apply} on {@code keys[:, :length]}, without copying the cache.
     */
    public static Tensor cached(Tensor q, Tensor keys, Tensor values, int length, int heads, int kvHeads, Tensor keyMask) {
        return cached(q, keys, values, length, heads, kvHeads, keyMask, 0);
    }

    /** As {@link #cached(Tensor, Tensor, Tensor, int, int, int, Tensor)} with a sliding window when {@code window > 0}. */
    public static Tensor cached(Tensor q, Tensor keys, Tensor values, int length, int heads, int kvHeads, Tensor keyMask, int window) {
        if (!q.isContiguous() || !keys.isDense() || !values.isDense() || !keys.sameShape(values)) {
            throw new IllegalArgumentException("attention cache: q " + Arrays.toString(q.shape()) + " must be contiguous and keys "
                    + Arrays.toString(keys.shape()) + ", values " + Arrays.toString(values.shape()) + " dense tensors of one shape");
        }
        int[] ks = keys.shape();
        if (ks.length != 3 || length < 0 || length > ks[1]) {
            throw new IllegalArgumentException("attention cache: length " + length + " does not fit cache " + Arrays.toString(ks));
        }
        check("attention cache", q.shape(), new int[] {ks[0], length, ks[2]}, length, heads, kvHeads, keyMask);
        Tensor out = Tensor.zeros(q.dim(0), q.dim(1), q.dim(2));
        forward(q, keys.data(), 0, values.data(), 0, ks[1] * ks[2], length, heads, kvHeads,
                keyMask == null ? null : keyMask.toArray(), window, null, out);
        return out;
    }

    private static void check(String op, int[] qs, int[] ks, int kLen, int heads, int kvHeads, Tensor keyMask) {
        if (qs.length != 3 || ks.length != 3 || qs[0] != ks[0]) {
            throw new IllegalArgumentException(op + ": q " + Arrays.toString(qs) + " and k " + Arrays.toString(ks)
                    + " must be [batch, len, heads * head_dim] with equal batch");
        }
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(op + ": kv_heads " + kvHeads + " must divide heads " + heads);
        }
        if (qs[2] % heads != 0 || (long) ks[2] * heads != (long) qs[2] * kvHeads) {
            throw new IllegalArgumentException(op + ": q " + Arrays.toString(qs) + " with " + heads + " heads and k " + Arrays.toString(ks)
                    + " with " + kvHeads + " kv heads disagree on head_dim");
        }
        if (kLen < qs[1]) throw new IllegalArgumentException(op + ": key length " + kLen + " is shorter than query length " + qs[1]);
        if (keyMask != null && !Arrays.equals(keyMask.shape(), new int[] {qs[0], kLen})) {
            throw new IllegalArgumentException(op + ": key mask " + Arrays.toString(keyMask.shape()) + " does not match [batch, key length] "
                    + Arrays.toString(new int[] {qs[0], kLen}));
        }
    }

    /**
     * Writes out = softmax(q·kᵀ/sqrt(d) + mask)·v. Keys and values rows are kvHeads·headDim
     * apart and batches {@code kvBatchStride} apart. {@code probs}, when non-null, keeps the
     * probabilities for backward; otherwise each worker uses a scratch tile.
     */
    private static void forward(Tensor q, float[] kd, int ko, float[] vd, int vo, int kvBatchStride, int kLen,
                                int heads, int kvHeads, float[] mask, int window, float[] probs, Tensor out) {
        if (window < 0) throw new IllegalArgumentException("attention: sliding window must be positive (or 0 for none), got " + window);
        int batch = q.dim(0), qLen = q.dim(1), qw = q.dim(2), hd = qw / heads, kw = kvHeads * hd, group = heads / kvHeads;
        int shift = kLen - qLen, tile = qLen * kLen;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] qd = q.data(), od = out.data();
        int qo = q.offset();
        int pairs = batch * heads;
        int chunks = Math.max(1, Math.min(Parallel.threads(), pairs));
        Parallel.forChunks(chunks, c -> {
            float[] scratch = probs != null ? null : new float[tile];
            for (int bh = Parallel.range(pairs, chunks, c), end = Parallel.range(pairs, chunks, c + 1); bh < end; bh++) {
                int b = bh / heads, h = bh % heads, kvh = h / group;
                float[] p = probs != null ? probs : scratch;
                int po = probs != null ? bh * tile : 0;
                // causal: a block of queries needs scores only for the keys its last query sees
                for (int i0 = 0; i0 < qLen; i0 += CAUSAL_BLOCK) {
                    int i1 = Math.min(qLen, i0 + CAUSAL_BLOCK), keys = Math.min(kLen, i1 + shift);
                    Gemm.gemm(false, true, i1 - i0, keys, hd, scale, qd, qo + b * qLen * qw + i0 * qw + h * hd, qw,
                            kd, ko + b * kvBatchStride + kvh * hd, kw, 0f, p, po + i0 * kLen, kLen);
                    for (int i = i0; i < i1; i++) {
                        int visible = Math.min(kLen, i + shift + 1), first = window > 0 ? Math.max(0, i + shift - window + 1) : 0;
                        softmaxRow(p, po + i * kLen, first, visible, kLen, mask, b * kLen);
                    }
                    Gemm.gemm(false, false, i1 - i0, hd, keys, 1f, p, po + i0 * kLen, kLen, vd, vo + b * kvBatchStride + kvh * hd, kw,
                            0f, od, b * qLen * qw + i0 * qw + h * hd, qw);
                }
            }
        });
    }

    /** In-place softmax of the visible keys [first, visible) of one score row; hidden keys become exactly 0. */
    private static void softmaxRow(float[] s, int off, int first, int visible, int kLen, float[] mask, int maskOff) {
        Arrays.fill(s, off, off + first, 0f);
        off += first;
        maskOff += first;
        visible -= first;
        kLen -= first;
        if (mask != null) {
            for (int j = 0; j < visible; j++) if (mask[maskOff + j] == 0f) s[off + j] = Float.NEGATIVE_INFINITY;
        }
        float max = visible > 0 ? Simd.max(s, off, visible) : Float.NEGATIVE_INFINITY;
        if (max == Float.NEGATIVE_INFINITY) { // nothing visible
            Arrays.fill(s, off, off + kLen, 0f);
            return;
        }
        float sum = Simd.expShifted(s, off, max, s, off, visible);
        if (mask != null) {
            for (int j = 0; j < visible; j++) {
                if (mask[maskOff + j] == 0f) {
                    sum -= s[off + j];
                    s[off + j] = 0f;
                }
            }
        }
        Simd.scale(1f / sum, s, off, s, off, visible);
        Arrays.fill(s, off + visible, off + kLen, 0f);
    }
}
