package dev.selfee.engine.backend.cpu;

import dev.selfee.engine.backend.AdamWArgs;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
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
        System.arraycopy(own(src), (int) srcOff, own(dst), (int) dstOff, (int) n);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
                     float beta, DeviceBuffer c, long cOff, int ldc) {
        GemmBounds.check(name(), transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        Gemm.gemm(transA, transB, m, n, k, alpha, own(a), (int) aOff, lda, own(b), (int) bOff, ldb,
                beta, own(c), (int) cOff, ldc);
    }

    @Override
    public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        float[] x = elementwise("add", a, n), y = elementwise("add", b, n), o = elementwise("add", out, n);
        for (int i = 0; i < n; i++) o[i] = x[i] + y[i];
    }

    @Override
    public void mul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        float[] x = elementwise("mul", a, n), y = elementwise("mul", b, n), o = elementwise("mul", out, n);
        for (int i = 0; i < n; i++) o[i] = x[i] * y[i];
    }

    @Override
    public void scale(DeviceBuffer x, float s, DeviceBuffer out, int n) {
        float[] in = elementwise("scale", x, n), o = elementwise("scale", out, n);
        for (int i = 0; i < n; i++) o[i] = s * in[i];
    }

    @Override
    public void silu(DeviceBuffer x, DeviceBuffer out, int n) {
        float[] in = elementwise("silu", x, n), o = elementwise("silu", out, n);
        for (int i = 0; i < n; i++) o[i] = in[i] / (1f + (float) Math.exp(-in[i]));
    }

    @Override
    public void siluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        float[] in = elementwise("siluBackward", x, n), g = elementwise("siluBackward", dy, n), o = elementwise("siluBackward", dx, n);
        for (int i = 0; i < n; i++) {
            float s = 1f / (1f + (float) Math.exp(-in[i]));
            o[i] = g[i] * s * (1f + in[i] * (1f - s));
        }
    }

    @Override
    public void softmaxRows(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        float[] in = matrix("softmaxRows", x, rows, cols), o = matrix("softmaxRows", out, rows, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, in[base + j]);
            float sum = 0f;
            for (int j = 0; j < cols; j++) {
                float e = (float) Math.exp(in[base + j] - max);
                o[base + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < cols; j++) o[base + j] *= inv;
        }
    }

    @Override
    public void softmaxRowsBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols) {
        String op = "softmaxRowsBackward";
        float[] yy = matrix(op, y, rows, cols), g = matrix(op, dy, rows, cols), o = matrix(op, dx, rows, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float dot = 0f;
            for (int j = 0; j < cols; j++) dot += g[base + j] * yy[base + j];
            for (int j = 0; j < cols; j++) o[base + j] = yy[base + j] * (g[base + j] - dot);
        }
    }

    @Override
    public void rmsNormRows(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int rows, int cols, float eps) {
        float[] in = matrix("rmsNormRows", x, rows, cols), o = matrix("rmsNormRows", out, rows, cols);
        float[] w = elementwise("rmsNormRows weight", weight, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float ss = 0f;
            for (int j = 0; j < cols; j++) ss += in[base + j] * in[base + j];
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            for (int j = 0; j < cols; j++) o[base + j] = in[base + j] * inv * w[j];
        }
    }

    @Override
    public void rmsNormRowsBackward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer dweight,
                                    int rows, int cols, float eps) {
        String op = "rmsNormRowsBackward";
        if (dx == x || dx == dy) throw new IllegalArgumentException("cpu " + op + ": dx must not be x or dy (both are read after dx is written)");
        float[] in = matrix(op, x, rows, cols), g = matrix(op, dy, rows, cols), o = matrix(op, dx, rows, cols);
        float[] w = elementwise(op + " weight", weight, cols), dw = elementwise(op + " dweight", dweight, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float ss = 0f, dot = 0f;
            for (int j = 0; j < cols; j++) {
                ss += in[base + j] * in[base + j];
                dot += g[base + j] * w[j] * in[base + j];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            float c = inv * inv * dot / cols;
            for (int j = 0; j < cols; j++) {
                float xj = in[base + j];
                dw[j] += g[base + j] * xj * inv;
                o[base + j] = inv * (g[base + j] * w[j] - xj * c);
            }
        }
    }

    @Override
    public void adamw(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
                      float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        AdamWArgs.check("cpu", step, beta1, beta2);
        float[] p = elementwise("adamw", param, n), g = elementwise("adamw", grad, n);
        float[] mm = elementwise("adamw", m, n), vv = elementwise("adamw", v, n);
        float bc1 = AdamWArgs.correction(beta1, step), sqrtBc2 = (float) Math.sqrt(AdamWArgs.correction(beta2, step));
        float decay = 1f - lr * weightDecay;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            mm[i] = beta1 * mm[i] + (1f - beta1) * gi;
            vv[i] = beta2 * vv[i] + (1f - beta2) * gi * gi;
            float denom = (float) Math.sqrt(vv[i]) / sqrtBc2 + eps;
            p[i] = p[i] * decay - lr / bc1 * mm[i] / denom;
        }
    }

    @Override
    public void synchronize() {
        // CPU kernels finish before they return
    }

    private float[] elementwise(String op, DeviceBuffer buf, int n) {
        DeviceBuffer.requireHolds("cpu " + op, "operand", buf, n);
        return own(buf);
    }

    private float[] matrix(String op, DeviceBuffer buf, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("cpu " + op + ": rows and cols must be >= 0, got " + rows + "×" + cols);
        DeviceBuffer.requireHolds("cpu " + op + " (" + rows + "×" + cols + ")", "operand", buf, (long) rows * cols);
        return own(buf);
    }

    private float[] own(DeviceBuffer buf) {
        if (!(buf instanceof CpuBuffer cb) || cb.backend() != this) {
            throw new IllegalArgumentException("cpu backend was given a buffer of backend '" + buf.backend().name() + "'");
        }
        return cb.array();
    }
}
