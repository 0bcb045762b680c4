package dev.selfee.engine.backend.opencl;

import static dev.selfee.engine.backend.Close.assertClose;
import static dev.selfee.engine.backend.Close.random;
import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.backend.AttentionShape;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.backend.cpu.CpuBackend;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The OpenCL model kernels (attention, RoPE, SwiGLU, embedding, log-softmax gather, row sums,
 * fill) against the CPU backend's, forward and backward, with operands as slices at odd
 * offsets. Tolerance: max |Δ| ≤ 1e-5 · max |cpu| per result (PoCL measures ≤ 6e-7: fp32 sums
 * in another order, exp/sin/cos within a few ulp); the embedding's scatter-add runs in the
 * CPU's order and must agree exactly.
 */
class OpenClModelKernelsTest {
    private final CpuBackend cpu = new CpuBackend();

    /**
     * batch, qLen, kLen, heads, kvHeads, headDim, mask kind (0 none, 1 left and right padding,
     * 2 a query that sees only padding), key capacity (0: kLen), sliding window (0: none).
     * Case 3 has more queries and keys than a work-group, cases 4 and 5 are decoding steps (one
     * or two queries over a cache; case 5's cache has room to spare), cases 6 and 7 slide a window.
     */
    @ParameterizedTest(name = "case {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void attention(int which) {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int[][] cases = {{2, 5, 7, 4, 2, 8, 1, 0, 0}, {2, 6, 6, 2, 1, 6, 2, 0, 0}, {1, 3, 3, 3, 3, 4, 0, 0, 0},
            {2, 70, 75, 4, 2, 16, 1, 0, 0}, {2, 1, 9, 4, 1, 8, 1, 0, 0}, {2, 2, 6, 4, 2, 8, 1, 11, 0},
            {2, 70, 75, 4, 2, 16, 1, 0, 20}, {2, 6, 6, 2, 1, 6, 2, 0, 3}};
        int[] c = cases[which];
        AttentionShape sh = new AttentionShape(c[0], c[1], c[2], c[3], c[4], c[5]).withKeyCapacity(c[7] > 0 ? c[7] : c[2]).withWindow(c[8]);
        SplittableRandom r = new SplittableRandom(100 + which);
        float[] q = random(r, (int) sh.queryFloats(), 2), k = random(r, (int) sh.keyFloats(), 1), v = random(r, (int) sh.keyFloats(), 1);
        float[] dOut = random(r, (int) sh.queryFloats(), 1), mask = mask(c[6], sh.batch(), sh.kLen());
        float[][] want = attention(cpu, sh, q, k, v, mask, dOut, false), got = attention(gpu, sh, q, k, v, mask, dOut, true);
        String[] names = {"out", "lse", "dq", "dk", "dv"};
        for (int i = 0; i < names.length; i++) {
            if (i == 1) assertLse(want[1], got[1], sh);
            else assertClose(want[i], got[i], 1e-5, "attention " + names[i] + " " + sh);
        }
    }

    @Test
    void attentionGradientsMayBeSkipped() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        AttentionShape sh = new AttentionShape(1, 4, 4, 2, 1, 4);
        SplittableRandom r = new SplittableRandom(9);
        float[] q = random(r, (int) sh.queryFloats(), 1), k = random(r, (int) sh.keyFloats(), 1), v = random(r, (int) sh.keyFloats(), 1);
        float[] dOut = random(r, (int) sh.queryFloats(), 1);
        for (Backend be : new Backend[] {cpu, gpu}) {
            DeviceBuffer bq = be.upload(q), bk = be.upload(k), bv = be.upload(v), out = be.allocate(q.length), lse = be.allocate(sh.lseFloats());
            be.attention(sh, bq, bk, bv, null, out, lse);
            DeviceBuffer dk = be.upload(new float[k.length]), full = be.upload(new float[k.length]), dq = be.upload(new float[q.length]);
            be.attentionBackward(sh, bq, bk, bv, null, out, lse, be.upload(dOut), null, dk, null);
            be.attentionBackward(sh, bq, bk, bv, null, out, lse, be.upload(dOut), dq, full, be.allocate(k.length));
            assertClose(full.read(), dk.read(), 1e-6, be.name() + " dk alone");
        }
    }

    /** out, lse, dq, dk, dv; the gradients start non-zero, as backward adds to them. */
    private static float[][] attention(Backend be, AttentionShape sh, float[] q, float[] k, float[] v, float[] mask, float[] dOut,
                                       boolean sliced) {
        DeviceBuffer bq = put(be, q, sliced), bk = put(be, k, sliced), bv = put(be, v, sliced);
        DeviceBuffer bm = mask == null ? null : put(be, mask, sliced), g = put(be, dOut, sliced);
        DeviceBuffer out = put(be, new float[q.length], sliced), lse = put(be, new float[(int) sh.lseFloats()], sliced);
        be.attention(sh, bq, bk, bv, bm, out, lse);
        float[] start = new float[Math.max(q.length, k.length)];
        Arrays.fill(start, 0.25f);
        DeviceBuffer dq = put(be, Arrays.copyOf(start, q.length), sliced), dk = put(be, Arrays.copyOf(start, k.length), sliced);
        DeviceBuffer dv = put(be, Arrays.copyOf(start, k.length), sliced);
        be.attentionBackward(sh, bq, bk, bv, bm, out, lse, g, dq, dk, dv);
        return new float[][] {out.read(), lse.read(), dq.read(), dk.read(), dv.read()};
    }

    private static void assertLse(float[] want, float[] got, AttentionShape sh) {
        for (int i = 0; i < want.length; i++) {
            if (want[i] == Float.NEGATIVE_INFINITY) assertEquals(want[i], got[i], "attention lse " + i + " " + sh);
            else assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])), "attention lse " + i + " " + sh);
        }
    }

    /** HF attention masks: kind 1 pads batch 0 on the left (2) and batch 1 on the right (2); kind 2 pads batch 0 on the left by half. */
    static float[] mask(int kind, int batch, int kLen) {
        if (kind == 0) return null;
        float[] m = new float[batch * kLen];
        Arrays.fill(m, 1f);
        if (kind == 1) {
            m[0] = m[1] = 0f;
            if (batch > 1) m[2 * kLen - 1] = m[2 * kLen - 2] = 0f;
        } else {
            for (int j = 0; j < kLen / 2; j++) m[j] = 0f;
        }
        return m;
    }

    @Test
    void rope() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int rows = 7, heads = 3, headDim = 10;
        SplittableRandom r = new SplittableRandom(21);
        float[] x = random(r, rows * heads * headDim, 1), dy = random(r, x.length, 1), dx0 = random(r, x.length, 1);
        float[] positions = {0, 1, 2, 5, 900, 4095, 3};
        float[] invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) invFreq[i] = (float) Math.pow(500000, -2.0 * i / headDim) / (i > 2 ? 8 : 1); // llama3-like scaled tail
        float[][] results = new float[2][];
        Backend[] bes = {cpu, gpu};
        for (int b = 0; b < 2; b++) {
            Backend be = bes[b];
            boolean sliced = be == gpu;
            DeviceBuffer pos = put(be, positions, sliced), freq = put(be, invFreq, sliced), out = put(be, new float[x.length], sliced);
            DeviceBuffer in = put(be, x, sliced), dx = put(be, dx0, sliced);
            be.rope(in, out, pos, freq, rows, heads, headDim);
            be.ropeBackward(put(be, dy, sliced), dx, pos, freq, rows, heads, headDim);
            be.rope(in, in, pos, freq, rows, heads, headDim); // in place
            results[b] = concat(out.read(), dx.read(), in.read());
        }
        assertClose(results[0], results[1], 1e-5, "rope, its backward, in place");
    }

    @Test
    void swiglu() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int n = 1031;
        SplittableRandom r = new SplittableRandom(22);
        float[] gate = random(r, n, 8), up = random(r, n, 2), dy = random(r, n, 1), acc = random(r, n, 1);
        float[][] results = new float[2][];
        Backend[] bes = {cpu, gpu};
        for (int b = 0; b < 2; b++) {
            Backend be = bes[b];
            boolean sliced = be == gpu;
            DeviceBuffer g = put(be, gate, sliced), u = put(be, up, sliced), out = put(be, new float[n], sliced);
            DeviceBuffer dg = put(be, acc, sliced), du = put(be, acc, sliced), duOnly = put(be, acc, sliced);
            be.swiglu(g, u, out, n);
            be.swigluBackward(g, u, put(be, dy, sliced), dg, du, n);
            be.swigluBackward(g, u, put(be, dy, sliced), null, duOnly, n);
            assertArrayEquals(du.read(), duOnly.read(), be.name() + ": dup alone");
            results[b] = concat(out.read(), dg.read(), du.read());
        }
        assertClose(results[0], results[1], 1e-5, "swiglu and its backward");
    }

    @Test
    void embeddingScatterAddIsExactAndDeterministic() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int vocab = 50, dim = 70, count = 300;
        SplittableRandom r = new SplittableRandom(23);
        float[] ids = new float[count];
        for (int i = 0; i < count; i++) ids[i] = r.nextInt(i % 3 == 0 ? 4 : vocab); // many repeats
        float[] table = random(r, vocab * dim, 1), dy = random(r, count * dim, 1), dt0 = random(r, vocab * dim, 1);
        float[][] results = new float[2][];
        Backend[] bes = {cpu, gpu};
        for (int b = 0; b < 2; b++) {
            Backend be = bes[b];
            boolean sliced = be == gpu;
            DeviceBuffer bids = put(be, ids, sliced), out = put(be, new float[count * dim], sliced), dt = put(be, dt0, sliced);
            be.embedding(put(be, table, sliced), bids, out, count, vocab, dim);
            be.embeddingBackward(put(be, dy, sliced), bids, dt, count, vocab, dim);
            results[b] = concat(out.read(), dt.read());
        }
        assertArrayEquals(results[0], results[1]);
    }

    @ParameterizedTest(name = "vocab={0}")
    @ValueSource(ints = {7, 1000})
    void logSoftmaxGatherAndRowSums(int vocab) {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int batch = 3, seq = 5, rows = batch * seq;
        SplittableRandom r = new SplittableRandom(vocab);
        float[] logits = random(r, rows * vocab, 6), targets = new float[rows], weights = new float[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = r.nextInt(vocab);
            weights[i] = i % 4 == 0 ? 0f : 1f;
        }
        targets[4] = -100; // an ignored target: weight 0, never read
        weights[4] = 0f;
        weights[7] = 0.5f;
        float[] dPicked = random(r, batch, 1), dx0 = random(r, rows * vocab, 0.01);
        float[][] results = new float[2][];
        Backend[] bes = {cpu, gpu};
        for (int b = 0; b < 2; b++) {
            Backend be = bes[b];
            boolean sliced = be == gpu;
            DeviceBuffer x = put(be, logits, sliced), t = put(be, targets, sliced), w = put(be, weights, sliced);
            DeviceBuffer lse = put(be, new float[rows], sliced), picked = put(be, new float[rows], sliced), sums = put(be, new float[batch], sliced);
            DeviceBuffer dx = put(be, dx0, sliced), total = put(be, new float[1], sliced);
            be.logSoftmaxGather(x, t, w, lse, picked, rows, vocab);
            be.rowSums(picked, sums, batch, seq);
            be.rowSums(picked, total, 1, rows);
            be.logSoftmaxGatherBackward(x, t, w, lse, put(be, dPicked, sliced), seq, dx, rows, vocab);
            DeviceBuffer inPlace = put(be, logits, sliced);
            be.logSoftmaxGatherBackwardInPlace(inPlace, t, w, lse, put(be, dPicked, sliced), seq, rows, vocab);
            results[b] = concat(lse.read(), picked.read(), sums.read(), total.read(), dx.read(), inPlace.read());
        }
        assertClose(results[0], results[1], 1e-5, "logSoftmaxGather, rowSums, backward (vocab " + vocab + ")");
    }

    @Test
    void rowSumsOfSquares() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        int rows = 5, cols = 1037; // more columns than a work-group, not a multiple of one
        float[] x = random(new SplittableRandom(11), rows * cols, 2);
        float[][] results = new float[2][];
        Backend[] bes = {cpu, gpu};
        for (int b = 0; b < 2; b++) {
            DeviceBuffer out = put(bes[b], new float[rows], bes[b] == gpu);
            bes[b].rowSumsOfSquares(put(bes[b], x, bes[b] == gpu), out, rows, cols);
            results[b] = out.read();
        }
        assertClose(results[0], results[1], 1e-5, "rowSumsOfSquares");
    }

    @Test
    void fillAndElementwiseKernelsStayInsideTheirSlices() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        try (DeviceBuffer buf = gpu.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})) {
            DeviceBuffer mid = buf.slice(3, 4), inner = mid.slice(1, 2);
            gpu.fill(inner, -1f, 2);
            gpu.add(buf.slice(0, 3), buf.slice(7, 3), buf.slice(7, 3), 3);
            gpu.scale(mid, 2f, mid, 4);
            assertArrayEquals(new float[] {1, 2, 3, 8, -2, -2, 14, 9, 11, 13}, buf.read());
            assertArrayEquals(new float[] {-2, -2}, inner.read());
            gpu.copy(mid, 1, buf.slice(0, 3), 1, 2); // device to device, between windows
            assertArrayEquals(new float[] {1, -2, -2, 8}, buf.slice(0, 4).read());
            var e = assertThrows(IllegalArgumentException.class, () -> gpu.fill(inner, 0f, 3));
            assertTrue(e.getMessage().contains("opencl fill: operand needs 3 floats but its buffer holds 2"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> mid.slice(2, 3));
        }
    }

    /** {@code values} on {@code be}: in a buffer of their own, or (sliced) at offset 3 of a larger one. */
    private static DeviceBuffer put(Backend be, float[] values, boolean sliced) {
        if (!sliced) return be.upload(values);
        DeviceBuffer big = be.upload(new float[values.length + 5]);
        DeviceBuffer s = big.slice(3, values.length);
        s.write(0, values, 0, values.length);
        return s;
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
