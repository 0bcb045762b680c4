package dev.selfee.engine.backend;

/**
 * The sizes of a causal grouped-query attention call on a {@link Backend}: q is
 * [batch, qLen, heads * headDim], k and v are [batch, keyCapacity, kvHeads * headDim] of which
 * the first kLen positions are attended (keyCapacity = kLen, or a KV cache's capacity during
 * generation), the key mask [batch, kLen] and the saved log-sum-exp [batch, heads, qLen].
 */
public record AttentionShape(int batch, int qLen, int kLen, int heads, int kvHeads, int headDim, int keyCapacity) {
    /** Attention over whole k and v tensors: keyCapacity = kLen. */
    public AttentionShape(int batch, int qLen, int kLen, int heads, int kvHeads, int headDim) {
        this(batch, qLen, kLen, heads, kvHeads, headDim, kLen);
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
                + (keyCapacity != kLen ? " keyCapacity=" + keyCapacity : "");
    }
}
