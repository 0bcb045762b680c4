package dev.selfee.engine.backend;

/**
 * A compute device and the kernels it runs: the seam between the engine and CPU or GPU code.
 *
 * <p>Work happens on {@link DeviceBuffer}s of fp32 values that live on the device; the host
 * moves data in and out explicitly with {@link DeviceBuffer#write} and {@link DeviceBuffer#read}.
 * Kernels may run asynchronously: a read waits for the kernels queued before it, and
 * {@link #synchronize()} waits for all of them (for timing). Offsets and lengths count floats.
 * Every kernel takes {@linkplain DeviceBuffer#slice slices} for its buffers, so ops work on views.
 *
 * <p>Backward kernels of the model ops <em>add</em> to their gradient buffers, as gradients
 * accumulate in the autograd tape; a gradient buffer that may be null is skipped. Token ids
 * and positions travel in float buffers as exact integers (below 2^24): one buffer type,
 * uploaded once per batch and shared by every layer. Ids must be valid (the CPU backend checks;
 * a device cannot throw and only avoids reading out of bounds).
 *
 * <p>A backend lives for the whole process (see {@link Backends}); its kernels are compiled
 * once. Its operations are thread-safe but serialised.
 */
public interface Backend {
    /** The name it is selected by: {@code cpu}, {@code opencl}. */
    String name();

    /** The device it runs on, for people: e.g. {@code "NVIDIA H100 (NVIDIA CUDA, OpenCL 3.0)"}. */
    String deviceDescription();

    /** A buffer of {@code length} floats; its contents are undefined until written. */
    DeviceBuffer allocate(long length);

    /** A new buffer holding a copy of {@code values}. */
    default DeviceBuffer upload(float[] values) {
        DeviceBuffer b = allocate(values.length);
        b.write(0, values, 0, values.length);
        return b;
    }

    /**
     * Copies floats {@code [srcOff .. srcOff+n)} of {@code src} to {@code dst} from {@code dstOff} on,
     * without a round trip through the host. Within one buffer the two ranges must not overlap.
     */
    void copy(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n);

