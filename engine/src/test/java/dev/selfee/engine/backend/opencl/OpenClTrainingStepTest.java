package dev.selfee.engine.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.backend.cpu.CpuBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A whole SGD step of a small block — RMSNorm, x·W1, SiLU, ·W2ᵀ, softmax, then the backward
 * pass through the same kernels (GEMMs in all three layouts) and the update — composed from
 * SPI calls only, run on the CPU and the OpenCL backend: the results agree within
 * max |Δ| ≤ 1e-4 · max |cpu| per tensor. Data stays on the device for the whole step.
 */
class OpenClTrainingStepTest {
    private static final int B = 8, D = 48, H = 80, V = 20;
    private static final float EPS = 1e-5f, LR = 0.1f;

    @Test
    void aTrainingStepMatchesTheCpu() {
        OpenClBackend gpu = OpenClTestDevice.backend();
        SplittableRandom r = new SplittableRandom(42);
        Map<String, float[]> inputs = new LinkedHashMap<>();
        inputs.put("x", random(r, B * D, 2));
        inputs.put("g", random(r, D, 1));
        inputs.put("W1", random(r, D * H, 0.3));
        inputs.put("W2", random(r, V * H, 0.3));
        inputs.put("upstream", random(r, B * V, 1)); // dL/dp for a fixed linear loss L = Σ upstream·p

        Map<String, float[]> want = step(new CpuBackend(), inputs);
        Map<String, float[]> got = step(gpu, inputs);
        for (String name : want.keySet()) {
            float[] w = want.get(name), o = got.get(name);
            double max = 0, err = 0;
            for (int i = 0; i < w.length; i++) {
                max = Math.max(max, Math.abs(w[i]));
                err = Math.max(err, Math.abs(w[i] - o[i]));
            }
            assertTrue(max > 0, name + " is all zeros: the step did nothing");
            assertTrue(err <= 1e-4 * max, name + ": max |Δ| " + err + " > 1e-4 · max |cpu| " + max);
        }
        // the step changed the weights
        assertNotEquals(inputs.get("W1")[0], want.get("W1")[0]);
    }

    /** Runs forward, backward and the SGD update on {@code be}; returns the gradients and the updated weights. */
    private static Map<String, float[]> step(Backend be, Map<String, float[]> in) {
        try (DeviceBuffer x = be.upload(in.get("x")); DeviceBuffer g = be.upload(in.get("g"));
             DeviceBuffer w1 = be.upload(in.get("W1")); DeviceBuffer w2 = be.upload(in.get("W2"));
             DeviceBuffer dp = be.upload(in.get("upstream"));
             DeviceBuffer n = be.allocate(B * D); DeviceBuffer hpre = be.allocate(B * H); DeviceBuffer a = be.allocate(B * H);
             DeviceBuffer p = be.allocate(B * V); DeviceBuffer dlogits = be.allocate(B * V);
             DeviceBuffer dw2 = be.allocate(V * H); DeviceBuffer da = be.allocate(B * H); DeviceBuffer dh = be.allocate(B * H);
             DeviceBuffer dw1 = be.allocate(D * H); DeviceBuffer dn = be.allocate(B * D); DeviceBuffer dx = be.allocate(B * D);
             DeviceBuffer dg = be.upload(new float[D])) {
            // forward
            be.rmsNormRows(x, g, n, B, D, EPS);
            be.gemm(false, false, B, H, D, 1f, n, 0, D, w1, 0, H, 0f, hpre, 0, H);        // hpre = n·W1
            be.silu(hpre, a, B * H);
            be.gemm(false, true, B, V, H, 1f, a, 0, H, w2, 0, H, 0f, p, 0, V);            // logits = a·W2ᵀ
            be.softmaxRows(p, p, B, V);
            // backward
            be.softmaxRowsBackward(p, dp, dlogits, B, V);
            be.gemm(true, false, V, H, B, 1f, dlogits, 0, V, a, 0, H, 0f, dw2, 0, H);     // dW2 = dlogitsᵀ·a
            be.gemm(false, false, B, H, V, 1f, dlogits, 0, V, w2, 0, H, 0f, da, 0, H);    // da = dlogits·W2
            be.siluBackward(hpre, da, dh, B * H);
            be.gemm(true, false, D, H, B, 1f, n, 0, D, dh, 0, H, 0f, dw1, 0, H);          // dW1 = nᵀ·dh
            be.gemm(false, true, B, D, H, 1f, dh, 0, H, w1, 0, H, 0f, dn, 0, D);          // dn = dh·W1ᵀ
            be.rmsNormRowsBackward(x, g, dn, dx, dg, B, D, EPS);
            Map<String, float[]> out = new LinkedHashMap<>();
            out.put("dW1", dw1.read());
            out.put("dW2", dw2.read());
            out.put("dg", dg.read());
            out.put("dx", dx.read());
            // SGD: w -= lr * dw, in place on the device
            be.scale(dw1, -LR, dw1, D * H);
            be.add(w1, dw1, w1, D * H);
            be.scale(dw2, -LR, dw2, V * H);
            be.add(w2, dw2, w2, V * H);
            be.scale(dg, -LR, dg, D);
            be.add(g, dg, g, D);
            out.put("W1", w1.read());
            out.put("W2", w2.read());
            out.put("g", g.read());
            return out;
        }
    }

    private static float[] random(SplittableRandom r, int n, double range) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextDouble(-range, range);
        return v;
    }
}
