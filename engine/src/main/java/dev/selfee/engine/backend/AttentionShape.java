package dev.selfee.engine.backend;

/**
 * The sizes of a causal grouped-query attention call on a {@link Backend}: q is
 * [batch, qLen, heads * headDim], k and v are [batch, keyCapacity, kvHeads * headDim] of which
 * the first kLen positions are attended (keyCapacity = kLen, or a KV cache's capacity during
 * generation), the key mask [batch, kLen] and the saved log-sum-exp [batch, heads, qLen].
 * With a sliding {@code window} &gt; 0 (Mistral), a query at key position p sees only keys j with
 * p - window &lt; j &lt;= p, as {@link dev.selfee.engine.ops.Attention} with a window.
 */
public record AttentionShape(int batch, int qLen, int kLen, int heads, int kvHeads, int headDim, int keyCapacity, int window) {
    /** Attention over whole k and v tensors (keyCapacity = kLen) without a sliding window. */
    public AttentionShape(int batch, int qLen, int kLen, int heads, int kvHeads, int headDim) {
        this(batch, qLen, kLen, heads, kvHeads, headDim, kLen, 0);
    }

    /** The same attention over the first kLen positions of k and v buffers of {@code capacity} positions per batch. */
    public AttentionShape withKeyCapacity(int capacity) {
        return new AttentionShape(batch, qLen, kLen, heads, kvHeads, headDim, capacity, window);
    }

    /** The same attention with a sliding window of {@code positions} (0: none). */
    public AttentionShape withWindow(int positions) {
        return new AttentionShape(batch, qLen, kLen, heads, kvHeads, headDim, keyCapacity, positions);
    }

    public AttentionShape {
        if (batch < 0 || qLen < 0 || kLen < 0) {
            throw new IllegalArgumentException("attention: batch, qLen and kLen must be >= 0, got " + batch + ", " + qLen + ", " + kLen);
        }
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: kv_heads " + kvHeads + " must divide heads " + heads);
        }
        if (headDim <= 0) throw new IllegalArgumentException("attention: head_dim must be positive, got " + headDim);
        if (kLen < qLen) throw new IllegalArgumentException("attention: key length " + kLen + " is shorter than query length " + qLen);
        if (keyCapacity < kLen) {
            throw new IllegalArgumentException("attention: key capacity " + keyCapacity + " is smaller than the key length " + kLen);
        }
        if (window < 0) throw new IllegalArgumentException("attention: sliding window must be positive (or 0 for none), got " + window);
    }

    /** Keys [firstKey(i), endKey(i)) are the ones query i may see (before the mask): causal, and within the window. */
    public int firstKey(int i) {
        return window > 0 ? Math.max(0, i + kLen - qLen - window + 1) : 0;
    }

    /** One past the last key query i may see: the keys at or before its position. */
    public int endKey(int i) {
        return Math.min(kLen, i + kLen - qLen + 1);
    }

    /** Floats in q, out and their gradients. */
    public long queryFloats() {
        return (long) batch * qLen * heads * headDim;
    }

    /** Floats in k, v and their gradients (with the capacity's unused positions). */
    public long keyFloats() {
        return (long) batch * keyCapacity * kvHeads * headDim;
    }

    /** Floats in the saved log-sum-exp. */
    public long lseFloats() {
        return (long) batch * heads * qLen;
    }

    /** The scores' scale, 1/sqrt(headDim). */
    public float scale() {
        return (float) (1.0 / Math.sqrt(headDim));
    }

    @Override
    public String toString() {
        return "batch=" + batch + " qLen=" + qLen + " kLen=" + kLen + " heads=" + heads + " kvHeads=" + kvHeads + " headDim=" + headDim
                + (keyCapacity != kLen ? " keyCapacity=" + keyCapacity : "") + (window > 0 ? " window=" + window : "");
    }
}