    /**
     * A strided copy in one launch: for r &lt; rows, the {@code cols} floats of {@code src} from
     * {@code srcOff + r * srcStride} on go to {@code dst} from {@code dstOff + r * dstStride} on
     * (a batch's new keys into each row of a KV cache; each sequence's last position out of a batch).
     * Strides are at least 0; within one buffer the ranges must not overlap.
     */
    void copyRows(DeviceBuffer src, long srcOff, long srcStride, DeviceBuffer dst, long dstOff, long dstStride, int rows, int cols);

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} on row-major matrices, with the same meaning
     * of arguments as {@link dev.selfee.engine.kernel.Gemm#gemm}: op(A) is m×k, op(B) is k×n,
     * lda/ldb/ldc are row strides as stored. When beta is 0, C is not read.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, DeviceBuffer a, long aOff, int lda,
              DeviceBuffer b, long bOff, int ldb,
              float beta, DeviceBuffer c, long cOff, int ldc);

    /** {@code out[i] = a[i] + b[i]} for i &lt; n; out may be a or b. */
    void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n);

    /** {@code out[i] = a[i] * b[i]} for i &lt; n; out may be a or b. */
    void mul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n);

    /** {@code out[i] = s * x[i]} for i &lt; n; out may be x. */
    void scale(DeviceBuffer x, float s, DeviceBuffer out, int n);

    /** {@code out[i] = x[i] * sigmoid(x[i])} for i &lt; n; out may be x. */
    void silu(DeviceBuffer x, DeviceBuffer out, int n);

    /** SiLU's backward: {@code dx[i] = dy[i] * s * (1 + x[i] * (1 - s))} with {@code s = sigmoid(x[i])}; dx may be dy. */
    void siluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n);

    /** Softmax of each row of a contiguous rows×cols matrix (max-subtracted); out may be x. */
    void softmaxRows(DeviceBuffer x, DeviceBuffer out, int rows, int cols);

    /**
     * Softmax's backward from its output y: {@code dx[r][j] = y[r][j] * (dy[r][j] - Σ_k dy[r][k] y[r][k])};
     * dx may be dy.
     */
    void softmaxRowsBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols);

    /**
     * RMSNorm of each row of a contiguous rows×cols matrix, Llama-style:
     * {@code out[r][j] = x[r][j] / sqrt(mean_j(x[r][j]²) + eps) * weight[j]}; out may be x.
     */
    void rmsNormRows(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int rows, int cols, float eps);

    /**
     * RMSNorm's backward: writes {@code dx} and <em>adds</em> the weight gradient to {@code dweight}
     * (cols floats), as gradients accumulate; dx must be a buffer of its own. With {@code inv = 1/sqrt(mean(x²) + eps)} per row:
     * {@code dx = inv * (dy*w - x * inv² * mean(dy*w*x))}, {@code dweight[j] += Σ_r dy[r][j] * x[r][j] * inv[r]}.
     */
    void rmsNormRowsBackward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer dweight,
                             int rows, int cols, float eps);

    /**
     * One AdamW step (decoupled weight decay, as PyTorch's {@code torch.optim.AdamW}) on the first
     * n values, updating {@code param}, {@code m} and {@code v} in place; {@code step} counts from 1:
     * <pre>
     * param -= lr * weightDecay * param
     * m = beta1 * m + (1 - beta1) * grad;   v = beta2 * v + (1 - beta2) * grad²
     * param -= lr * (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps)
     * </pre>
     */
    void adamw(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
               float lr, float beta1, float beta2, float eps, float weightDecay, long step);

    /** {@code out[i] = value} for i &lt; n (zeroing a gradient buffer). */
    void fill(DeviceBuffer out, float value, int n);

    /** {@code out[r] = Σ_j x[r][j]} over a contiguous rows×cols matrix (per-sequence sums, a loss total). */
    void rowSums(DeviceBuffer x, DeviceBuffer out, int rows, int cols);

    /**
     * {@code out[r] = Σ_j x[r][j]²} over a contiguous rows×cols matrix: per-block partial sums of a
     * gradient arena, which the host adds in double for the global norm that clipping needs.
     */
    void rowSumsOfSquares(DeviceBuffer x, DeviceBuffer out, int rows, int cols);

    /**
     * Rotary position embedding in HF's rotate_half convention on x [rows, heads * headDim]:
     * in each head, the pair (x[i], x[i + headDim/2]) is rotated by the angle
     * {@code positions[r] * invFreq[i]} (fp32 product, as HF forms it), i &lt; headDim/2. Passing the
     * inverse frequencies lets scaled variants (llama3) share the kernel; out may be x.
     */
    void rope(DeviceBuffer x, DeviceBuffer out, DeviceBuffer positions, DeviceBuffer invFreq, int rows, int heads, int headDim);

    /** RoPE's backward: adds the rotation of dy by the negative angles to dx (dx must not be dy). */
    void ropeBackward(DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer positions, DeviceBuffer invFreq, int rows, int heads, int headDim);

    /** The gated MLP activation {@code out[i] = silu(gate[i]) * up[i]}; out may be gate or up. */
    void swiglu(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer out, int n);

    /**
     * SwiGLU's backward: {@code dgate += dy * up * silu'(gate)}, {@code dup += dy * silu(gate)};
     * either gradient may be null.
     */
    void swigluBackward(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer dy, DeviceBuffer dgate, DeviceBuffer dup, int n);

    /**
     * Causal scaled-dot-product attention with grouped-query heads, as
     * {@link dev.selfee.engine.ops.Attention}: query head h reads kv head h / (heads / kvHeads);
     * query i sits at key position i + kLen - qLen and sees the keys at or before it whose
     * {@code keyMask} entry is non-zero (HF's attention_mask; null: all keys), and only those
     * inside a sliding window when the shape has one; scores are scaled by 1/sqrt(headDim);
     * k and v may be a KV cache's buffers ({@link AttentionShape#keyCapacity}). Writes out, and for
     * the backward the log-sum-exp of each query's scaled scores into lse [batch, heads, qLen]:
     * -∞ for a query that sees no key, whose output is zeros.
     */
    void attention(AttentionShape shape, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask,
                   DeviceBuffer out, DeviceBuffer lse);

    /**
     * Attention's backward from the forward's out and lse and the output gradient dOut; adds to
     * dq, dk and dv (each may be null). Probabilities are recomputed from lse, not stored.
     */
    void attentionBackward(AttentionShape shape, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask,
                           DeviceBuffer out, DeviceBuffer lse, DeviceBuffer dOut,
                           DeviceBuffer dq, DeviceBuffer dk, DeviceBuffer dv);

    /** Row gather: {@code out[r] = table[ids[r]]} for r &lt; count, rows of dim floats; table has vocab rows. */
    void embedding(DeviceBuffer table, DeviceBuffer ids, DeviceBuffer out, int count, int vocab, int dim);

    /**
     * Embedding's backward: {@code dtable[ids[r]] += dy[r]} for r &lt; count, in increasing r
     * for every table row, so the result is deterministic (no float atomics).
     */
    void embeddingBackward(DeviceBuffer dy, DeviceBuffer ids, DeviceBuffer dtable, int count, int vocab, int dim);

    /**
     * The log-softmax of each logits row [rows, vocab] at its target, weighted:
     * {@code lse[r] = log Σ_j exp(logits[r][j])}, {@code picked[r] = weights[r] * (logits[r][targets[r]] - lse[r])}.
     * Rows of weight 0 are skipped (lse and picked become 0; their target is not read, so it
     * may be an ignore index). Summing picked per sequence ({@link #rowSums}) gives DPO's
     * sequence log-probabilities; minus its total over Σ weights is the cross-entropy.
     */
    void logSoftmaxGather(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights,
                          DeviceBuffer lse, DeviceBuffer picked, int rows, int vocab);

    /**
     * Its backward, given the gradient of picked shared by groups of {@code rowsPerGrad}
     * consecutive rows ({@code g = dPicked[r / rowsPerGrad]}: seq for per-sequence sums, rows for
     * one total): {@code dlogits[r][j] += g * weights[r] * ([j = targets[r]] - exp(logits[r][j] - lse[r]))}.
     */
    void logSoftmaxGatherBackward(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights, DeviceBuffer lse,
                                  DeviceBuffer dPicked, int rowsPerGrad, DeviceBuffer dlogits, int rows, int vocab);

    /**
     * The same backward written over the logits, which are then gone: {@code logits[r][j] =
     * g * weights[r] * ([j = targets[r]] - exp(logits[r][j] - lse[r]))}, and rows of weight 0 become
     * zeros. Equal to {@link #logSoftmaxGatherBackward} into a zeroed buffer, without a second
     * rows×vocab buffer: each value is read once, by the work that overwrites it.
     */
    void logSoftmaxGatherBackwardInPlace(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights, DeviceBuffer lse,
                                         DeviceBuffer dPicked, int rowsPerGrad, int rows, int vocab);

    /** Waits until every queued kernel and transfer has finished. */
    void synchronize();
}
