package dev.selfee.engine.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads optim/optim.json, written by tools/make_optim_fixture.py from torch.optim and transformers. */
final class OptimFixture {
    static final JsonNode ROOT = load();
    static final List<String> NAMES = List.of("w", "b", "v");

    /** A parameter and its gradient, as a model would expose them. */
    record Param(String name, Tensor value, Tensor grad) implements Trainable {}

    private static JsonNode load() {
        try (InputStream in = OptimFixture.class.getResourceAsStream("/optim/optim.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] floats(JsonNode arr) {
        float[] out = new float[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) arr.get(i).doubleValue();
        return out;
    }

    static int[] shape(String name) {
        JsonNode s = ROOT.get("shapes").get(name);
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) out[i] = s.get(i).intValue();
        return out;
    }

    /** Parameters initialised from {@code values.<name>}, gradients zero. */
    static List<Param> params(JsonNode values) {
        List<Param> out = new ArrayList<>();
        for (String n : NAMES) out.add(new Param(n, Tensor.of(floats(values.get(n)), shape(n)), Tensor.zeros(shape(n))));
        return out;
    }

    /** Sets each gradient to {@code grads.<name>}. */
    static void setGrads(List<Param> ps, JsonNode grads) {
        for (Param p : ps) p.grad().copyFrom(Tensor.of(floats(grads.get(p.name())), p.value().shape()));
    }

    /** Asserts the parameters equal {@code expected.<name>} within {@code tol} (absolute, per element). */
    static void assertClose(List<? extends Trainable> ps, JsonNode expected, double tol, String what) {
        for (Trainable p : ps) {
            float[] want = floats(expected.get(p.name()));
            float[] got = p.value().toArray();
            double worst = 0;
            for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
            assertTrue(worst <= tol, what + ": parameter " + p.name() + " differs from torch by " + worst + " > " + tol);
        }
    }

    static Map<String, Tensor> asMap(List<Param> ps) {
        Map<String, Tensor> m = new java.util.LinkedHashMap<>();
        for (Param p : ps) m.put(p.name(), p.value());
        return m;
    }

    private OptimFixture() {}
}
