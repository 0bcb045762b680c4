package dev.selfee.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.kernel.Gemm;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CpuBackendTest {
    private final CpuBackend cpu = new CpuBackend();

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-3, 3);
        return x;
    }

    @Test
    void gemmIsTheGemmKernel() {
        int m = 5, n = 7, k = 3;
        float[] a = random(2 + k * m, 1), b = random(n * k, 2), c = random(m * n, 3);
        float[] expected = c.clone();
        Gemm.gemm(true, true, m, n, k, 0.5f, a, 2, m, b, 0, k, 2f, expected, 0, n);
        DeviceBuffer ca = cpu.upload(a), cb = cpu.upload(b), cc = cpu.upload(c);
        cpu.gemm(true, true, m, n, k, 0.5f, ca, 2, m, cb, 0, k, 2f, cc, 0, n);
        assertArrayEquals(expected, cc.read());
    }

    @Test
    void softmaxRowsMatchesDoublePrecision() {
        int rows = 3, cols = 11;
        float[] x = random(rows * cols, 4);
        x[5] = 80f; // large values must not overflow
        DeviceBuffer buf = cpu.upload(x);
        cpu.softmaxRows(buf, buf, rows, cols);
        float[] y = buf.read();
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[r * cols + j]);
            for (int j = 0; j < cols; j++) sum += Math.exp(x[r * cols + j] - max);
            for (int j = 0; j < cols; j++) {
                double want = Math.exp(x[r * cols + j] - max) / sum;
                assertEquals(want, y[r * cols + j], 1e-6 + 1e-5 * want, "row " + r + " col " + j);
            }
        }
    }

    @Test
    void rmsNormRowsMatchesDoublePrecision() {
        int rows = 2, cols = 9;
        float[] x = random(rows * cols, 5), w = random(cols, 6);
        DeviceBuffer out = cpu.allocate(rows * cols);
        cpu.rmsNormRows(cpu.upload(x), cpu.upload(w), out, rows, cols, 1e-6f);
        float[] y = out.read();
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int j = 0; j < cols; j++) ss += (double) x[r * cols + j] * x[r * cols + j];
            double inv = 1 / Math.sqrt(ss / cols + 1e-6);
            for (int j = 0; j < cols; j++) {
                double want = x[r * cols + j] * inv * w[j];
                assertEquals(want, y[r * cols + j], 1e-5 * (1 + Math.abs(want)));
            }
        }
    }

    @Test
    void elementwiseKernels() {
        float[] a = {1, -2, 3}, b = {4, 5, -6};
        DeviceBuffer da = cpu.upload(a), db = cpu.upload(b), out = cpu.allocate(3);
        cpu.add(da, db, out, 3);
        assertArrayEquals(new float[] {5, 3, -3}, out.read());
        cpu.mul(da, db, out, 3);
        assertArrayEquals(new float[] {4, -10, -18}, out.read());
        cpu.scale(da, -0.5f, out, 3);
        assertArrayEquals(new float[] {-0.5f, 1, -1.5f}, out.read());
        cpu.silu(da, out, 3);
        assertArrayEquals(new float[] {(float) (1 / (1 + Math.exp(-1))), (float) (-2 / (1 + Math.exp(2))),
                (float) (3 / (1 + Math.exp(-3)))}, out.read(), 1e-6f);
    }

    /** Σ_i dy[i] * f(x)[i] in double, for central differences. */
    private interface Loss {
        double at(double[] x);
    }

    private static double[] numericGradient(Loss loss, float[] x) {
        double[] xd = new double[x.length], g = new double[x.length];
        for (int i = 0; i < x.length; i++) xd[i] = x[i];
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6, keep = xd[i];
            xd[i] = keep + h;
            double up = loss.at(xd);
            xd[i] = keep - h;
            double down = loss.at(xd);
            xd[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    private static void assertGradient(double[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), what + " at " + i);
        }
    }

    @Test
    void backwardKernelsMatchFiniteDifferences() {
        int rows = 3, cols = 5, n = rows * cols;
        float[] x = random(n, 7), dy = random(n, 8), w = random(cols, 9);
        float eps = 1e-5f;

        DeviceBuffer dx = cpu.allocate(n);
        cpu.siluBackward(cpu.upload(x), cpu.upload(dy), dx, n);
        assertGradient(numericGradient(v -> {
            double s = 0;
            for (int i = 0; i < n; i++) s += dy[i] * v[i] / (1 + Math.exp(-v[i]));
            return s;
        }, x), dx.read(), "siluBackward");

        Loss softmax = v -> {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < cols; j++) max = Math.max(max, v[r * cols + j]);
                for (int j = 0; j < cols; j++) sum += Math.exp(v[r * cols + j] - max);
                for (int j = 0; j < cols; j++) s += dy[r * cols + j] * Math.exp(v[r * cols + j] - max) / sum;
            }
            return s;
        };
        DeviceBuffer y = cpu.upload(x);
        cpu.softmaxRows(y, y, rows, cols);
        cpu.softmaxRowsBackward(y, cpu.upload(dy), dx, rows, cols);
        assertGradient(numericGradient(softmax, x), dx.read(), "softmaxRowsBackward");

        // RMSNorm: the gradient for x (weights fixed) and for the weights (x fixed)
        java.util.function.BiFunction<double[], double[], Double> rms = (xv, wv) -> {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                double ss = 0;
                for (int j = 0; j < cols; j++) ss += xv[r * cols + j] * xv[r * cols + j];
                double inv = 1 / Math.sqrt(ss / cols + eps);
                for (int j = 0; j < cols; j++) s += dy[r * cols + j] * xv[r * cols + j] * inv * wv[j];
            }
            return s;
        };
        double[] wd = new double[cols], xd = new double[n];
        for (int j = 0; j < cols; j++) wd[j] = w[j];
        for (int i = 0; i < n; i++) xd[i] = x[i];
        DeviceBuffer dw = cpu.upload(new float[] {1, 1, 1, 1, 1}); // accumulates onto what is there
        cpu.rmsNormRowsBackward(cpu.upload(x), cpu.upload(w), cpu.upload(dy), dx, dw, rows, cols, eps);
        assertGradient(numericGradient(v -> rms.apply(v, wd), x), dx.read(), "rmsNormRowsBackward dx");
        double[] wantDw = numericGradient(v -> rms.apply(xd, v), w);
        for (int j = 0; j < cols; j++) wantDw[j] += 1;
        assertGradient(wantDw, dw.read(), "rmsNormRowsBackward dweight");

        DeviceBuffer same = cpu.upload(dy);
        var e = assertThrows(IllegalArgumentException.class,
                () -> cpu.rmsNormRowsBackward(cpu.upload(x), cpu.upload(w), same, same, dw, rows, cols, eps));
        assertTrue(e.getMessage().contains("dx must not be x or dy"), e.getMessage());
    }

    @Test
    void adamwFollowsPyTorchsFormula() {
        int n = 7;
        float[] p = random(n, 10), m = new float[n], v = new float[n];
        DeviceBuffer dp = cpu.upload(p), dm = cpu.upload(m), dv = cpu.upload(v);
        double[] pd = new double[n], md = new double[n], vd = new double[n];
        for (int i = 0; i < n; i++) pd[i] = p[i];
        double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
        for (int step = 1; step <= 3; step++) {
            float[] g = random(n, 20 + step);
            cpu.adamw(dp, cpu.upload(g), dm, dv, n, (float) lr, (float) b1, (float) b2, (float) eps, (float) wd, step);
            for (int i = 0; i < n; i++) { // torch.optim.AdamW, in double
                pd[i] *= 1 - lr * wd;
                md[i] = b1 * md[i] + (1 - b1) * g[i];
                vd[i] = b2 * vd[i] + (1 - b2) * g[i] * g[i];
                double denom = Math.sqrt(vd[i]) / Math.sqrt(1 - Math.pow(b2, step)) + eps;
                pd[i] -= lr / (1 - Math.pow(b1, step)) * md[i] / denom;
            }
        }
        float[] got = dp.read(), gotM = dm.read();
        for (int i = 0; i < n; i++) {
            assertEquals(pd[i], got[i], 1e-5 * (1 + Math.abs(pd[i])), "param " + i);
            assertEquals(md[i], gotM[i], 1e-6 * (1 + Math.abs(md[i])), "m " + i);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> cpu.adamw(dp, dp, dm, dv, n, 1, 0.9f, 0.999f, 1e-8f, 0, 0));
        assertTrue(e.getMessage().contains("step counts from 1"), e.getMessage());
    }

    @Test
    void kernelsWorkOnSlices() {
        // the same kernels on whole buffers and on windows of larger ones agree exactly, and stay inside the windows
        int rows = 3, cols = 6, n = rows * cols;
        float[] x = random(n, 20), w = random(cols, 21), dy = random(n, 22);
        DeviceBuffer big = cpu.upload(random(4 * n + 10, 23));
        float[] before = big.read();
        DeviceBuffer sx = big.slice(1, n), sw = big.slice(n + 2, cols), sdy = big.slice(2 * n + 3, n), so = big.slice(3 * n + 5, n);
        sx.write(0, x, 0, n);
        sw.write(0, w, 0, cols);
        sdy.write(0, dy, 0, n);
        DeviceBuffer out = cpu.allocate(n);
        cpu.rmsNormRows(cpu.upload(x), cpu.upload(w), out, rows, cols, 1e-6f);
        cpu.rmsNormRows(sx, sw, so, rows, cols, 1e-6f);
        assertArrayEquals(out.read(), so.read());
        cpu.swiglu(cpu.upload(x), cpu.upload(dy), out, n);
        cpu.swiglu(sx, sdy, so.slice(0, n), n);
        assertArrayEquals(out.read(), so.read());
        cpu.copy(sx, 2, so, 1, 3);
        float[] after = big.read();
        assertArrayEquals(java.util.Arrays.copyOfRange(x, 2, 5), java.util.Arrays.copyOfRange(after, 3 * n + 6, 3 * n + 9));
        assertEquals(before[0], after[0]);
        assertEquals(before[n + 1], after[n + 1]);
        assertEquals(before[4 * n + 5], after[4 * n + 5]);
        var e = assertThrows(IllegalArgumentException.class, () -> cpu.fill(sw, 0f, cols + 1));
        assertTrue(e.getMessage().contains("cpu fill: operand needs 7 floats but its buffer holds 6"), e.getMessage());
    }

    @Test
    void copiesAndSegmentWrites() {
        DeviceBuffer a = cpu.upload(new float[] {1, 2, 3, 4}), b = cpu.allocate(4);
        b.write(0, java.lang.foreign.MemorySegment.ofArray(new float[] {9, 9}));
        cpu.copy(a, 1, b, 2, 2);
        assertArrayEquals(new float[] {9, 9, 2, 3}, b.read());
        assertThrows(IllegalArgumentException.class, () -> cpu.copy(a, 3, b, 0, 2));
    }

    @Test
    void stridedCopiesMoveEachRowAndLeaveTheGapsAlone() {
        // 3 rows of 2 from a 3×4 matrix's columns 1..2 into a 3×3 one's columns 0..1
        DeviceBuffer src = cpu.upload(new float[] {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
        DeviceBuffer dst = cpu.upload(new float[] {-1, -1, -1, -1, -1, -1, -1, -1, -1});
        cpu.copyRows(src, 1, 4, dst, 0, 3, 3, 2);
        assertArrayEquals(new float[] {1, 2, -1, 11, 12, -1, 21, 22, -1}, dst.read());
        cpu.copyRows(src, 0, 4, dst, 0, 3, 0, 2); // no rows: nothing to check or copy
        var e = assertThrows(IllegalArgumentException.class, () -> cpu.copyRows(src, 1, 4, dst, 2, 3, 3, 2));
        assertTrue(e.getMessage().contains("cpu copyRows (3 rows of 2, stride 3, offset 2): destination needs 10 floats but its buffer holds 9"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> cpu.copyRows(src, 0, -4, dst, 0, 3, 3, 2));
        assertTrue(e.getMessage().contains("cpu copyRows: source offset 0, stride -4"), e.getMessage());
    }

    @Test
    void outOfBoundsOperandsNameTheOpAndSizes() {
        DeviceBuffer small = cpu.allocate(5), big = cpu.allocate(100);
        var e = assertThrows(IllegalArgumentException.class, () -> cpu.gemm(false, false, 3, 3, 3, 1, small, 0, 3, big, 0, 3, 0, big, 0, 3));
        assertTrue(e.getMessage().contains("cpu gemm(nn, m=3, n=3, k=3): A (3×3, ld 3, offset 0) needs 9 floats but its buffer holds 5"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> cpu.gemm(false, true, 3, 4, 5, 1, big, 0, 5, big, 0, 4, 0, big, 0, 4));
        assertTrue(e.getMessage().contains("ldb=4 is smaller than the 5 columns of B"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> cpu.softmaxRows(small, small, 2, 3));
        assertTrue(e.getMessage().contains("cpu softmaxRows (2×3): operand needs 6 floats but its buffer holds 5"), e.getMessage());
        small.close();
        assertThrows(IllegalStateException.class, small::read);
    }
}
