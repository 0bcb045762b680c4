package dev.selfee.engine.model.device;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.backend.AttentionShape;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.io.RopeScaling;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.engine.ops.CrossEntropy;
import dev.selfee.engine.ops.Rope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A {@link LlamaModel} trained on a {@link Backend}: the same forward (embedding, RMSNorm, RoPE,
 * grouped-query attention with the padding mask and an optional sliding window, SwiGLU MLP,
 * optional q/k/v and MLP biases, tied or separate LM head) and its backward written by hand as
 * kernel calls, and AdamW over the parameters.
 *
 * <p>The weights are uploaded once into one device buffer (the parameter arena), each parameter a
 * slice of it; the gradients, and AdamW's two moments, are arenas of the same layout, so clipping
 * and the update are a few launches over the whole model. Activations stay on the device for the
 * step and their buffers are reused from step to step (grown when a batch has more tokens). Only
 * per-sequence scalars cross to the host: the forward returns each row's summed target
 * log-probabilities, and the backward starts from their gradients, so SFT's cross-entropy and
 * DPO's losses both run on the host from a handful of numbers. {@link #downloadInto} copies the
 * trained weights back into a {@link LlamaModel} for saving.
 *
 * <p>It also decodes with a KV cache on the device ({@link #decode}, {@link DeviceKvCache}) for
 * generation.
 *
 * <p>LoRA: a model with adapters attached trains only them, as on the CPU. The adapters (A and B of
 * each targeted projection) are then the arena that has gradients and AdamW moments, and the
 * frozen base weights sit in an arena of their own, so the device holds no gradient or moment for
 * them. A projection with an adapter adds s·(x·Aᵀ)·Bᵀ (s = alpha/r, applied to the rank-r
 * intermediate as PEFT does); {@link #uploadBase} uploads a model without its adapters (the
 * reference of a LoRA policy).
 */
public final class DeviceLlama implements AutoCloseable {
    /**
     * Floats per block of the gradient norm's partial sums (summed on the device, then the blocks in
     * double on the host: a few MB read back per step even for billions of parameters); the arenas
     * are padded to a multiple of it.
     */
    private static final int NORM_BLOCK = 8192;
    /** Name suffixes of a module's LoRA matrices (PEFT's, as {@link dev.selfee.engine.model.LoraAdapters} names them). */
    private static final String LORA_A = ".lora_A.weight", LORA_B = ".lora_B.weight";

    private final Backend be;
    private final LlamaConfig c;
    private final int hidden, qw, kw, inter, vocab, layers;
    private final float eps;
    private final long arenaFloats;
    /**
     * Parameters in the arena's order: matrices first, then vectors (norms, biases), so decayed and
     * exempt ones form two runs. The trainable ones (or all, uploaded frozen).
     */
    private final List<String> order = new ArrayList<>();
    private final Map<String, long[]> span = new LinkedHashMap<>();
    /** Every parameter the device holds, by name, and the gradients of those that train. */
    private final Map<String, DeviceBuffer> param = new LinkedHashMap<>(), grad = new LinkedHashMap<>();
    private final DeviceBuffer params, grads, invFreq, normPartials;
    /** The frozen base weights of a model training LoRA adapters, or null. */
    private final DeviceBuffer base;
    private final String lmHead;
    /** LoRA's rank and scaling alpha/r; rank 0 without adapters. */
    private final int loraRank;
    private final float loraScaling;
    private DeviceBuffer m, v; // AdamW's moments, allocated at the first update
    private Workspace ws;
    /** The batch of the last forward, for the backward; null when there is none to go back through. */
    private Pass pass;
    private boolean closed;

    private DeviceLlama(Backend be, LlamaModel model, boolean trainable, boolean adapters) {
        this.be = be;
        this.c = model.config();
        hidden = c.hiddenSize();
        qw = c.numAttentionHeads() * c.headDim();
        kw = c.numKeyValueHeads() * c.headDim();
        inter = c.intermediateSize();
        vocab = c.vocabSize();
        layers = c.numHiddenLayers();
        eps = (float) c.rmsNormEps();
        lmHead = c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
        boolean lora = adapters && model.lora() != null;
        loraRank = lora ? model.lora().config().rank() : 0;
        loraScaling = lora ? model.lora().config().scaling() : 0f;
        // training LoRA, the base goes to an arena of its own with no gradients; the arena that trains holds the adapters
        List<Parameter> arena = new ArrayList<>(), frozen = new ArrayList<>();
        (lora && trainable ? frozen : arena).addAll(model.parameters().values());
        if (lora) arena.addAll(model.lora().parameters());
        for (Parameter p : arena) if (p.value().rank() > 1) order.add(p.name());
        for (Parameter p : arena) if (p.value().rank() <= 1) order.add(p.name());
        Map<String, Parameter> inArena = new LinkedHashMap<>();
        for (Parameter p : arena) inArena.put(p.name(), p);
        long at = 0;
        for (String name : order) {
            long n = inArena.get(name).value().size();
            span.put(name, new long[] {at, n});
            at += n;
        }
        arenaFloats = (at + NORM_BLOCK - 1) / NORM_BLOCK * NORM_BLOCK;
        long baseFloats = 0;
        for (Parameter p : frozen) baseFloats += p.value().size();
        if (arenaFloats > Integer.MAX_VALUE || baseFloats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("device model: " + Math.max(at, baseFloats) + " parameters do not fit one device arena (at most "
                    + Integer.MAX_VALUE + " floats)");
        }
        params = be.allocate(arenaFloats);
        grads = trainable ? be.allocate(arenaFloats) : null;
        normPartials = trainable ? be.allocate(arenaFloats / NORM_BLOCK) : null;
        be.fill(params, 0f, (int) arenaFloats);
        for (String name : order) {
            long[] sp = span.get(name);
            param.put(name, params.slice(sp[0], sp[1]));
            if (trainable) grad.put(name, grads.slice(sp[0], sp[1]));
        }
        base = frozen.isEmpty() ? null : be.allocate(baseFloats);
        long b = 0;
        for (Parameter p : frozen) {
            param.put(p.name(), base.slice(b, p.value().size()));
            b += p.value().size();
        }
        invFreq = be.upload(inverseFrequencies(c));
        writeWeights(model);
        if (trainable) zeroGrad();
    }

    /**
     * Uploads {@code model}'s weights to {@code backend} for training: every parameter trains, or
     * only the LoRA adapters when it has them (they must be enabled: the device model computes with them).
     */
    public static DeviceLlama upload(LlamaModel model, Backend backend) {
        requireEnabled(model);
        return new DeviceLlama(backend, model, true, true);
    }

    /**
     * Uploads {@code model} for inference only (a DPO reference, generation), with its adapters if it
     * has them: no gradient arena, no backward buffers, so it takes about the weights' memory plus the activations.
     */
    public static DeviceLlama uploadFrozen(LlamaModel model, Backend backend) {
        requireEnabled(model);
        return new DeviceLlama(backend, model, false, true);
    }

    /** As {@link #uploadFrozen}, without the model's LoRA adapters: the base model, e.g. the reference of a LoRA policy. */
    public static DeviceLlama uploadBase(LlamaModel model, Backend backend) {
        return new DeviceLlama(backend, model, false, false);
    }

    private static void requireEnabled(LlamaModel model) {
        if (model.lora() != null && !model.lora().enabled()) {
            throw new IllegalStateException("device model: the model's LoRA adapters are disabled; upload the base with uploadBase");
        }
    }

    /** Whether it holds gradients (uploaded with {@link #upload}) and so can train. */
    public boolean trainable() {
        return grads != null;
    }

    private void requireTrainable(String op) {
        checkOpen();
        if (grads == null) throw new IllegalStateException("device model: " + op + " needs a trainable model (upload, not uploadFrozen)");
    }

    public Backend backend() {
        return be;
    }

    public LlamaConfig config() {
        return c;
    }

    /** Names of the parameters in the arena's order: those that train (all of them when uploaded frozen). */
    public List<String> parameterNames() {
        return List.copyOf(order);
    }

    /** Writes {@code model}'s weights (same config, and the same adapters if any) over the device's. */
    public void writeWeights(LlamaModel model) {
        checkOpen();
        Map<String, Parameter> from = byName(model);
        for (Map.Entry<String, DeviceBuffer> e : param.entrySet()) {
            Parameter p = from.get(e.getKey());
            if (p == null) throw new IllegalArgumentException("device model: the model has no parameter " + e.getKey());
            Tensor t = p.value().contiguous();
            e.getValue().write(0, t.data(), t.offset(), t.size());
        }
    }

    /**
     * Copies the arena's weights (those that train: with LoRA, the adapters) into {@code model}'s
     * parameters (same config), e.g. to save a checkpoint.
     */
    public void downloadInto(LlamaModel model) {
        checkOpen();
        Map<String, Parameter> to = byName(model);
        for (String name : order) {
            Parameter p = to.get(name);
            if (p == null) throw new IllegalArgumentException("device model: the model has no parameter " + name);
            Tensor t = p.value();
            if (!t.isContiguous()) throw new IllegalArgumentException("device model: parameter " + name + " of the target model is not contiguous");
            param.get(name).read(0, t.data(), t.offset(), t.size());
        }
    }

    private static Map<String, Parameter> byName(LlamaModel model) {
        Map<String, Parameter> m = new LinkedHashMap<>(model.parameters());
        if (model.lora() != null) for (Parameter p : model.lora().parameters()) m.put(p.name(), p);
        return m;
    }

    /** One parameter's weights, read back. */
    public float[] weights(String name) {
        return buffer(param, name).read();
    }

    /** One parameter's accumulated gradient, read back. */
    public float[] gradient(String name) {
        requireTrainable("gradient");
        return buffer(grad, name).read();
    }

    private DeviceBuffer buffer(Map<String, DeviceBuffer> of, String name) {
        checkOpen();
        DeviceBuffer b = of.get(name);
        if (b == null) throw new IllegalArgumentException("device model has no parameter '" + name + "'");
        return b;
    }

    // ---- forward ----

    /**
     * Summed log-probabilities [batch] of each row's counted targets, as
     * {@link LlamaModel#sequenceLogProbs}; the activations stay on the device for {@link #backward}.
     */
    public float[] sequenceLogProbs(SequenceBatch b) {
        checkOpen();
        int rows = b.batch() * b.seq();
        if (rows == 0) throw new IllegalArgumentException("device model: empty batch");
        if (b.mask().length != rows || b.targets().length != rows) {
            throw new IllegalArgumentException("device model: batch " + b.batch() + "×" + b.seq() + " has " + b.mask().length + " mask entries and "
                    + b.targets().length + " targets");
        }
        workspace(rows, b.batch());
        float[] ids = new float[rows], targets = new float[rows], weights = new float[rows], positions = new float[rows];
        int[] pos = LlamaModel.positions(b.mask(), b.batch(), b.seq(), 0);
        for (int r = 0; r < rows; r++) {
            int id = b.ids()[r];
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("device model: token id " + id + " at " + r + " is outside the vocabulary [0, " + vocab + ")");
            int t = b.targets()[r];
            boolean counted = t != CrossEntropy.IGNORE_INDEX;
            if (counted && (t < 0 || t >= vocab)) throw new IllegalArgumentException("device model: target " + t + " at " + r + " is outside the vocabulary [0, " + vocab + ")");
            ids[r] = id;
            targets[r] = counted ? t : 0;
            weights[r] = counted ? 1f : 0f;
            positions[r] = pos[r];
        }
        ws.ids.write(0, ids, 0, rows);
        ws.mask.write(0, b.mask(), 0, rows);
        ws.targets.write(0, targets, 0, rows);
        ws.weights.write(0, weights, 0, rows);
        ws.positions.write(0, positions, 0, rows);
        pass = new Pass(b.batch(), b.seq(), rows);
        forward(pass);
        float[] out = new float[b.batch()];
        ws.sums.read(0, out, 0, b.batch());
        return out;
    }

    /**
     * SPA's decoupled noise detection on the device: after this model (the policy) and
     * {@code reference} (same backend and vocabulary) have both run {@link #sequenceLogProbs} on the
     * same batch, the summed log-probs [batch] of each row's targets under the extrapolated logits
     * {@code (1 + λ)·logits − λ·reference logits}. The reference's logits are overwritten; this
     * model's activations are untouched, so its backward still follows.
     */
    public float[] extrapolatedLogProbs(DeviceLlama reference, double lambda) {
        checkOpen();
        reference.checkOpen();
        Pass p = pass;
        if (p == null || !p.equals(reference.pass)) {
            throw new IllegalStateException("extrapolated log-probs: the policy and the reference must both have just scored the same batch");
        }
        if (reference.be != be || reference.vocab != vocab) {
            throw new IllegalArgumentException("extrapolated log-probs: the reference must be on the same backend with the same vocabulary");
        }
        int n = p.rows * vocab;
        DeviceBuffer g = reference.ws.logits;
        float keep = (float) (1 + lambda);
        be.scale(g, (float) (-lambda / keep), g, n); // g = ((-λ/(1+λ))·ref + policy)·(1+λ)
        be.add(g, ws.logits, g, n);
        be.scale(g, keep, g, n);
        reference.pass = null; // its logits are gone
        be.logSoftmaxGather(g, ws.targets, ws.weights, reference.ws.lseRows, reference.ws.picked, p.rows, vocab);
        be.rowSums(reference.ws.picked, reference.ws.sums, p.batch, p.seq);
        float[] out = new float[p.batch];
        reference.ws.sums.read(0, out, 0, p.batch);
        return out;
    }

    private void forward(Pass p) {
        int rows = p.rows;
        be.embedding(param.get("model.embed_tokens.weight"), ws.ids, ws.h[0], rows, vocab, hidden);
        for (int l = 0; l < layers; l++) {
            String pre = "model.layers." + l + ".";
            Layer s = ws.layer[l];
            DeviceBuffer h = ws.h[l];
            attentionInputs(h, pre, s, rows);
            be.attention(shape(p, l), s.q, s.k, s.v, ws.mask, s.attn, s.lse);
            afterAttention(h, pre, s, ws.h[l + 1], rows);
        }
        be.rmsNormRows(ws.h[layers], param.get("model.norm.weight"), ws.xf, rows, hidden, eps);
        be.gemm(false, true, rows, vocab, hidden, 1f, ws.xf, 0, hidden, param.get(lmHead), 0, hidden, 0f, ws.logits, 0, vocab);
        be.logSoftmaxGather(ws.logits, ws.targets, ws.weights, ws.lseRows, ws.picked, rows, vocab);
        be.rowSums(ws.picked, ws.sums, p.batch, p.seq);
    }

    // ---- decoding ----

    /** A KV cache on this model's device for {@code batch} rows of up to {@code capacity} positions. */
    public DeviceKvCache newCache(int batch, int capacity) {
        checkOpen();
        return new DeviceKvCache(be, layers, batch, capacity, kw);
    }

    /**
     * Decoding forward without gradients, as the CPU model's: ids [batch, seq] are written at cache
     * positions [start, start + seq), with positions {@code pos} (one per id) and the key mask
     * [batch, start + seq]; attention reads each row's whole prefix from the cache. Returns the
     * logits [batch, vocab] of each row's last position: all that comes back to the host.
     */
    public float[] decode(int[] ids, int batch, int seq, int[] pos, float[] keyMask, DeviceKvCache cache, int start) {
        checkOpen();
        int rows = batch * seq, kLen = start + seq;
        if (batch != cache.batch) throw new IllegalArgumentException("decode: batch " + batch + " but the cache holds " + cache.batch + " rows");
        if (kLen > cache.capacity) throw new IllegalArgumentException("decode: positions up to " + kLen + " exceed the cache's capacity " + cache.capacity);
        if (ids.length != rows || pos.length != rows || keyMask.length != batch * kLen) {
            throw new IllegalArgumentException("decode: " + ids.length + " ids, " + pos.length + " positions and " + keyMask.length + " mask entries for batch "
                    + batch + ", " + seq + " new and " + kLen + " visible positions");
        }
        workspace(rows, batch);
        pass = null; // the activations are overwritten: no backward through them
        float[] idf = new float[rows], posf = new float[rows];
        for (int r = 0; r < rows; r++) {
            if (ids[r] < 0 || ids[r] >= vocab) throw new IllegalArgumentException("decode: token id " + ids[r] + " is outside the vocabulary [0, " + vocab + ")");
            idf[r] = ids[r];
            posf[r] = pos[r];
        }
        ws.ids.write(0, idf, 0, rows);
        ws.positions.write(0, posf, 0, rows);
        cache.mask.write(0, keyMask, 0, keyMask.length);
        be.embedding(param.get("model.embed_tokens.weight"), ws.ids, ws.h[0], rows, vocab, hidden);
        DeviceBuffer h = ws.h[0], next = ws.h[1];
        for (int l = 0; l < layers; l++) {
            String pre = "model.layers." + l + ".";
            Layer s = ws.layer[0]; // nothing is kept for a backward: one layer's buffers serve all
            attentionInputs(h, pre, s, rows);
            // row b's new keys and values go to its cache row from position start on
            long newRow = (long) seq * kw, cacheRow = (long) cache.capacity * kw;
            be.copyRows(s.k, 0, newRow, cache.keys[l], (long) start * kw, cacheRow, batch, seq * kw);
            be.copyRows(s.v, 0, newRow, cache.values[l], (long) start * kw, cacheRow, batch, seq * kw);
            Integer w = c.slidingWindowOf(l);
            AttentionShape shape = new AttentionShape(batch, seq, kLen, c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim())
                    .withKeyCapacity(cache.capacity).withWindow(w == null ? 0 : w);
            be.attention(shape, s.q, cache.keys[l], cache.values[l], cache.mask, s.attn, s.lse);
            afterAttention(h, pre, s, next, rows);
            DeviceBuffer t = h;
            h = next;
            next = t;
        }
        be.copyRows(h, (long) (seq - 1) * hidden, (long) seq * hidden, ws.dxf, 0, hidden, batch, hidden); // each row's last position
        be.rmsNormRows(ws.dxf, param.get("model.norm.weight"), ws.xf, batch, hidden, eps);
        be.gemm(false, true, batch, vocab, hidden, 1f, ws.xf, 0, hidden, param.get(lmHead), 0, hidden, 0f, ws.logits, 0, vocab);
        float[] logits = new float[batch * vocab];
        ws.logits.read(0, logits, 0, logits.length);
        return logits;
    }

    /** Makes the workspace hold batches of {@code rows} tokens in {@code batch} sequences, growing it (and dropping saved activations) when needed. */
    private void workspace(int rows, int batch) {
        if (ws != null && ws.rows >= rows && ws.batch >= batch) return;
        int r = Math.max(rows, ws == null ? 0 : ws.rows), b = Math.max(batch, ws == null ? 0 : ws.batch);
        if (ws != null) ws.close();
        pass = null;
        ws = new Workspace(r, b);
    }

    private AttentionShape shape(Pass p, int layer) {
        Integer w = c.slidingWindowOf(layer);
        return new AttentionShape(p.batch, p.seq, p.seq, c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim()).withWindow(w == null ? 0 : w);
    }

    // ---- backward ----

    /**
     * Adds to the gradients the backward of the last {@link #sequenceLogProbs} from
     * {@code dLogProbs[b]} = d loss / d (row b's summed log-prob). Gradients accumulate until {@link #zeroGrad}.
     */
    public void backward(float[] dLogProbs) {
        requireTrainable("backward");
        Pass p = pass;
        if (p == null) throw new IllegalStateException("device model: backward needs a forward (sequenceLogProbs) first");
        if (dLogProbs.length != p.batch) throw new IllegalArgumentException("device model: " + dLogProbs.length + " gradients for a batch of " + p.batch);
        pass = null; // the saved activations serve one backward
        int rows = p.rows;
        ws.dPicked.write(0, dLogProbs, 0, p.batch);
        // the logits' gradient replaces the logits (needed by nothing after this): one rows×vocab buffer, not two
        DeviceBuffer dlogits = ws.logits;
        be.logSoftmaxGatherBackwardInPlace(dlogits, ws.targets, ws.weights, ws.lseRows, ws.dPicked, p.seq, rows, vocab);
        // logits = xf · lm_headᵀ
        be.gemm(false, false, rows, hidden, vocab, 1f, dlogits, 0, vocab, param.get(lmHead), 0, hidden, 0f, ws.dxf, 0, hidden);
        if (grad.containsKey(lmHead)) be.gemm(true, false, vocab, hidden, rows, 1f, dlogits, 0, vocab, ws.xf, 0, hidden, 1f, grad.get(lmHead), 0, hidden);
        DeviceBuffer dh = ws.dh, dx = ws.dx, tmp = ws.tmp;
        be.rmsNormRowsBackward(ws.h[layers], param.get("model.norm.weight"), ws.dxf, dh, normGrad("model.norm.weight"), rows, hidden, eps);
        for (int l = layers - 1; l >= 0; l--) {
            String pre = "model.layers." + l + ".";
            Layer s = ws.layer[l];
            // MLP: out = hMid + down(swiglu(gate(x2), up(x2)))
            projectBackward(dh, s.act, pre + "mlp.down_proj", ws.dact, 0f, rows, inter, hidden);
            be.fill(ws.dgate, 0f, rows * inter);
            be.fill(ws.dup, 0f, rows * inter);
            be.swigluBackward(s.gate, s.up, ws.dact, ws.dgate, ws.dup, rows * inter);
            projectBackward(ws.dgate, s.x2, pre + "mlp.gate_proj", dx, 0f, rows, hidden, inter);
            projectBackward(ws.dup, s.x2, pre + "mlp.up_proj", dx, 1f, rows, hidden, inter);
            be.rmsNormRowsBackward(s.hMid, param.get(pre + "post_attention_layernorm.weight"), dx, tmp,
                    normGrad(pre + "post_attention_layernorm.weight"), rows, hidden, eps);
            be.add(dh, tmp, dh, rows * hidden);
            // attention: hMid = h + o(attention(rope(q(x1)), rope(k(x1)), v(x1)))
            projectBackward(dh, s.attn, pre + "self_attn.o_proj", ws.dattn, 0f, rows, qw, hidden);
            be.fill(ws.dq, 0f, rows * qw);
            be.fill(ws.dk, 0f, rows * kw);
            be.fill(ws.dv, 0f, rows * kw);
            be.attentionBackward(shape(p, l), s.q, s.k, s.v, ws.mask, s.attn, s.lse, ws.dattn, ws.dq, ws.dk, ws.dv);
            be.fill(ws.dqPre, 0f, rows * qw);
            be.fill(ws.dkPre, 0f, rows * kw);
            be.ropeBackward(ws.dq, ws.dqPre, ws.positions, invFreq, rows, c.numAttentionHeads(), c.headDim());
            be.ropeBackward(ws.dk, ws.dkPre, ws.positions, invFreq, rows, c.numKeyValueHeads(), c.headDim());
            projectBackward(ws.dqPre, s.x1, pre + "self_attn.q_proj", dx, 0f, rows, hidden, qw);
            projectBackward(ws.dkPre, s.x1, pre + "self_attn.k_proj", dx, 1f, rows, hidden, kw);
            projectBackward(ws.dv, s.x1, pre + "self_attn.v_proj", dx, 1f, rows, hidden, kw);
            be.rmsNormRowsBackward(ws.h[l], param.get(pre + "input_layernorm.weight"), dx, tmp, normGrad(pre + "input_layernorm.weight"),
                    rows, hidden, eps);
            be.add(dh, tmp, dh, rows * hidden);
        }
        if (grad.containsKey("model.embed_tokens.weight")) be.embeddingBackward(dh, ws.ids, grad.get("model.embed_tokens.weight"), rows, vocab, hidden);
    }

    /** A norm weight's gradient, or a scratch buffer that takes the kernel's sum when the weight is frozen (LoRA). */
    private DeviceBuffer normGrad(String name) {
        DeviceBuffer g = grad.get(name);
        return g != null ? g : ws.frozenNormGrad;
    }

    /** The rest of a layer from its attention output s.attn: hMid = h + o(attn), out = hMid + down(swiglu(gate(x2), up(x2))), x2 = RMSNorm(hMid). */
    private void afterAttention(DeviceBuffer h, String pre, Layer s, DeviceBuffer out, int rows) {
        project(s.attn, pre + "self_attn.o_proj", s.hMid, rows, qw, hidden);
        be.add(h, s.hMid, s.hMid, rows * hidden);
        be.rmsNormRows(s.hMid, param.get(pre + "post_attention_layernorm.weight"), s.x2, rows, hidden, eps);
        project(s.x2, pre + "mlp.gate_proj", s.gate, rows, hidden, inter);
        project(s.x2, pre + "mlp.up_proj", s.up, rows, hidden, inter);
        be.swiglu(s.gate, s.up, s.act, rows * inter);
        project(s.act, pre + "mlp.down_proj", out, rows, inter, hidden);
        be.add(s.hMid, out, out, rows * hidden);
    }

    /** The attention block's inputs for one layer: x1 = RMSNorm(h), then q, k and v projected from it, q and k rotated. */
    private void attentionInputs(DeviceBuffer h, String pre, Layer s, int rows) {
        be.rmsNormRows(h, param.get(pre + "input_layernorm.weight"), s.x1, rows, hidden, eps);
        project(s.x1, pre + "self_attn.q_proj", s.q, rows, hidden, qw);
        project(s.x1, pre + "self_attn.k_proj", s.k, rows, hidden, kw);
        project(s.x1, pre + "self_attn.v_proj", s.v, rows, hidden, kw);
        be.rope(s.q, s.q, ws.positions, invFreq, rows, c.numAttentionHeads(), c.headDim());
        be.rope(s.k, s.k, ws.positions, invFreq, rows, c.numKeyValueHeads(), c.headDim());
    }

    /**
     * y = x · Wᵀ (+ b) with W [out, in] as HF stores it; a bias is added as ones[rows, 1] · b[1, out].
     * With a LoRA adapter, y += down · Bᵀ where down = s · x · Aᵀ [rows, r] is kept for the backward.
     */
    private void project(DeviceBuffer x, String module, DeviceBuffer y, int rows, int in, int out) {
        be.gemm(false, true, rows, out, in, 1f, x, 0, in, param.get(module + ".weight"), 0, in, 0f, y, 0, out);
        DeviceBuffer bias = param.get(module + ".bias");
        if (bias != null) be.gemm(false, false, rows, out, 1, 1f, ws.ones, 0, 1, bias, 0, out, 1f, y, 0, out);
        DeviceBuffer a = param.get(module + LORA_A);
        if (a != null) {
            DeviceBuffer down = ws.loraDown.get(module);
            be.gemm(false, true, rows, loraRank, in, loraScaling, x, 0, in, a, 0, in, 0f, down, 0, loraRank);
            be.gemm(false, true, rows, out, loraRank, 1f, down, 0, loraRank, param.get(module + LORA_B), 0, loraRank, 1f, y, 0, out);
        }
    }

    /**
     * dx = beta·dx + dy · W, and the gradients of what trains: dW += dyᵀ · x, db += onesᵀ · dy; with an
     * adapter dB += dyᵀ · down, then with d = s · dy · B: dA += dᵀ · x and dx += d · A.
     */
    private void projectBackward(DeviceBuffer dy, DeviceBuffer x, String module, DeviceBuffer dx, float beta, int rows, int in, int out) {
        be.gemm(false, false, rows, in, out, 1f, dy, 0, out, param.get(module + ".weight"), 0, in, beta, dx, 0, in);
        DeviceBuffer dw = grad.get(module + ".weight");
        if (dw != null) be.gemm(true, false, out, in, rows, 1f, dy, 0, out, x, 0, in, 1f, dw, 0, in);
        DeviceBuffer db = grad.get(module + ".bias");
        if (db != null) be.gemm(true, false, 1, out, rows, 1f, ws.ones, 0, 1, dy, 0, out, 1f, db, 0, out);
        DeviceBuffer a = param.get(module + LORA_A);
        if (a != null) {
            int r = loraRank;
            be.gemm(true, false, out, r, rows, 1f, dy, 0, out, ws.loraDown.get(module), 0, r, 1f, grad.get(module + LORA_B), 0, r);
            be.gemm(false, false, rows, r, out, loraScaling, dy, 0, out, param.get(module + LORA_B), 0, r, 0f, ws.dLoraDown, 0, r);
            be.gemm(true, false, r, in, rows, 1f, ws.dLoraDown, 0, r, x, 0, in, 1f, grad.get(module + LORA_A), 0, in);
            be.gemm(false, false, rows, in, r, 1f, ws.dLoraDown, 0, r, a, 0, in, 1f, dx, 0, in);
        }
    }

    // ---- optimisation ----

    /** Sets every gradient to zero. */
    public void zeroGrad() {
        requireTrainable("zeroGrad");
        be.fill(grads, 0f, (int) arenaFloats);
    }

    /** Multiplies every gradient by {@code factor} (averaging accumulated micro-batches, clipping). */
    public void scaleGradients(float factor) {
        requireTrainable("scaleGradients");
        be.scale(grads, factor, grads, (int) arenaFloats);
    }

    /** The global L2 norm of the gradients, as {@link dev.selfee.engine.optim.GradNorm#total}: block sums on the device, added in double. */
    public double gradientNorm() {
        requireTrainable("gradientNorm");
        int blocks = (int) (arenaFloats / NORM_BLOCK);
        be.rowSumsOfSquares(grads, normPartials, blocks, NORM_BLOCK);
        double sum = 0;
        for (float s : normPartials.read()) sum += s;
        return Math.sqrt(sum);
    }

    /**
     * One AdamW step on every parameter (as {@link dev.selfee.engine.optim.AdamW}): weight decay
     * {@code weightDecay} except for the parameters {@code exempt} names; {@code step} counts from 1.
     * One launch per run of parameters sharing a decay (two with HF's rule of exempting norms and biases).
     */
    public void adamw(double lr, double beta1, double beta2, double epsilon, double weightDecay, Predicate<String> exempt, long step) {
        requireTrainable("adamw");
        allocateMoments();
        int i = 0;
        while (i < order.size()) {
            boolean free = exempt.test(order.get(i));
            long start = span.get(order.get(i))[0], end = start;
            while (i < order.size() && exempt.test(order.get(i)) == free) {
                long[] s = span.get(order.get(i));
                end = s[0] + s[1];
                i++;
            }
            int n = (int) (end - start);
            be.adamw(params.slice(start, n), grads.slice(start, n), m.slice(start, n), v.slice(start, n), n,
                    (float) lr, (float) beta1, (float) beta2, (float) epsilon, free ? 0f : (float) weightDecay, step);
        }
    }

    private void allocateMoments() {
        if (m != null) return;
        m = be.allocate(arenaFloats);
        v = be.allocate(arenaFloats);
        be.fill(m, 0f, (int) arenaFloats);
        be.fill(v, 0f, (int) arenaFloats);
    }

    /** One parameter's AdamW moments read back, {first, second} (zeros before the first step): for checkpoints. */
    public float[][] adamMoments(String name) {
        requireTrainable("adamMoments");
        long[] s = span(name);
        allocateMoments();
        return new float[][] {m.slice(s[0], s[1]).read(), v.slice(s[0], s[1]).read()};
    }

    /** Writes one parameter's AdamW moments (restoring a checkpoint). */
    public void setAdamMoments(String name, float[] first, float[] second) {
        requireTrainable("setAdamMoments");
        long[] s = span(name);
        if (first.length != s[1] || second.length != s[1]) {
            throw new IllegalArgumentException("device model: parameter " + name + " has " + s[1] + " values but its moments " + first.length + " and " + second.length);
        }
        allocateMoments();
        m.write(s[0], first, 0, first.length);
        v.write(s[0], second, 0, second.length);
    }

    private long[] span(String name) {
        checkOpen();
        long[] s = span.get(name);
        if (s == null) throw new IllegalArgumentException("device model has no parameter '" + name + "'");
        return s;
    }

    /** Waits for the device's queued work (for timing). */
    public void synchronize() {
        be.synchronize();
    }

    /** Frees the device memory. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (DeviceBuffer b : new DeviceBuffer[] {params, grads, base, m, v, invFreq, normPartials}) if (b != null) b.close();
        if (ws != null) ws.close();
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("device model is closed");
    }

    /** RoPE inverse frequencies with Llama 3 scaling applied, as the CPU model computes them. */
    static float[] inverseFrequencies(LlamaConfig c) {
        float[] f = Rope.inverseFrequencies(c.headDim(), c.ropeTheta());
        RopeScaling s = c.ropeScaling();
        if (s != null) for (int i = 0; i < f.length; i++) f[i] = (float) s.scale(f[i]);
        return f;
    }

    /** The shape of the batch the saved activations belong to. */
    private record Pass(int batch, int seq, int rows) {}

    /** Per layer: what the backward needs from the forward. */
    private record Layer(DeviceBuffer x1, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer attn, DeviceBuffer lse,
                         DeviceBuffer hMid, DeviceBuffer x2, DeviceBuffer gate, DeviceBuffer up, DeviceBuffer act) {}

    /** Activation and gradient buffers for batches of up to {@code rows} tokens and {@code batch} sequences. */
    private final class Workspace implements AutoCloseable {
        final int rows, batch;
        final List<DeviceBuffer> owned = new ArrayList<>();
        final DeviceBuffer ids, mask, targets, weights, positions, ones;
        final DeviceBuffer[] h;
        final Layer[] layer;
        final DeviceBuffer xf, logits, lseRows, picked, sums, dPicked, dxf, dh, dx, tmp;
        final DeviceBuffer dact, dgate, dup, dattn, dq, dk, dv, dqPre, dkPre;
        /** LoRA: each adapted module's s·x·Aᵀ [rows, r], its gradient (one buffer for all), and where frozen norm weights' gradients go. */
        final Map<String, DeviceBuffer> loraDown = new LinkedHashMap<>();
        final DeviceBuffer dLoraDown, frozenNormGrad;

        Workspace(int rows, int batch) {
            this.rows = rows;
            this.batch = batch;
            long r = rows;
            ids = alloc(r);
            mask = alloc(r);
            targets = alloc(r);
            weights = alloc(r);
            positions = alloc(r);
            ones = alloc(r);
            be.fill(ones, 1f, rows);
            h = new DeviceBuffer[layers + 1];
            for (int i = 0; i <= layers; i++) h[i] = alloc(r * hidden);
            layer = new Layer[layers];
            for (int l = 0; l < layers; l++) {
                layer[l] = new Layer(alloc(r * hidden), alloc(r * qw), alloc(r * kw), alloc(r * kw), alloc(r * qw),
                        alloc(r * c.numAttentionHeads()), alloc(r * hidden), alloc(r * hidden), alloc(r * inter), alloc(r * inter), alloc(r * inter));
            }
            xf = alloc(r * hidden);
            logits = alloc(r * vocab);
            lseRows = alloc(r);
            picked = alloc(r);
            sums = alloc(batch);
            dxf = alloc(r * hidden); // also the decoder's gather of last positions
            boolean train = trainable();
            dPicked = train ? alloc(batch) : null;
            dh = train ? alloc(r * hidden) : null;
            dx = train ? alloc(r * hidden) : null;
            tmp = train ? alloc(r * hidden) : null;
            dact = train ? alloc(r * inter) : null;
            dgate = train ? alloc(r * inter) : null;
            dup = train ? alloc(r * inter) : null;
            dattn = train ? alloc(r * qw) : null;
            dq = train ? alloc(r * qw) : null;
            dk = train ? alloc(r * kw) : null;
            dv = train ? alloc(r * kw) : null;
            dqPre = train ? alloc(r * qw) : null;
            dkPre = train ? alloc(r * kw) : null;
            for (String name : param.keySet()) {
                if (name.endsWith(LORA_A)) loraDown.put(name.substring(0, name.length() - LORA_A.length()), alloc(r * loraRank));
            }
            dLoraDown = train && loraRank > 0 ? alloc(r * loraRank) : null;
            frozenNormGrad = train && base != null ? alloc(hidden) : null;
        }

        private DeviceBuffer alloc(long floats) {
            DeviceBuffer b = be.allocate(floats);
            owned.add(b);
            return b;
        }

        @Override
        public void close() {
            owned.forEach(DeviceBuffer::close);
        }
    }
}
