package dev.selfee.engine.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.backend.cpu.CpuBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The OpenCL elementwise and row kernels against the CPU backend's. Tolerance per element:
 * |Δ| ≤ 1e-5 · (|cpu| + 1e-3) (fp32 exp/sqrt may differ by a few ulp; reductions reorder sums);
 * for backward kernels, whose outputs cancel, max |Δ| ≤ 1e-5 · max |cpu| (or the size of the
 * cancelling terms when larger).
 */
class OpenClKernelsTest {
    private final CpuBackend cpu = new CpuBackend();

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 255, 1000, 4099})
    void elementwiseKernels(int n) {
        OpenClBackend gpu = OpenClTestDevice.backend();
        SplittableRandom r = new SplittableRandom(n);
        float[] a = random(r, n, 20), b = random(r, n, 20);
        try (DeviceBuffer ga = gpu.upload(a); DeviceBuffer gb = gpu.upload(b); DeviceBuffer go = gpu.allocate(n)) {
            DeviceBuffer ca = cpu.upload(a), cb = cpu.upload(b), co = cpu.allocate(n);
            gpu.add(ga, gb, go, n);
            cpu.add(ca, cb, co, n);
            assertClose(co.read(), go.read(), "add");
            gpu.mul(ga, gb, go, n);
            cpu.mul(ca, cb, co, n);
            assertClose(co.read(), go.read(), "mul");
            gpu.scale(ga, -1.25f, go, n);
            cpu.scale(ca, -1.25f, co, n);
            assertClose(co.read(), go.read(), "scale");
            gpu.silu(ga, go, n);
            cpu.silu(ca, co, n);
            assertClose(co.read(), go.read(), "silu");
            gpu.siluBackward(ga, gb, go, n);
            cpu.siluBackward(ca, cb, co, n);
            assertCloseInNorm(co.read(), go.read(), "siluBackward");
            gpu.add(ga, gb, ga, n); // in place
            cpu.add(ca, cb, ca, n);
            assertClose(ca.read(), ga.read(), "add in place");
        }
    }

    @ParameterizedTest(name = "rows={0}")
    @ValueSource(ints = {1, 3, 64})
    void rowKernels(int rows) {
        OpenClBackend gpu = OpenClTestDevice.backend();
        for (int cols : new int[] {1, 7, 256, 1000, 4097}) {
            SplittableRandom r = new SplittableRandom(rows * 31L + cols);
            float[] x = random(r, rows * cols, 30), w = random(r, cols, 2);
            try (DeviceBuffer gx = gpu.upload(x); DeviceBuffer gw = gpu.upload(w); DeviceBuffer go = gpu.allocate(rows * cols)) {
                DeviceBuffer cx = cpu.upload(x), cw = cpu.upload(w), co = cpu.allocate(rows * cols);
                String shape = rows + "×" + cols;
                gpu.softmaxRows(gx, go, rows, cols);
                cpu.softmaxRows(cx, co, rows, cols);
                assertClose(co.read(), go.read(), "softmaxRows " + shape);
                gpu.rmsNormRows(gx, gw, go, rows, cols, 1e-5f);
                cpu.rmsNormRows(cx, cw, co, rows, cols, 1e-5f);
                assertClose(co.read(), go.read(), "rmsNormRows " + shape);
                float[] dy = random(r, rows * cols, 3);
                try (DeviceBuffer gdy = gpu.upload(dy); DeviceBuffer gdw = gpu.upload(w)) {
                    DeviceBuffer cdy = cpu.upload(dy), cdw = cpu.upload(w);
                    gpu.rmsNormRowsBackward(gx, gw, gdy, go, gdw, rows, cols, 1e-5f);
                    cpu.rmsNormRowsBackward(cx, cw, cdy, co, cdw, rows, cols, 1e-5f);
                    // dx is a difference of terms as large as dy·w/rms (it is 0 when cols = 1): compare at that scale
                    double termScale = 0;
                    for (int row = 0; row < rows; row++) {
                        double ss = 0;
                        for (int j = 0; j < cols; j++) ss += (double) x[row * cols + j] * x[row * cols + j];
                        double inv = 1 / Math.sqrt(ss / cols + 1e-5);
                        for (int j = 0; j < cols; j++) termScale = Math.max(termScale, Math.abs(dy[row * cols + j] * w[j] * inv));
                    }
                    assertCloseInNorm(co.read(), go.read(), termScale, "rmsNormRowsBackward dx " + shape);
                    assertCloseInNorm(cdw.read(), gdw.read(), "rmsNormRowsBackward dweight " + shape);
                    gpu.softmaxRows(gx, gx, rows, cols); // in place
                    cpu.softmaxRows(cx, cx, rows, cols);
                    assertClose(cx.read(), gx.read(), "softmaxRows in place " + shape);
                    gpu.softmaxRowsBackward(gx, gdy, gdy, rows, cols); // dx in place of dy
                    cpu.softmaxRowsBackward(cx, cdy, cdy, rows, cols);
                    float[] y = cx.read();
                    double yDy = 0; // the size of the terms y·dy that cancel (exactly, when cols = 1)
                    for (int i = 0; i < y.length; i++) yDy = Math.max(yDy, Math.abs(y[i] * dy[i]));
                    assertCloseInNorm(cdy.read(), gdy.read(), yDy, "softmaxRowsBackward " + shape);
                }
            }
        }
    }

    @Test
    void adamwStepsMatchTheCpu() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int n = 1001;
        SplittableRandom r = new SplittableRandom(99);
        float[] p = random(r, n, 1);
        try (DeviceBuffer gp = gpu.upload(p); DeviceBuffer gm = gpu.upload(new float[n]); DeviceBuffer gv = gpu.upload(new float[n]);
             DeviceBuffer gg = gpu.allocate(n)) {
            DeviceBuffer cp = cpu.upload(p), cm = cpu.upload(new float[n]), cv = cpu.upload(new float[n]);
            for (int step = 1; step <= 3; step++) {
                float[] g = random(r, n, 0.1);
                gg.write(0, g, 0, n);
                gpu.adamw(gp, gg, gm, gv, n, 3e-3f, 0.9f, 0.95f, 1e-8f, 0.01f, step);
                cpu.adamw(cp, cpu.upload(g), cm, cv, n, 3e-3f, 0.9f, 0.95f, 1e-8f, 0.01f, step);
            }
            assertClose(cp.read(), gp.read(), "adamw param");
            assertClose(cm.read(), gm.read(), "adamw m");
            assertClose(cv.read(), gv.read(), "adamw v");
        }
    }

    @Test
    void transfersAtOffsetsRoundTrip() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        try (DeviceBuffer buf = gpu.allocate(10)) {
            buf.write(0, new float[10], 0, 10);
            buf.write(3, new float[] {9, 1, 2, 3, 9}, 1, 3);
            float[] part = new float[6];
            buf.read(2, part, 1, 5);
            assertArrayEquals(new float[] {0, 0, 1, 2, 3, 0}, part);
            assertThrows(IndexOutOfBoundsException.class, () -> buf.write(8, new float[3], 0, 3));

            // from native memory (as a mapped weight file would be) and from a heap segment
            try (Arena arena = Arena.ofConfined(); DeviceBuffer other = gpu.allocate(6)) {
                buf.write(6, arena.allocateFrom(ValueLayout.JAVA_FLOAT, 7, 8, 9, 10));
                other.write(0, MemorySegment.ofArray(new float[] {-1, -2, -3, -4, -5, -6}));
                gpu.copy(buf, 4, other, 1, 4); // device to device
                assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3, 7, 8, 9, 10}, buf.read());
                assertArrayEquals(new float[] {-1, 2, 3, 7, 8, -6}, other.read());
                var e = assertThrows(IllegalArgumentException.class, () -> gpu.copy(buf, 8, other, 0, 3));
                assertTrue(e.getMessage().contains("opencl copy: source needs 11 floats but its buffer holds 10"), e.getMessage());
            }
        }
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {1, 63, 64, 65, 1000})
    void stridedCopiesEqualTheCpus(int cols) {
        OpenClBackend gpu = OpenClTestDevice.backend();
        SplittableRandom r = new SplittableRandom(cols);
        int rows = 5;
        long srcStride = cols + 3L, dstStride = 2L * cols + 1;
        float[] x = random(r, (int) (rows * srcStride + 7), 10), y = random(r, (int) (rows * dstStride + 5), 10);
        try (DeviceBuffer gx = gpu.upload(x); DeviceBuffer gy = gpu.upload(y)) {
            DeviceBuffer cx = cpu.upload(x), cy = cpu.upload(y);
            gpu.copyRows(gx, 2, srcStride, gy, 4, dstStride, rows, cols);
            cpu.copyRows(cx, 2, srcStride, cy, 4, dstStride, rows, cols);
            assertArrayEquals(cy.read(), gy.read(), "copyRows");
            // through slices, and a stride of 0 broadcasting one row
            gpu.copyRows(gx.slice(1, x.length - 1), 0, 0, gy.slice(3, y.length - 3), 1, cols, 2, cols);
            cpu.copyRows(cx.slice(1, x.length - 1), 0, 0, cy.slice(3, y.length - 3), 1, cols, 2, cols);
            assertArrayEquals(cy.read(), gy.read(), "copyRows on slices");
            var e = assertThrows(IllegalArgumentException.class, () -> gpu.copyRows(gx, 11, srcStride, gy, 0, dstStride, rows, cols));
            assertTrue(e.getMessage().contains("opencl copyRows (" + rows + " rows of " + cols + ", stride " + srcStride + ", offset 11): source needs"),
                    e.getMessage());
        }
    }

    @Test
    void transfersLargerThanTheStagingBufferGoInChunks() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int n = (int) OpenClBackend.STAGING_MAX + 5;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i;
        try (DeviceBuffer buf = gpu.upload(x)) {
            float[] back = buf.read();
            assertArrayEquals(x, back);
            buf.write(0, MemorySegment.ofArray(new float[n])); // a heap segment goes through staging too
            float[] tail = new float[7];
            buf.read(n - 7, tail, 0, 7);
            assertArrayEquals(new float[7], tail);
        }
    }

    @Test
    void misuseIsReportedClearly() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        DeviceBuffer small = gpu.allocate(4);
        var e = assertThrows(IllegalArgumentException.class, () -> gpu.add(small, small, small, 5));
        assertTrue(e.getMessage().contains("opencl add: operand needs 5 floats but its buffer holds 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gpu.silu(cpu.upload(new float[4]), small, 4));
        assertTrue(e.getMessage().contains("was given a buffer of backend 'cpu'"), e.getMessage());
        small.close();
        small.close(); // harmless
        assertThrows(IllegalStateException.class, () -> gpu.scale(small, 2, small, 4));
    }

    /**
     * For results that are differences of larger terms (backward passes, accumulation), where
     * cancellation defeats a per-element relative bound: max |Δ| ≤ 1e-5 · max |cpu|.
     */
    private static void assertCloseInNorm(float[] want, float[] got, String what) {
        assertCloseInNorm(want, got, 0, what);
    }

    /** As above, with max |cpu| raised to {@code scale}, the size of the terms that cancel. */
    private static void assertCloseInNorm(float[] want, float[] got, double scale, String what) {
        assertEquals(want.length, got.length, what);
        double max = scale, err = 0;
        int worst = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            double d = Math.abs(want[i] - got[i]);
            if (!(d <= err)) {
                err = d;
                worst = i;
            }
        }
        assertTrue(err <= 1e-5 * max, what + ": max |Δ| " + err + " > 1e-5 · max(|cpu|, term scale) " + max + " (at " + worst + ": cpu "
                + want[worst] + ", opencl " + got[worst] + ")");
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            double tol = 1e-5 * (Math.abs(want[i]) + 1e-3);
            assertTrue(Math.abs(want[i] - got[i]) <= tol, what + " at " + i + ": cpu " + want[i] + ", opencl " + got[i]);
        }
    }

    private static float[] random(SplittableRandom r, int n, double range) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-range, range);
        return x;
    }
}
