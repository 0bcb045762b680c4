package dev.selfee.engine.backend.cpu;

import static dev.selfee.engine.backend.Close.assertClose;
import static dev.selfee.engine.backend.Close.random;
import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.backend.AttentionShape;
import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.ops.Attention;
import dev.selfee.engine.ops.CrossEntropy;
import dev.selfee.engine.ops.Embedding;
import dev.selfee.engine.ops.Rope;
import dev.selfee.engine.ops.SequenceLogProbs;
import dev.selfee.engine.ops.SwiGlu;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's model kernels against the autograd ops they will stand in for
 * ({@link dev.selfee.engine.ops}), forward and backward through the tape, so the two stay in
 * sync. RoPE and the embedding compute the same floats in the same order and must agree exactly;
 * the rest sum in other orders: max |Δ| ≤ 2e-6 · max |op| for SwiGLU (whose op uses the Vector
 * API's exp), 1e-5 for log-probabilities and attention (measured: ≤ 4e-7).
 */
class CpuBackendOpsTest {
    private final CpuBackend cpu = new CpuBackend();

    /**
     * batch, qLen, kLen, heads, kvHeads, headDim, mask kind (0 none, 1 left and right padding,
     * 2 a query that sees nothing), sliding window (0: none).
     */
    @ParameterizedTest(name = "case {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void attentionEqualsTheOp(int which) {
        int[][] cases = {{2, 5, 7, 4, 2, 8, 1, 0}, {2, 6, 6, 2, 1, 6, 2, 0}, {1, 3, 3, 3, 3, 4, 0, 0}, {2, 1, 9, 4, 2, 8, 1, 0},
            {2, 5, 7, 4, 2, 8, 1, 3}, {2, 6, 6, 2, 1, 6, 2, 2}};
        int[] c = cases[which];
        AttentionShape sh = new AttentionShape(c[0], c[1], c[2], c[3], c[4], c[5]).withWindow(c[7]);
        SplittableRandom r = new SplittableRandom(which);
        int qw = sh.heads() * sh.headDim(), kw = sh.kvHeads() * sh.headDim();
        float[] q = random(r, (int) sh.queryFloats(), 2), k = random(r, (int) sh.keyFloats(), 1), v = random(r, (int) sh.keyFloats(), 1);
        float[] dOut = random(r, (int) sh.queryFloats(), 1);
        float[] mask = mask(c[6], sh.batch(), sh.kLen());

        Var vq = Var.variable(Tensor.of(q.clone(), sh.batch(), sh.qLen(), qw));
        Var vk = Var.variable(Tensor.of(k.clone(), sh.batch(), sh.kLen(), kw));
        Var vv = Var.variable(Tensor.of(v.clone(), sh.batch(), sh.kLen(), kw));
        float[] want;
        try (Tape tape = Tape.start()) {
            Var out = Attention.apply(vq, vk, vv, sh.heads(), sh.kvHeads(), mask == null ? null : Tensor.of(mask, sh.batch(), sh.kLen()),
                    sh.window());
            want = out.value().toArray();
            tape.backward(out, Tensor.of(dOut, out.shape()));
        }

        DeviceBuffer bq = cpu.upload(q), bk = cpu.upload(k), bv = cpu.upload(v), bm = mask == null ? null : cpu.upload(mask);
        DeviceBuffer out = cpu.allocate(sh.queryFloats()), lse = cpu.allocate(sh.lseFloats());
        cpu.attention(sh, bq, bk, bv, bm, out, lse);
        assertClose(want, out.read(), 1e-5, "attention out " + sh);
        DeviceBuffer dq = cpu.allocate(sh.queryFloats()), dk = cpu.allocate(sh.keyFloats()), dv = cpu.allocate(sh.keyFloats());
        cpu.attentionBackward(sh, bq, bk, bv, bm, out, lse, cpu.upload(dOut), dq, dk, dv);
        assertClose(vq.grad().toArray(), dq.read(), 1e-5, "attention dq " + sh);
        assertClose(vk.grad().toArray(), dk.read(), 1e-5, "attention dk " + sh);
        assertClose(vv.grad().toArray(), dv.read(), 1e-5, "attention dv " + sh);
        if (c[6] == 2) { // query 0 of batch 0 sees only padding: zeros and -∞
            for (int d = 0; d < qw; d++) assertEquals(0f, out.read()[d]);
            assertEquals(Float.NEGATIVE_INFINITY, lse.read()[0]);
        }
    }

    @Test
    void attentionOverAKvCacheEqualsTheCachedOp() {
        int batch = 2, qLen = 2, length = 6, capacity = 9, heads = 4, kvHeads = 2, hd = 8;
        AttentionShape sh = new AttentionShape(batch, qLen, length, heads, kvHeads, hd).withKeyCapacity(capacity);
        SplittableRandom r = new SplittableRandom(12);
        float[] q = random(r, (int) sh.queryFloats(), 2), keys = random(r, (int) sh.keyFloats(), 1), values = random(r, (int) sh.keyFloats(), 1);
        float[] mask = mask(1, batch, length);
        Tensor want = Attention.cached(Tensor.of(q, batch, qLen, heads * hd), Tensor.of(keys, batch, capacity, kvHeads * hd),
                Tensor.of(values, batch, capacity, kvHeads * hd), length, heads, kvHeads, Tensor.of(mask, batch, length));
        DeviceBuffer out = cpu.allocate(sh.queryFloats());
        cpu.attention(sh, cpu.upload(q), cpu.upload(keys), cpu.upload(values), cpu.upload(mask), out, cpu.allocate(sh.lseFloats()));
        assertClose(want.toArray(), out.read(), 1e-5, "attention over a cache " + sh);
        var e = assertThrows(IllegalArgumentException.class, () -> new AttentionShape(1, 1, 5, 2, 1, 4).withKeyCapacity(4));
        assertEquals("attention: key capacity 4 is smaller than the key length 5", e.getMessage());
    }

    /** HF attention masks: kind 1 pads batch 0 on the left (2) and batch 1 on the right (2); kind 2 pads batch 0 on the left by half. */
    public static float[] mask(int kind, int batch, int kLen) {
        if (kind == 0) return null;
        float[] m = new float[batch * kLen];
        java.util.Arrays.fill(m, 1f);
        if (kind == 1) {
            m[0] = m[1] = 0f;
            if (batch > 1) m[2 * kLen - 1] = m[2 * kLen - 2] = 0f;
        } else {
            for (int j = 0; j < kLen / 2; j++) m[j] = 0f;
        }
        return m;
    }

    @Test
    void ropeEqualsTheOpExactly() {
        int batch = 2, seq = 5, heads = 3, headDim = 8;
        double theta = 10000;
        SplittableRandom r = new SplittableRandom(7);
        float[] x = random(r, batch * seq * heads * headDim, 1), dy = random(r, x.length, 1);
        int[] positions = {0, 0, 0, 1, 2, 3, 4, 5, 6, 7}; // batch 0 left-padded by 2, batch 1 continuing a cache at 3
        for (int t = 0; t < seq; t++) positions[seq + t] = 3 + t;
        Var vx = Var.variable(Tensor.of(x.clone(), batch, seq, heads * headDim));
        float[] want;
        try (Tape tape = Tape.start()) {
            Var y = new Rope(headDim, theta).apply(vx, heads, positions);
            want = y.value().toArray();
            tape.backward(y, Tensor.of(dy, y.shape()));
        }
        float[] invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) invFreq[i] = 1f / (float) Math.pow(theta, (float) (2 * i) / headDim); // as Rope does
        DeviceBuffer pos = cpu.upload(floats(positions)), freq = cpu.upload(invFreq), out = cpu.allocate(x.length);
        cpu.rope(cpu.upload(x), out, pos, freq, batch * seq, heads, headDim);
        assertArrayEquals(want, out.read());
        DeviceBuffer dx = cpu.allocate(x.length);
        cpu.ropeBackward(cpu.upload(dy), dx, pos, freq, batch * seq, heads, headDim);
        assertArrayEquals(vx.grad().toArray(), dx.read());
    }

    @Test
    void swigluEqualsTheOp() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 3 * 37;
        float[] gate = random(r, n, 6), up = random(r, n, 2), dy = random(r, n, 1);
        Var vg = Var.variable(Tensor.of(gate.clone(), 3, 37)), vu = Var.variable(Tensor.of(up.clone(), 3, 37));
        float[] want;
        try (Tape tape = Tape.start()) {
            Var y = SwiGlu.apply(vg, vu);
            want = y.value().toArray();
            tape.backward(y, Tensor.of(dy, 3, 37));
        }
        DeviceBuffer g = cpu.upload(gate), u = cpu.upload(up), out = cpu.allocate(n), dg = cpu.allocate(n), du = cpu.allocate(n);
        cpu.swiglu(g, u, out, n);
        assertClose(want, out.read(), 2e-6, "swiglu");
        cpu.swigluBackward(g, u, cpu.upload(dy), dg, du, n);
        assertClose(vg.grad().toArray(), dg.read(), 2e-6, "swiglu dgate");
        assertClose(vu.grad().toArray(), du.read(), 2e-6, "swiglu dup");
    }

    @Test
    void embeddingEqualsTheOpExactly() {
        int vocab = 9, dim = 5;
        int[] ids = {3, 0, 3, 8, 3, 1, 0};
        SplittableRandom r = new SplittableRandom(11);
        float[] table = random(r, vocab * dim, 1), dy = random(r, ids.length * dim, 1);
        Var vt = Var.variable(Tensor.of(table.clone(), vocab, dim));
        float[] want;
        try (Tape tape = Tape.start()) {
            Var y = Embedding.apply(vt, ids, ids.length);
            want = y.value().toArray();
            tape.backward(y, Tensor.of(dy, ids.length, dim));
        }
        DeviceBuffer bids = cpu.upload(floats(ids)), out = cpu.allocate(ids.length * dim), dt = cpu.allocate(vocab * dim);
        cpu.embedding(cpu.upload(table), bids, out, ids.length, vocab, dim);
        assertArrayEquals(want, out.read());
        cpu.embeddingBackward(cpu.upload(dy), bids, dt, ids.length, vocab, dim);
        assertArrayEquals(vt.grad().toArray(), dt.read());
        var e = assertThrows(IllegalArgumentException.class,
                () -> cpu.embedding(cpu.upload(table), cpu.upload(new float[] {9}), cpu.allocate(dim), 1, vocab, dim));
        assertEquals("cpu embedding: id 9.0 at row 0 is not an integer in [0, 9)", e.getMessage());
    }

    @Test
    void sequenceLogProbsAndCrossEntropyEqualTheOps() {
        int batch = 2, seq = 5, vocab = 11, rows = batch * seq;
        SplittableRandom r = new SplittableRandom(5);
        float[] logits = random(r, rows * vocab, 4);
        int[] targets = {1, 4, 10, 0, CrossEntropy.IGNORE_INDEX, 7, 7, 2, 3, 9};
        float[] mask = {0, 1, 1, 0.5f, 1, 1, 1, 1, 1, 0};
        float[] weights = mask.clone(); // the ops' weights: the mask, 0 at ignored targets
        weights[4] = 0f;
        float[] g = {0.7f, -1.3f};

        Var vl = Var.variable(Tensor.of(logits.clone(), batch, seq, vocab));
        float[] want;
        try (Tape tape = Tape.start()) {
            Var lp = SequenceLogProbs.apply(vl, targets, Tensor.of(mask, batch, seq));
            want = lp.value().toArray();
            tape.backward(lp, Tensor.of(g, batch));
        }
        DeviceBuffer x = cpu.upload(logits), t = cpu.upload(floats(targets)), w = cpu.upload(weights);
        DeviceBuffer lse = cpu.allocate(rows), picked = cpu.allocate(rows), sums = cpu.allocate(batch);
        cpu.logSoftmaxGather(x, t, w, lse, picked, rows, vocab);
        cpu.rowSums(picked, sums, batch, seq);
        assertClose(want, sums.read(), 1e-5, "sequence log-probs");
        DeviceBuffer dx = cpu.allocate(rows * vocab);
        cpu.logSoftmaxGatherBackward(x, t, w, lse, cpu.upload(g), seq, dx, rows, vocab);
        assertClose(vl.grad().toArray(), dx.read(), 1e-5, "sequence log-probs backward");
        DeviceBuffer inPlace = cpu.upload(logits);
        cpu.logSoftmaxGatherBackwardInPlace(inPlace, t, w, lse, cpu.upload(g), seq, rows, vocab);
        assertArrayEquals(dx.read(), inPlace.read(), 0f, "in place: the same gradient, written over the logits (masked rows: zeros)");

        // cross-entropy: -Σ picked / Σ weights, with every weight 1 but the ignored target's
        float[] ones = new float[rows];
        java.util.Arrays.fill(ones, 1f);
        ones[4] = 0f;
        Var vc = Var.variable(Tensor.of(logits.clone(), rows, vocab));
        float wantLoss;
        try (Tape tape = Tape.start()) {
            Var loss = CrossEntropy.apply(vc, targets);
            wantLoss = loss.item();
            tape.backward(loss);
        }
        DeviceBuffer w1 = cpu.upload(ones), total = cpu.allocate(1);
        cpu.logSoftmaxGather(x, t, w1, lse, picked, rows, vocab);
        cpu.rowSums(picked, total, 1, rows);
        assertEquals(wantLoss, -total.read()[0] / (rows - 1), 1e-5 * Math.abs(wantLoss));
        DeviceBuffer dc = cpu.allocate(rows * vocab);
        cpu.logSoftmaxGatherBackward(x, t, w1, lse, cpu.upload(new float[] {-1f / (rows - 1)}), rows, dc, rows, vocab);
        assertClose(vc.grad().toArray(), dc.read(), 1e-5, "cross-entropy backward");
    }

    @Test
    void rowSumsOfSquaresEqualsTheGradientNorm() {
        float[] x = random(new SplittableRandom(5), 3 * 40, 3);
        DeviceBuffer out = cpu.allocate(3);
        cpu.rowSumsOfSquares(cpu.upload(x), out, 3, 40);
        double total = 0, want = 0;
        for (float v : out.read()) total += v;
        for (float v : x) want += (double) v * v;
        assertEquals(want, total, 1e-5 * want);
        dev.selfee.engine.autograd.Parameter p = new dev.selfee.engine.autograd.Parameter("p", Tensor.zeros(3, 40));
        System.arraycopy(x, 0, p.grad().data(), p.grad().offset(), x.length);
        assertEquals(dev.selfee.engine.optim.GradNorm.total(java.util.List.of(p)), Math.sqrt(total), 1e-5 * Math.sqrt(want));
    }

    static float[] floats(int[] ids) {
        float[] f = new float[ids.length];
        for (int i = 0; i < ids.length; i++) f[i] = ids[i];
        return f;
    }
}
