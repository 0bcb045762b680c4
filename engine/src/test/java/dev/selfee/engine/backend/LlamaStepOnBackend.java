package dev.selfee.engine.backend;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training step of the 2-layer Llama-style decoder of the autograd parity fixture
 * (tools/make_autograd_fixture.py), written against the {@link Backend} SPI alone: forward,
 * cross-entropy, the backward pass by hand, then AdamW. Parameters live in one device buffer
 * and their gradients in another, each parameter a slice, so the update is one kernel launch;
 * nothing returns to the host between the upload and the results. It is the sequence of
 * kernel calls the autograd ops will make once they run on a backend.
 */
public final class LlamaStepOnBackend {
    /** The fixture: config, token ids, mask, labels, parameters and PyTorch's loss and gradients. */
    public static final class Fixture {
        final JsonNode meta;
        final float[] blob;
        public final int batch, seq, rows, vocab, hidden, heads, kvHeads, headDim, inter, layers;
        public final float eps;
        final double theta;

        public Fixture() {
            try (InputStream j = LlamaStepOnBackend.class.getResourceAsStream("/autograd/llama_2layer.json");
                 InputStream b = LlamaStepOnBackend.class.getResourceAsStream("/autograd/llama_2layer.bin")) {
                assertNotNull(j, "fixture llama_2layer.json missing: run tools/make_autograd_fixture.py");
                assertNotNull(b, "fixture llama_2layer.bin missing: run tools/make_autograd_fixture.py");
                meta = new ObjectMapper().readTree(j);
                ByteBuffer bb = ByteBuffer.wrap(b.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
                blob = new float[bb.remaining() / 4];
                bb.asFloatBuffer().get(blob);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            JsonNode c = meta.get("config");
            batch = c.get("batch").asInt();
            seq = c.get("seq").asInt();
            rows = batch * seq;
            vocab = c.get("vocab_size").asInt();
            hidden = c.get("hidden_size").asInt();
            heads = c.get("num_attention_heads").asInt();
            kvHeads = c.get("num_key_value_heads").asInt();
            headDim = hidden / heads;
            inter = c.get("intermediate_size").asInt();
            layers = c.get("num_hidden_layers").asInt();
            eps = (float) c.get("rms_norm_eps").asDouble();
            theta = c.get("rope_theta").asDouble();
        }

        /** A tensor of the fixture, flattened. */
        public float[] tensor(String name) {
            JsonNode t = meta.get("tensors").get(name);
            assertNotNull(t, "fixture has no tensor " + name);
            int n = 1;
            for (JsonNode d : t.get("shape")) n *= d.asInt();
            float[] out = new float[n];
            System.arraycopy(blob, t.get("offset").asInt(), out, 0, n);
            return out;
        }

        public List<String> parameterNames() {
            List<String> names = new ArrayList<>();
            for (JsonNode n : meta.get("params")) names.add(n.asText());
            return names;
        }

        /** A [batch][seq] field of ints as floats, row-major. */
        float[] ints(String field) {
            float[] out = new float[rows];
            for (int b = 0; b < batch; b++) for (int t = 0; t < seq; t++) out[b * seq + t] = meta.get(field).get(b).get(t).asInt();
            return out;
        }
    }

    /** What a step produced, read back to the host. */
    public record Result(float loss, Map<String, float[]> gradients, Map<String, float[]> updated) {}

    private final Backend be;
    private final Fixture f;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final Map<String, DeviceBuffer> param = new LinkedHashMap<>(), grad = new LinkedHashMap<>();

    private LlamaStepOnBackend(Backend be, Fixture f) {
        this.be = be;
        this.f = f;
    }

    /** Runs forward, backward and one AdamW step (lr 1e-2, betas 0.9/0.95, eps 1e-8, weight decay 0.1) on {@code be}. */
    public static Result run(Backend be, Fixture f) {
        LlamaStepOnBackend s = new LlamaStepOnBackend(be, f);
        try {
            return s.step();
        } finally {
            s.owned.forEach(DeviceBuffer::close);
        }
    }

    private DeviceBuffer buffer(long floats) {
        DeviceBuffer b = be.allocate(floats);
        owned.add(b);
        return b;
    }

    private DeviceBuffer zeros(long floats) {
        DeviceBuffer b = buffer(floats);
        be.fill(b, 0f, Math.toIntExact(floats));
        return b;
    }

    private DeviceBuffer upload(float[] values) {
        DeviceBuffer b = be.upload(values);
        owned.add(b);
        return b;
    }

    /** Per layer: what the backward pass needs from the forward. */
    private record Saved(DeviceBuffer hIn, DeviceBuffer x1, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer attn,
                         DeviceBuffer lse, DeviceBuffer hMid, DeviceBuffer x2, DeviceBuffer gate, DeviceBuffer up, DeviceBuffer act) {}

    private Result step() {
        int rows = f.rows, hidden = f.hidden, qw = f.heads * f.headDim, kw = f.kvHeads * f.headDim, inter = f.inter, vocab = f.vocab;
        // parameters packed in one buffer, gradients in another with the same layout
        long total = 0;
        Map<String, long[]> at = new LinkedHashMap<>();
        for (String name : f.parameterNames()) {
            long n = f.tensor(name).length;
            at.put(name, new long[] {total, n});
            total += n;
        }
        DeviceBuffer params = buffer(total), grads = zeros(total);
        for (var e : at.entrySet()) {
            long[] span = e.getValue();
            param.put(e.getKey(), params.slice(span[0], span[1]));
            grad.put(e.getKey(), grads.slice(span[0], span[1]));
            param.get(e.getKey()).write(0, f.tensor(e.getKey()), 0, (int) span[1]);
        }
        DeviceBuffer ids = upload(f.ints("input_ids")), mask = upload(f.ints("attention_mask")), labels = upload(f.ints("labels"));
        float[] w = new float[rows], positions = new float[rows], invFreq = new float[f.headDim / 2];
        float counted = 0;
        float[] labelValues = f.ints("labels");
        for (int r = 0; r < rows; r++) {
            w[r] = labelValues[r] == -100 ? 0f : 1f;
            counted += w[r];
            positions[r] = r % f.seq;
        }
        for (int i = 0; i < invFreq.length; i++) invFreq[i] = 1f / (float) Math.pow(f.theta, (float) (2 * i) / f.headDim); // as ops.Rope
        DeviceBuffer weights = upload(w), pos = upload(positions), freq = upload(invFreq);
        AttentionShape shape = new AttentionShape(f.batch, f.seq, f.seq, f.heads, f.kvHeads, f.headDim);

        // ---- forward ----
        DeviceBuffer h = buffer((long) rows * hidden);
        be.embedding(param.get("model.embed_tokens.weight"), ids, h, rows, vocab, hidden);
        List<Saved> saved = new ArrayList<>();
        for (int l = 0; l < f.layers; l++) {
            String pre = "model.layers." + l + ".";
            DeviceBuffer x1 = buffer((long) rows * hidden), q = buffer((long) rows * qw), k = buffer((long) rows * kw), v = buffer((long) rows * kw);
            be.rmsNormRows(h, param.get(pre + "input_layernorm.weight"), x1, rows, hidden, f.eps);
            linear(x1, pre + "self_attn.q_proj.weight", q, rows, hidden, qw);
            linear(x1, pre + "self_attn.k_proj.weight", k, rows, hidden, kw);
            linear(x1, pre + "self_attn.v_proj.weight", v, rows, hidden, kw);
            be.rope(q, q, pos, freq, rows, f.heads, f.headDim);
            be.rope(k, k, pos, freq, rows, f.kvHeads, f.headDim);
            DeviceBuffer attn = buffer((long) rows * qw), lse = buffer(shape.lseFloats());
            be.attention(shape, q, k, v, mask, attn, lse);
            DeviceBuffer hMid = buffer((long) rows * hidden);
            linear(attn, pre + "self_attn.o_proj.weight", hMid, rows, qw, hidden);
            be.add(h, hMid, hMid, rows * hidden);
            DeviceBuffer x2 = buffer((long) rows * hidden), gate = buffer((long) rows * inter), up = buffer((long) rows * inter);
            DeviceBuffer act = buffer((long) rows * inter), hOut = buffer((long) rows * hidden);
            be.rmsNormRows(hMid, param.get(pre + "post_attention_layernorm.weight"), x2, rows, hidden, f.eps);
            linear(x2, pre + "mlp.gate_proj.weight", gate, rows, hidden, inter);
            linear(x2, pre + "mlp.up_proj.weight", up, rows, hidden, inter);
            be.swiglu(gate, up, act, rows * inter);
            linear(act, pre + "mlp.down_proj.weight", hOut, rows, inter, hidden);
            be.add(hMid, hOut, hOut, rows * hidden);
            saved.add(new Saved(h, x1, q, k, v, attn, lse, hMid, x2, gate, up, act));
            h = hOut;
        }
        DeviceBuffer xf = buffer((long) rows * hidden), logits = buffer((long) rows * vocab);
        be.rmsNormRows(h, param.get("model.norm.weight"), xf, rows, hidden, f.eps);
        linear(xf, "lm_head.weight", logits, rows, hidden, vocab);
        DeviceBuffer lseRows = buffer(rows), picked = buffer(rows), sum = buffer(1);
        be.logSoftmaxGather(logits, labels, weights, lseRows, picked, rows, vocab);
        be.rowSums(picked, sum, 1, rows);

        // ---- backward: loss = -Σ picked / counted ----
        DeviceBuffer dlogits = zeros((long) rows * vocab);
        be.logSoftmaxGatherBackward(logits, labels, weights, lseRows, upload(new float[] {-1f / counted}), rows, dlogits, rows, vocab);
        DeviceBuffer dxf = buffer((long) rows * hidden), dh = buffer((long) rows * hidden);
        linearBackward(dlogits, xf, "lm_head.weight", dxf, 0f, rows, hidden, vocab);
        be.rmsNormRowsBackward(h, param.get("model.norm.weight"), dxf, dh, grad.get("model.norm.weight"), rows, hidden, f.eps);
        DeviceBuffer tmp = buffer((long) rows * hidden), dx = buffer((long) rows * hidden);
        for (int l = f.layers - 1; l >= 0; l--) {
            String pre = "model.layers." + l + ".";
            Saved s = saved.get(l);
            // MLP: hOut = hMid + down(swiglu(gate(x2), up(x2)))
            DeviceBuffer dact = buffer((long) rows * inter), dgate = zeros((long) rows * inter), dup = zeros((long) rows * inter);
            linearBackward(dh, s.act, pre + "mlp.down_proj.weight", dact, 0f, rows, inter, hidden);
            be.swigluBackward(s.gate, s.up, dact, dgate, dup, rows * inter);
            linearBackward(dgate, s.x2, pre + "mlp.gate_proj.weight", dx, 0f, rows, hidden, inter);
            linearBackward(dup, s.x2, pre + "mlp.up_proj.weight", dx, 1f, rows, hidden, inter);
            be.rmsNormRowsBackward(s.hMid, param.get(pre + "post_attention_layernorm.weight"), dx, tmp,
                    grad.get(pre + "post_attention_layernorm.weight"), rows, hidden, f.eps);
            be.add(dh, tmp, dh, rows * hidden);
            // attention: hMid = hIn + o(attention(rope(q(x1)), rope(k(x1)), v(x1)))
            DeviceBuffer dattn = buffer((long) rows * qw);
            linearBackward(dh, s.attn, pre + "self_attn.o_proj.weight", dattn, 0f, rows, qw, hidden);
            DeviceBuffer dq = zeros((long) rows * qw), dk = zeros((long) rows * kw), dv = zeros((long) rows * kw);
            be.attentionBackward(shape, s.q, s.k, s.v, mask, s.attn, s.lse, dattn, dq, dk, dv);
            DeviceBuffer dqPre = zeros((long) rows * qw), dkPre = zeros((long) rows * kw);
            be.ropeBackward(dq, dqPre, pos, freq, rows, f.heads, f.headDim);
            be.ropeBackward(dk, dkPre, pos, freq, rows, f.kvHeads, f.headDim);
            linearBackward(dqPre, s.x1, pre + "self_attn.q_proj.weight", dx, 0f, rows, hidden, qw);
            linearBackward(dkPre, s.x1, pre + "self_attn.k_proj.weight", dx, 1f, rows, hidden, kw);
            linearBackward(dv, s.x1, pre + "self_attn.v_proj.weight", dx, 1f, rows, hidden, kw);
            be.rmsNormRowsBackward(s.hIn, param.get(pre + "input_layernorm.weight"), dx, tmp, grad.get(pre + "input_layernorm.weight"),
                    rows, hidden, f.eps);
            be.add(dh, tmp, dh, rows * hidden);
        }
        be.embeddingBackward(dh, ids, grad.get("model.embed_tokens.weight"), rows, vocab, hidden);

        float loss = -sum.read()[0] / counted;
        Map<String, float[]> gradients = new LinkedHashMap<>();
        for (var e : grad.entrySet()) gradients.put(e.getKey(), e.getValue().read());
        // ---- AdamW on the whole arena: one launch ----
        DeviceBuffer m = zeros(total), v2 = zeros(total);
        be.adamw(params, grads, m, v2, Math.toIntExact(total), 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 1);
        Map<String, float[]> updated = new LinkedHashMap<>();
        for (var e : param.entrySet()) updated.put(e.getKey(), e.getValue().read());
        return new Result(loss, gradients, updated);
    }

    /**
     * Asserts that the step's loss and every gradient equal PyTorch's within {@code tolerance}
     * of each tensor's largest magnitude, and that the update is AdamW's first step from the
     * fixture's weights with the step's own gradients.
     */
    public static void assertMatchesTorch(Result r, Fixture f, double tolerance, String backend) {
        float wantLoss = f.tensor("loss")[0];
        org.junit.jupiter.api.Assertions.assertEquals(wantLoss, r.loss(), tolerance * Math.abs(wantLoss), backend + " loss");
        org.junit.jupiter.api.Assertions.assertEquals(21, r.gradients().size(), "every parameter of the 2-layer model");
        for (var e : r.gradients().entrySet()) {
            Close.assertClose(f.tensor("grad." + e.getKey()), e.getValue(), tolerance, backend + " gradient of " + e.getKey());
        }
        // step 1 with zero moments: m̂ = g, v̂ = g², so p' = p·(1 − lr·wd) − lr · g / (|g| + eps)
        double lr = 1e-2, wd = 0.1, eps = 1e-8;
        for (var e : r.updated().entrySet()) {
            float[] p0 = f.tensor(e.getKey()), g = r.gradients().get(e.getKey()), p1 = e.getValue();
            for (int i = 0; i < p0.length; i++) {
                double want = p0[i] * (1 - lr * wd) - lr * g[i] / (Math.abs(g[i]) + eps);
                org.junit.jupiter.api.Assertions.assertEquals(want, p1[i], 1e-6 * (1 + Math.abs(want)),
                        backend + " AdamW update of " + e.getKey() + "[" + i + "]");
            }
        }
    }

    /** y = x · Wᵀ with W [out, in] as HF stores it. */
    private void linear(DeviceBuffer x, String weight, DeviceBuffer y, int rows, int in, int out) {
        be.gemm(false, true, rows, out, in, 1f, x, 0, in, param.get(weight), 0, in, 0f, y, 0, out);
    }

    /** dx = beta·dx + dy · W and dW += dyᵀ · x, for y = x · Wᵀ. */
    private void linearBackward(DeviceBuffer dy, DeviceBuffer x, String weight, DeviceBuffer dx, float beta, int rows, int in, int out) {
        be.gemm(false, false, rows, in, out, 1f, dy, 0, out, param.get(weight), 0, in, beta, dx, 0, in);
        be.gemm(true, false, out, in, rows, 1f, dy, 0, out, x, 0, in, 1f, grad.get(weight), 0, in);
    }
}
