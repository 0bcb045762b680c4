package dev.selfee.engine.backend.cpu;

import dev.selfee.engine.backend.AdamWArgs;
import dev.selfee.engine.backend.AttentionShape;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.backend.DeviceSlice;
import dev.selfee.engine.backend.GemmBounds;
import dev.selfee.engine.kernel.Gemm;

/**
 * The default backend: buffers are heap arrays and GEMM is {@link Gemm}. Its elementwise and
 * row kernels are the reference the device backends are tested against.
 */
public final class CpuBackend implements Backend {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String deviceDescription() {
        return "host CPU (" + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version() + ")";
    }

    @Override
    public DeviceBuffer allocate(long length) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cpu allocate: " + length + " floats is outside 0 .. " + (Integer.MAX_VALUE - 8));
        }
        return new CpuBuffer(this, (int) length);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n) {
        DeviceBuffer.requireHolds("cpu copy", "source", src, srcOff + n);
        DeviceBuffer.requireHolds("cpu copy", "destination", dst, dstOff + n);
        if (srcOff < 0 || dstOff < 0) throw new IllegalArgumentException("cpu copy: negative offset " + Math.min(srcOff, dstOff));
        View s = view(src), d = view(dst);
        System.arraycopy(s.a, s.o + (int) srcOff, d.a, d.o + (int) dstOff, (int) n);
    }

    @Override
    public void copyRows(DeviceBuffer src, long srcOff, long srcStride, DeviceBuffer dst, long dstOff, long dstStride, int rows, int cols) {
        DeviceBuffer.requireRows("cpu copyRows", "source", src, srcOff, srcStride, rows, cols);
        DeviceBuffer.requireRows("cpu copyRows", "destination", dst, dstOff, dstStride, rows, cols);
        View s = view(src), d = view(dst);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(s.a, s.o + (int) (srcOff + r * srcStride), d.a, d.o + (int) (dstOff + r * dstStride), cols);
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
                     float beta, DeviceBuffer c, long cOff, int ldc) {
        GemmBounds.check(name(), transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        View va = view(a), vb = view(b), vc = view(c);
        Gemm.gemm(transA, transB, m, n, k, alpha, va.a, va.o + (int) aOff, lda, vb.a, vb.o + (int) bOff, ldb,
                beta, vc.a, vc.o + (int) cOff, ldc);
    }

    @Override
    public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        View x = vec("add", a, n), y = vec("add", b, n), o = vec("add", out, n);
        for (int i = 0; i < n; i++) o.set(i, x.get(i) + y.get(i));
    }

    @Override
    public void mul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        View x = vec("mul", a, n), y = vec("mul", b, n), o = vec("mul", out, n);
        for (int i = 0; i < n; i++) o.set(i, x.get(i) * y.get(i));
    }

    @Override
    public void scale(DeviceBuffer x, float s, DeviceBuffer out, int n) {
        View in = vec("scale", x, n), o = vec("scale", out, n);
        for (int i = 0; i < n; i++) o.set(i, s * in.get(i));
    }

    @Override
    public void fill(DeviceBuffer out, float value, int n) {
        View o = vec("fill", out, n);
        java.util.Arrays.fill(o.a, o.o, o.o + n, value);
    }

    @Override
    public void silu(DeviceBuffer x, DeviceBuffer out, int n) {
        View in = vec("silu", x, n), o = vec("silu", out, n);
        for (int i = 0; i < n; i++) o.set(i, in.get(i) / (1f + (float) Math.exp(-in.get(i))));
    }

    @Override
    public void siluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        View in = vec("siluBackward", x, n), g = vec("siluBackward", dy, n), o = vec("siluBackward", dx, n);
        for (int i = 0; i < n; i++) {
            float s = sigmoid(in.get(i));
            o.set(i, g.get(i) * s * (1f + in.get(i) * (1f - s)));
        }
    }

    @Override
    public void swiglu(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer out, int n) {
        View g = vec("swiglu", gate, n), u = vec("swiglu", up, n), o = vec("swiglu", out, n);
        for (int i = 0; i < n; i++) o.set(i, g.get(i) * sigmoid(g.get(i)) * u.get(i));
    }

    @Override
    public void swigluBackward(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer dy, DeviceBuffer dgate, DeviceBuffer dup, int n) {
        String op = "swigluBackward";
        View g = vec(op, gate, n), u = vec(op, up, n), d = vec(op, dy, n);
        View dg = dgate == null ? null : vec(op, dgate, n), du = dup == null ? null : vec(op, dup, n);
        for (int i = 0; i < n; i++) {
            float a = g.get(i);
            if (dg != null) dg.set(i, dg.get(i) + d.get(i) * u.get(i) * siluDerivative(a));
            if (du != null) du.set(i, du.get(i) + d.get(i) * a * sigmoid(a));
        }
    }

    @Override
    public void softmaxRows(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        View in = matrix("softmaxRows", x, rows, cols), o = matrix("softmaxRows", out, rows, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, in.get(base + j));
            float sum = 0f;
            for (int j = 0; j < cols; j++) {
                float e = (float) Math.exp(in.get(base + j) - max);
                o.set(base + j, e);
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < cols; j++) o.set(base + j, o.get(base + j) * inv);
        }
    }

    @Override
    public void softmaxRowsBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols) {
        String op = "softmaxRowsBackward";
        View yy = matrix(op, y, rows, cols), g = matrix(op, dy, rows, cols), o = matrix(op, dx, rows, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float dot = 0f;
            for (int j = 0; j < cols; j++) dot += g.get(base + j) * yy.get(base + j);
            for (int j = 0; j < cols; j++) o.set(base + j, yy.get(base + j) * (g.get(base + j) - dot));
        }
    }

    @Override
    public void rmsNormRows(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int rows, int cols, float eps) {
        View in = matrix("rmsNormRows", x, rows, cols), o = matrix("rmsNormRows", out, rows, cols);
        View w = vec("rmsNormRows weight", weight, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float ss = 0f;
            for (int j = 0; j < cols; j++) ss += in.get(base + j) * in.get(base + j);
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            for (int j = 0; j < cols; j++) o.set(base + j, in.get(base + j) * inv * w.get(j));
        }
    }

    @Override
    public void rmsNormRowsBackward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer dweight,
                                    int rows, int cols, float eps) {
        String op = "rmsNormRowsBackward";
        if (dx == x || dx == dy) throw new IllegalArgumentException("cpu " + op + ": dx must not be x or dy (both are read after dx is written)");
        View in = matrix(op, x, rows, cols), g = matrix(op, dy, rows, cols), o = matrix(op, dx, rows, cols);
        View w = vec(op + " weight", weight, cols), dw = vec(op + " dweight", dweight, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float ss = 0f, dot = 0f;
            for (int j = 0; j < cols; j++) {
                ss += in.get(base + j) * in.get(base + j);
                dot += g.get(base + j) * w.get(j) * in.get(base + j);
            }
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            float c = inv * inv * dot / cols;
            for (int j = 0; j < cols; j++) {
                float xj = in.get(base + j);
                dw.set(j, dw.get(j) + g.get(base + j) * xj * inv);
                o.set(base + j, inv * (g.get(base + j) * w.get(j) - xj * c));
            }
        }
    }

    @Override
    public void rowSums(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        View in = matrix("rowSums", x, rows, cols), o = vec("rowSums out", out, rows);
        for (int r = 0; r < rows; r++) {
            float s = 0f;
            for (int j = 0; j < cols; j++) s += in.get(r * cols + j);
            o.set(r, s);
        }
    }

    @Override
    public void rowSumsOfSquares(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        View in = matrix("rowSumsOfSquares", x, rows, cols), o = vec("rowSumsOfSquares out", out, rows);
        for (int r = 0; r < rows; r++) {
            double s = 0; // in double: the reference the device's tree sums are held to
            for (int j = 0; j < cols; j++) {
                double v = in.get(r * cols + j);
                s += v * v;
            }
            o.set(r, (float) s);
        }
    }

    @Override
    public void rope(DeviceBuffer x, DeviceBuffer out, DeviceBuffer positions, DeviceBuffer invFreq, int rows, int heads, int headDim) {
        rotate("rope", x, out, positions, invFreq, rows, heads, headDim, false);
    }

    @Override
    public void ropeBackward(DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer positions, DeviceBuffer invFreq, int rows, int heads, int headDim) {
        if (dx == dy) throw new IllegalArgumentException("cpu ropeBackward: dx must not be dy (it is added to)");
        rotate("ropeBackward", dy, dx, positions, invFreq, rows, heads, headDim, true);
    }

    /** Rotates each head's (x[i], x[i + half]) pairs by position · invFreq[i]; backward adds the inverse rotation. */
    private void rotate(String op, DeviceBuffer x, DeviceBuffer out, DeviceBuffer positions, DeviceBuffer invFreq,
                        int rows, int heads, int headDim, boolean backward) {
        if (heads <= 0 || headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("cpu " + op + ": heads must be positive and head_dim positive and even, got " + heads + ", " + headDim);
        }
        int width = heads * headDim, half = headDim / 2;
        View in = matrix(op, x, rows, width), o = matrix(op, out, rows, width);
        View pos = vec(op + " positions", positions, rows), f = vec(op + " invFreq", invFreq, half);
        for (int r = 0; r < rows; r++) {
            int p = index(op, "position", pos.get(r), Integer.MAX_VALUE, r);
            for (int i = 0; i < half; i++) {
                float angle = p * f.get(i);
                float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
                for (int h = 0; h < heads; h++) {
                    int at = r * width + h * headDim + i;
                    float x1 = in.get(at), x2 = in.get(at + half);
                    if (backward) {
                        o.set(at, o.get(at) + x1 * c + x2 * s);
                        o.set(at + half, o.get(at + half) + x2 * c - x1 * s);
                    } else {
                        o.set(at, x1 * c - x2 * s);
                        o.set(at + half, x2 * c + x1 * s);
                    }
                }
            }
        }
    }

    @Override
    public void attention(AttentionShape sh, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask,
                          DeviceBuffer out, DeviceBuffer lse) {
        AttentionArgs a = new AttentionArgs("attention", sh, q, k, v, keyMask);
        View o = vec("attention out", out, sh.queryFloats()), l = vec("attention lse", lse, sh.lseFloats());
        int hd = sh.headDim();
        float[] scores = new float[sh.kLen()];
        for (int b = 0; b < sh.batch(); b++) {
            for (int h = 0; h < sh.heads(); h++) {
                for (int i = 0; i < sh.qLen(); i++) {
                    int qAt = a.qRow(b, i, h), lAt = (b * sh.heads() + h) * sh.qLen() + i;
                    for (int d = 0; d < hd; d++) o.set(qAt + d, 0f);
                    int first = sh.firstKey(i), end = sh.endKey(i);
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = first; j < end; j++) {
                        scores[j] = a.seen(b, j) ? a.score(b, i, h, j) : Float.NEGATIVE_INFINITY;
                        max = Math.max(max, scores[j]);
                    }
                    if (max == Float.NEGATIVE_INFINITY) { // sees no key
                        l.set(lAt, Float.NEGATIVE_INFINITY);
                        continue;
                    }
                    float sum = 0f;
                    for (int j = first; j < end; j++) sum += scores[j] = (float) Math.exp(scores[j] - max);
                    l.set(lAt, max + (float) Math.log(sum));
                    for (int j = first; j < end; j++) {
                        float p = scores[j] / sum;
                        int kAt = a.kRow(b, j, h);
                        for (int d = 0; d < hd; d++) o.set(qAt + d, o.get(qAt + d) + p * a.v.get(kAt + d));
                    }
                }
            }
        }
    }

    @Override
    public void attentionBackward(AttentionShape sh, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask,
                                  DeviceBuffer out, DeviceBuffer lse, DeviceBuffer dOut,
                                  DeviceBuffer dq, DeviceBuffer dk, DeviceBuffer dv) {
        String op = "attentionBackward";
        AttentionArgs a = new AttentionArgs(op, sh, q, k, v, keyMask);
        View o = vec(op + " out", out, sh.queryFloats()), l = vec(op + " lse", lse, sh.lseFloats());
        View g = vec(op + " dOut", dOut, sh.queryFloats());
        View gq = dq == null ? null : vec(op + " dq", dq, sh.queryFloats());
        View gk = dk == null ? null : vec(op + " dk", dk, sh.keyFloats()), gv = dv == null ? null : vec(op + " dv", dv, sh.keyFloats());
        int hd = sh.headDim();
        float scale = sh.scale();
        for (int b = 0; b < sh.batch(); b++) {
            for (int h = 0; h < sh.heads(); h++) {
                for (int i = 0; i < sh.qLen(); i++) {
                    float rowLse = l.get((b * sh.heads() + h) * sh.qLen() + i);
                    if (rowLse == Float.NEGATIVE_INFINITY) continue; // saw no key: no gradient
                    int qAt = a.qRow(b, i, h);
                    float delta = 0f; // Σ_d dOut·out = Σ_j p·dp
                    for (int d = 0; d < hd; d++) delta += g.get(qAt + d) * o.get(qAt + d);
                    for (int j = sh.firstKey(i), end = sh.endKey(i); j < end; j++) {
                        if (!a.seen(b, j)) continue;
                        int kAt = a.kRow(b, j, h);
                        float p = (float) Math.exp(a.score(b, i, h, j) - rowLse), dp = 0f;
                        for (int d = 0; d < hd; d++) dp += g.get(qAt + d) * a.v.get(kAt + d);
                        float ds = p * (dp - delta) * scale;
                        for (int d = 0; d < hd; d++) {
                            if (gq != null) gq.set(qAt + d, gq.get(qAt + d) + ds * a.k.get(kAt + d));
                            if (gk != null) gk.set(kAt + d, gk.get(kAt + d) + ds * a.q.get(qAt + d));
                            if (gv != null) gv.set(kAt + d, gv.get(kAt + d) + p * g.get(qAt + d));
                        }
                    }
                }
            }
        }
    }

    /** The operands of an attention call, checked, and the index arithmetic both directions share. */
    private final class AttentionArgs {
        final AttentionShape sh;
        final View q, k, v, mask;
        final int qw, kw, group;

        AttentionArgs(String op, AttentionShape sh, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask) {
            this.sh = sh;
            this.q = vec(op + " q", q, sh.queryFloats());
            this.k = vec(op + " k", k, sh.keyFloats());
            this.v = vec(op + " v", v, sh.keyFloats());
            this.mask = keyMask == null ? null : vec(op + " keyMask", keyMask, (long) sh.batch() * sh.kLen());
            this.qw = sh.heads() * sh.headDim();
            this.kw = sh.kvHeads() * sh.headDim();
            this.group = sh.heads() / sh.kvHeads();
        }

        boolean seen(int b, int j) {
            return mask == null || mask.get(b * sh.kLen() + j) != 0f;
        }

        int qRow(int b, int i, int h) {
            return (b * sh.qLen() + i) * qw + h * sh.headDim();
        }

        /** Key (and value) row j of the kv head that query head h reads. */
        int kRow(int b, int j, int h) {
            return (b * sh.keyCapacity() + j) * kw + (h / group) * sh.headDim();
        }

        float score(int b, int i, int h, int j) {
            int qa = qRow(b, i, h), ka = kRow(b, j, h);
            float s = 0f;
            for (int d = 0; d < sh.headDim(); d++) s += q.get(qa + d) * k.get(ka + d);
            return s * sh.scale();
        }
    }

    @Override
    public void embedding(DeviceBuffer table, DeviceBuffer ids, DeviceBuffer out, int count, int vocab, int dim) {
        View t = matrix("embedding table", table, vocab, dim), id = vec("embedding ids", ids, count), o = matrix("embedding out", out, count, dim);
        for (int r = 0; r < count; r++) {
            int row = index("embedding", "id", id.get(r), vocab, r);
            System.arraycopy(t.a, t.o + row * dim, o.a, o.o + r * dim, dim);
        }
    }

    @Override
    public void embeddingBackward(DeviceBuffer dy, DeviceBuffer ids, DeviceBuffer dtable, int count, int vocab, int dim) {
        String op = "embeddingBackward";
        View g = matrix(op + " dy", dy, count, dim), id = vec(op + " ids", ids, count), t = matrix(op + " dtable", dtable, vocab, dim);
        for (int r = 0; r < count; r++) {
            int row = index(op, "id", id.get(r), vocab, r);
            for (int d = 0; d < dim; d++) t.set(row * dim + d, t.get(row * dim + d) + g.get(r * dim + d));
        }
    }

    @Override
    public void logSoftmaxGather(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights,
                                 DeviceBuffer lse, DeviceBuffer picked, int rows, int vocab) {
        String op = "logSoftmaxGather";
        View x = matrix(op + " logits", logits, rows, vocab), t = vec(op + " targets", targets, rows), w = vec(op + " weights", weights, rows);
        View l = vec(op + " lse", lse, rows), p = vec(op + " picked", picked, rows);
        for (int r = 0; r < rows; r++) {
            l.set(r, 0f);
            p.set(r, 0f);
            if (w.get(r) == 0f) continue;
            int target = index(op, "target", t.get(r), vocab, r), base = r * vocab;
            float max = Float.NEGATIVE_INFINITY, sum = 0f;
            for (int j = 0; j < vocab; j++) max = Math.max(max, x.get(base + j));
            for (int j = 0; j < vocab; j++) sum += (float) Math.exp(x.get(base + j) - max);
            float logSum = (float) Math.log(sum);
            l.set(r, max + logSum);
            p.set(r, w.get(r) * ((x.get(base + target) - max) - logSum));
        }
    }

    @Override
    public void logSoftmaxGatherBackward(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights, DeviceBuffer lse,
                                         DeviceBuffer dPicked, int rowsPerGrad, DeviceBuffer dlogits, int rows, int vocab) {
        String op = "logSoftmaxGatherBackward";
        if (rowsPerGrad <= 0) throw new IllegalArgumentException("cpu " + op + ": rowsPerGrad must be positive, got " + rowsPerGrad);
        View x = matrix(op + " logits", logits, rows, vocab), t = vec(op + " targets", targets, rows), w = vec(op + " weights", weights, rows);
        View l = vec(op + " lse", lse, rows), g = vec(op + " dPicked", dPicked, (rows + rowsPerGrad - 1) / rowsPerGrad);
        View dx = matrix(op + " dlogits", dlogits, rows, vocab);
        for (int r = 0; r < rows; r++) {
            if (w.get(r) == 0f) continue;
            float c = g.get(r / rowsPerGrad) * w.get(r), rowLse = l.get(r);
            int target = index(op, "target", t.get(r), vocab, r), base = r * vocab;
            for (int j = 0; j < vocab; j++) dx.set(base + j, dx.get(base + j) - c * (float) Math.exp(x.get(base + j) - rowLse));
            dx.set(base + target, dx.get(base + target) + c);
        }
    }

    @Override
    public void logSoftmaxGatherBackwardInPlace(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights, DeviceBuffer lse,
                                                DeviceBuffer dPicked, int rowsPerGrad, int rows, int vocab) {
        String op = "logSoftmaxGatherBackwardInPlace";
        if (rowsPerGrad <= 0) throw new IllegalArgumentException("cpu " + op + ": rowsPerGrad must be positive, got " + rowsPerGrad);
        View x = matrix(op + " logits", logits, rows, vocab), t = vec(op + " targets", targets, rows), w = vec(op + " weights", weights, rows);
        View l = vec(op + " lse", lse, rows), g = vec(op + " dPicked", dPicked, (rows + rowsPerGrad - 1) / rowsPerGrad);
        for (int r = 0; r < rows; r++) {
            int base = r * vocab;
            if (w.get(r) == 0f) {
                for (int j = 0; j < vocab; j++) x.set(base + j, 0f);
                continue;
            }
            float c = g.get(r / rowsPerGrad) * w.get(r), rowLse = l.get(r);
            int target = index(op, "target", t.get(r), vocab, r);
            for (int j = 0; j < vocab; j++) x.set(base + j, -c * (float) Math.exp(x.get(base + j) - rowLse));
            x.set(base + target, x.get(base + target) + c);
        }
    }

    @Override
    public void adamw(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
                      float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        AdamWArgs.check("cpu", step, beta1, beta2);
        View p = vec("adamw", param, n), g = vec("adamw", grad, n), mm = vec("adamw", m, n), vv = vec("adamw", v, n);
        float bc1 = AdamWArgs.correction(beta1, step), sqrtBc2 = (float) Math.sqrt(AdamWArgs.correction(beta2, step));
        float decay = 1f - lr * weightDecay;
        for (int i = 0; i < n; i++) {
            float gi = g.get(i);
            float mi = beta1 * mm.get(i) + (1f - beta1) * gi, vi = beta2 * vv.get(i) + (1f - beta2) * gi * gi;
            mm.set(i, mi);
            vv.set(i, vi);
            float denom = (float) Math.sqrt(vi) / sqrtBc2 + eps;
            p.set(i, p.get(i) * decay - lr / bc1 * mi / denom);
        }
    }

    @Override
    public void synchronize() {
        // CPU kernels finish before they return
    }

    private static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    private static float siluDerivative(float x) {
        float s = sigmoid(x);
        return s * (1f + x * (1f - s));
    }

    /** An id or position carried as a float: an exact integer in [0, bound), or an error naming op and row. */
    private static int index(String op, String what, float value, int bound, int row) {
        if (!(value >= 0 && value < bound) || value != Math.rint(value)) {
            throw new IllegalArgumentException("cpu " + op + ": " + what + " " + value + " at row " + row + " is not an integer in [0, " + bound + ")");
        }
        return (int) value;
    }

    /** A buffer's floats as an array and the index of its first float (slices start inside their base). */
    private record View(float[] a, int o) {
        float get(int i) {
            return a[o + i];
        }

        void set(int i, float value) {
            a[o + i] = value;
        }
    }

    private View vec(String op, DeviceBuffer buf, long n) {
        if (n < 0) throw new IllegalArgumentException("cpu " + op + ": negative length " + n);
        DeviceBuffer.requireHolds("cpu " + op, "operand", buf, n);
        return view(buf);
    }

    private View matrix(String op, DeviceBuffer buf, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("cpu " + op + ": rows and cols must be >= 0, got " + rows + "×" + cols);
        DeviceBuffer.requireHolds("cpu " + op + " (" + rows + "×" + cols + ")", "operand", buf, (long) rows * cols);
        return view(buf);
    }

    private View view(DeviceBuffer buf) {
        DeviceBuffer base = DeviceSlice.base(buf);
        if (!(base instanceof CpuBuffer cb) || cb.backend() != this) {
            throw new IllegalArgumentException("cpu backend was given a buffer of backend '" + buf.backend().name() + "'");
        }
        return new View(cb.array(), (int) DeviceSlice.offset(buf));
    }
}
