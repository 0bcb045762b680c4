package dev.selfee.engine.autograd;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.ops.Arithmetic;
import dev.selfee.engine.ops.Attention;
import dev.selfee.engine.ops.CrossEntropy;
import dev.selfee.engine.ops.Embedding;
import dev.selfee.engine.ops.Linear;
import dev.selfee.engine.ops.RmsNorm;
import dev.selfee.engine.ops.Rope;
import dev.selfee.engine.ops.SequenceLogProbs;
import dev.selfee.engine.ops.SwiGlu;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 2-layer Llama-style decoder built from the engine's ops: loss, every parameter gradient
 * and the summed sequence log-probs equal PyTorch's (tools/make_autograd_fixture.py) within
 * 1e-4, measured relative to each tensor's largest magnitude.
 */
class LlamaStackParityTest {
    static final double TOL = 1e-4;
    static JsonNode meta;
    static float[] blob;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream j = LlamaStackParityTest.class.getResourceAsStream("/autograd/llama_2layer.json");
             InputStream b = LlamaStackParityTest.class.getResourceAsStream("/autograd/llama_2layer.bin")) {
            assertNotNull(j, "fixture llama_2layer.json missing: run tools/make_autograd_fixture.py");
            assertNotNull(b, "fixture llama_2layer.bin missing: run tools/make_autograd_fixture.py");
            meta = new ObjectMapper().readTree(j);
            ByteBuffer bb = ByteBuffer.wrap(b.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            blob = new float[bb.remaining() / 4];
            bb.asFloatBuffer().get(blob);
        }
    }

    static Tensor tensor(String name) {
        JsonNode t = meta.get("tensors").get(name);
        assertNotNull(t, "fixture has no tensor " + name);
        int[] shape = new int[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).asInt();
        Tensor out = Tensor.zeros(shape);
        System.arraycopy(blob, t.get("offset").asInt(), out.data(), 0, out.size());
        return out;
    }

    static int[] ints(String field) {
        JsonNode rows = meta.get(field);
        int n = rows.size(), m = rows.get(0).size();
        int[] out = new int[n * m];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) out[i * m + j] = rows.get(i).get(j).asInt();
        return out;
    }

    /** The model's forward, as a Llama implementation would compose the ops. */
    record Outputs(Var loss, Var logits) {}

    static Outputs forward(Map<String, Parameter> p) {
        JsonNode c = meta.get("config");
        int batch = c.get("batch").asInt(), seq = c.get("seq").asInt(), heads = c.get("num_attention_heads").asInt();
        int kvHeads = c.get("num_key_value_heads").asInt(), hidden = c.get("hidden_size").asInt();
        float eps = (float) c.get("rms_norm_eps").asDouble();
        Rope rope = new Rope(hidden / heads, c.get("rope_theta").asDouble());
        int[] positions = Rope.positions(batch, seq, 0);
        int[] maskInts = ints("attention_mask");
        float[] maskValues = new float[maskInts.length];
        for (int i = 0; i < maskInts.length; i++) maskValues[i] = maskInts[i];
        Tensor keyMask = Tensor.of(maskValues, batch, seq);

        Var h = Embedding.apply(p.get("model.embed_tokens.weight"), ints("input_ids"), batch, seq);
        for (int l = 0; l < c.get("num_hidden_layers").asInt(); l++) {
            String pre = "model.layers." + l + ".";
            Var x = RmsNorm.apply(h, p.get(pre + "input_layernorm.weight"), eps);
            Var q = rope.apply(Linear.apply(x, p.get(pre + "self_attn.q_proj.weight")), heads, positions);
            Var k = rope.apply(Linear.apply(x, p.get(pre + "self_attn.k_proj.weight")), kvHeads, positions);
            Var v = Linear.apply(x, p.get(pre + "self_attn.v_proj.weight"));
            Var a = Attention.apply(q, k, v, heads, kvHeads, keyMask);
            h = Arithmetic.add(h, Linear.apply(a, p.get(pre + "self_attn.o_proj.weight")));
            x = RmsNorm.apply(h, p.get(pre + "post_attention_layernorm.weight"), eps);
            Var mlp = SwiGlu.apply(Linear.apply(x, p.get(pre + "mlp.gate_proj.weight")), Linear.apply(x, p.get(pre + "mlp.up_proj.weight")));
            h = Arithmetic.add(h, Linear.apply(mlp, p.get(pre + "mlp.down_proj.weight")));
        }
        Var logits = Linear.apply(RmsNorm.apply(h, p.get("model.norm.weight"), eps), p.get("lm_head.weight"));
        return new Outputs(CrossEntropy.apply(logits, ints("labels")), logits);
    }

    static Map<String, Parameter> parameters() {
        Map<String, Parameter> p = new LinkedHashMap<>();
        for (JsonNode n : meta.get("params")) p.put(n.asText(), new Parameter(n.asText(), tensor(n.asText())));
        return p;
    }

    static Map<String, Parameter> trainStep(Tape tape) {
        Map<String, Parameter> p = parameters();
        tape.backward(forward(p).loss());
        return p;
    }

    static double relativeError(Tensor actual, Tensor expected) {
        float[] a = actual.toArray(), e = expected.toArray();
        double scale = 0, err = 0;
        for (float x : e) scale = Math.max(scale, Math.abs(x));
        for (int i = 0; i < a.length; i++) err = Math.max(err, Math.abs((double) a[i] - e[i]));
        return err / Math.max(scale, 1e-30);
    }

    @Test
    void lossAndEveryGradientMatchPyTorch() {
        Map<String, Parameter> p = parameters();
        Var loss;
        try (Tape tape = Tape.start()) {
            loss = forward(p).loss();
            tape.backward(loss);
        }
        double lossErr = relativeError(loss.value(), tensor("loss"));
        assertTrue(lossErr < TOL, "loss " + loss.value().data()[0] + " vs torch " + tensor("loss").data()[0]);
        assertEquals(21, p.size(), "every parameter of the 2-layer model is checked");
        double worst = 0;
        String worstName = "";
        for (Parameter param : p.values()) {
            double e = relativeError(param.grad(), tensor("grad." + param.name()));
            if (e > worst) {
                worst = e;
                worstName = param.name();
            }
            assertTrue(e < TOL, "gradient of " + param.name() + " differs from torch by " + e + " of its scale");
        }
        System.out.printf("llama 2-layer parity: loss rel err %.2e, worst gradient rel err %.2e (%s)%n", lossErr, worst, worstName);
    }

    @Test
    void summedSequenceLogProbsMatchPyTorch() {
        Map<String, Parameter> p = parameters();
        Var logps;
        try (NoGrad _ = NoGrad.enter()) {
            int[] labels = ints("labels");
            logps = SequenceLogProbs.apply(forward(p).logits(), labels, null);
        }
        assertFalse(logps.requiresGrad());
        Tensor expected = tensor("seq_logps");
        assertTrue(relativeError(logps.value(), expected) < TOL, logps.value() + " vs torch " + expected);
    }

    @Test
    void trainingStepIsBitIdenticalAcrossRunsAndRecycledBuffers() {
        Map<String, Parameter> first, last;
        try (Tape cold = Tape.start()) {
            first = trainStep(cold); // mostly interpreted, fresh gradient buffers
        }
        try (Tape tape = Tape.start()) { // one tape for many steps: intermediate gradients reuse its buffers
            last = first;
            for (int i = 0; i < 40; i++) last = trainStep(tape); // JIT-compiled kernels must give the same bits
        }
        for (String name : first.keySet()) {
            assertArrayEquals(first.get(name).grad().toArray(), last.get(name).grad().toArray(), "gradient of " + name + " must repeat exactly");
        }
    }
}
