package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import java.util.Arrays;

/**
 * Rotary position embedding in HF's "rotate_half" convention: each head's first half and
 * second half form the rotated pairs (x[i], x[i + d/2]), rotated by position · theta^(-2i/d).
 * Works on [batch, seq, heads * headDim] directly, so attention needs no transposes. The
 * cos/sin table is computed once per position and grows on demand.
 */
public final class Rope {
    private final int headDim, half;
    private final float[] invFreq;
    private float[] cos = new float[0], sin = new float[0]; // [position][half], guarded by this

    public Rope(int headDim, double theta) {
        this(inverseFrequencies(headDim, theta));
    }

    /**
     * Rotary embedding with given inverse frequencies, one per rotated pair (head_dim / 2 of
     * them): for scaled variants such as Llama 3's, computed by the caller.
     */
    public Rope(float[] invFreq) {
        if (invFreq.length == 0) throw new IllegalArgumentException("rope: no inverse frequencies");
        this.headDim = 2 * invFreq.length;
        this.half = invFreq.length;
        this.invFreq = invFreq.clone();
    }

    /** theta^(-2i / headDim) for each pair i, in fp32 as transformers computes it. */
    public static float[] inverseFrequencies(int headDim, double theta) {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("rope: head_dim must be positive and even, got " + headDim);
        if (!(theta > 0)) throw new IllegalArgumentException("rope: theta must be positive, got " + theta);
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = 1f / (float) Math.pow(theta, (float) (2 * i) / headDim);
        return f;
    }

    public int headDim() {
        return headDim;
    }

    /** Positions start, start+1, ... for every row of a [batch, seq] batch (start > 0 continues a KV cache). */
    public static int[] positions(int batch, int seq, int start) {
        int[] p = new int[batch * seq];
        for (int b = 0; b < batch; b++) for (int t = 0; t < seq; t++) p[b * seq + t] = start + t;
        return p;
    }

    /**
     * Rotates x [batch, seq, heads * headDim]; {@code positions} has one entry per (batch, seq)
     * row (e.g. shifted for left padding) or one per seq index shared by the whole batch.
     */
    public Var apply(Var x, int heads, int[] positionIds) {
        int[] positions = positionIds.clone(); // the caller may reuse its array before backward
        Tensor xv = x.value();
        int[] s = xv.shape();
        if (s.length != 3 || s[2] != heads * headDim) {
            throw new IllegalArgumentException("rope: expected [batch, seq, " + heads + " * " + headDim + "], got " + Arrays.toString(s));
        }
        int rows = s[0] * s[1], seq = s[1], width = s[2];
        if (positions.length != rows && positions.length != seq) {
            throw new IllegalArgumentException("rope: " + positions.length + " positions for input " + Arrays.toString(s)
                    + " (need batch*seq = " + rows + " or seq = " + seq + ")");
        }
        int maxPos = 0;
        for (int p : positions) {
            if (p < 0) throw new IllegalArgumentException("rope: negative position " + p);
            maxPos = Math.max(maxPos, p);
        }
        float[][] table = table(maxPos + 1);
        float[] c = table[0], sn = table[1];
        float[] xd = xv.data();
        int xo = xv.offset();
        Tensor y = Tensor.empty(s);
        float[] yd = y.data();
        Parallel.forRange(rows, Softmax.grain(width), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int t = (positions.length == rows ? positions[r] : positions[r % seq]) * half;
                for (int h = 0; h < heads; h++) {
                    int o = r * width + h * headDim;
                    for (int i = 0; i < half; i++) {
                        float x1 = xd[xo + o + i], x2 = xd[xo + o + half + i];
                        yd[o + i] = x1 * c[t + i] - x2 * sn[t + i];
                        yd[o + half + i] = x2 * c[t + i] + x1 * sn[t + i];
                    }
                }
            }
        });
        return Tape.output(y, g -> {
            float[] gd = g.data(), dx = x.ensureGrad().data();
            Parallel.forRange(rows, Softmax.grain(width), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int t = (positions.length == rows ? positions[r] : positions[r % seq]) * half;
                    for (int h = 0; h < heads; h++) {
                        int o = r * width + h * headDim;
                        for (int i = 0; i < half; i++) {
                            float g1 = gd[o + i], g2 = gd[o + half + i];
                            dx[o + i] += g1 * c[t + i] + g2 * sn[t + i];
                            dx[o + half + i] += g2 * c[t + i] - g1 * sn[t + i];
                        }
                    }
                }
            });
        }, x);
    }

    /** cos and sin for positions [0, n), at least; a snapshot safe to read without the lock. */
    private synchronized float[][] table(int n) {
        int have = cos.length / half;
        if (have < n) {
            int cap = Math.max(n, Math.max(64, 2 * have));
            float[] c = Arrays.copyOf(cos, cap * half), s = Arrays.copyOf(sin, cap * half);
            for (int p = have; p < cap; p++) {
                for (int i = 0; i < half; i++) {
                    float f = p * invFreq[i]; // fp32 angle, as HF forms it
                    c[p * half + i] = (float) Math.cos(f);
                    s[p * half + i] = (float) Math.sin(f);
                }
            }
            cos = c;
            sin = s;
        }
        return new float[][] {cos, sin};
    }
}
