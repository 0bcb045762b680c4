package dev.selfee.engine.model;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.autograd.Recompute;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.io.Architecture;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.io.RopeScaling;
import dev.selfee.engine.ops.Arithmetic;
import dev.selfee.engine.ops.Attention;
import dev.selfee.engine.ops.Embedding;
import dev.selfee.engine.ops.Linear;
import dev.selfee.engine.ops.LoraLinear;
import dev.selfee.engine.ops.LmHeadLogProbs;
import dev.selfee.engine.ops.RmsNorm;
import dev.selfee.engine.ops.Rope;
import dev.selfee.engine.ops.Rows;
import dev.selfee.engine.ops.SwiGlu;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A decoder-only Llama-family language model (Llama 2/3, Mistral, Qwen2/2.5) driven by its HF
 * config: RMSNorm, rotary attention with grouped KV heads (optional q/k/v bias, sliding window,
 * Llama 3 frequency scaling), SwiGLU MLP, optionally tied embeddings. Parameters are fp32 and
 * named exactly as transformers names them, so checkpoints map one to one.
 *
 * <p>Batches are [batch, seq] token ids with an attention mask (1 token, 0 padding, left or
 * right). Positions count only real tokens (transformers' {@code cumsum(mask) - 1}), so a
 * padded row computes what the same row computes unpadded.
 */
public final class LlamaModel {
    private final LlamaConfig config;
    private final Map<String, Parameter> parameters;
    private final Rope rope;
    private boolean gradientCheckpointing;
    private LoraAdapters lora; // null: no adapters attached

    LlamaModel(LlamaConfig config, Map<String, Parameter> parameters) {
        this.config = config;
        this.parameters = Collections.unmodifiableMap(parameters);
        this.rope = new Rope(inverseFrequencies(config));
    }

    /** A model with zero-filled parameters of the config's shapes (to be loaded into). */
    static LlamaModel allocate(LlamaConfig config) {
        Map<String, Parameter> p = new LinkedHashMap<>();
        expectedShapes(config).forEach((name, shape) -> p.put(name, new Parameter(name, Tensor.zeros(shape))));
        return new LlamaModel(config, p);
    }

    /**
     * A randomly initialised model, as transformers initialises one: every weight matrix and the
     * embeddings ~ N(0, initializerRange), biases 0, norm weights 1. Deterministic in {@code seed}.
     */
    public static LlamaModel random(LlamaConfig config, long seed, double initializerRange) {
        LlamaModel m = allocate(config);
        int i = 0;
        for (Parameter p : m.parameters.values()) {
            float[] d = p.value().data();
            String name = p.name();
            if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(d, 1f);
            } else if (!name.endsWith(".bias")) {
                SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
                for (int j = 0; j < d.length; j++) d[j] = (float) (r.nextGaussian() * initializerRange);
            }
            i++;
        }
        return m;
    }

    public static LlamaModel random(LlamaConfig config, long seed) {
        return random(config, seed, 0.02);
    }

    /** Every parameter the config implies, in transformers' order, with its shape. */
    public static Map<String, int[]> expectedShapes(LlamaConfig c) {
        Map<String, int[]> s = new LinkedHashMap<>();
        int h = c.hiddenSize(), q = c.numAttentionHeads() * c.headDim(), kv = c.numKeyValueHeads() * c.headDim(), f = c.intermediateSize();
        s.put("model.embed_tokens.weight", new int[] {c.vocabSize(), h});
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String pre = "model.layers." + l + ".";
            s.put(pre + "input_layernorm.weight", new int[] {h});
            s.put(pre + "self_attn.q_proj.weight", new int[] {q, h});
            s.put(pre + "self_attn.k_proj.weight", new int[] {kv, h});
            s.put(pre + "self_attn.v_proj.weight", new int[] {kv, h});
            if (c.attentionBias()) {
                s.put(pre + "self_attn.q_proj.bias", new int[] {q});
                s.put(pre + "self_attn.k_proj.bias", new int[] {kv});
                s.put(pre + "self_attn.v_proj.bias", new int[] {kv});
            }
            s.put(pre + "self_attn.o_proj.weight", new int[] {h, q});
            if (outputBias(c)) s.put(pre + "self_attn.o_proj.bias", new int[] {h});
            s.put(pre + "post_attention_layernorm.weight", new int[] {h});
            s.put(pre + "mlp.gate_proj.weight", new int[] {f, h});
            s.put(pre + "mlp.up_proj.weight", new int[] {f, h});
            s.put(pre + "mlp.down_proj.weight", new int[] {h, f});
            if (c.mlpBias()) {
                s.put(pre + "mlp.gate_proj.bias", new int[] {f});
                s.put(pre + "mlp.up_proj.bias", new int[] {f});
                s.put(pre + "mlp.down_proj.bias", new int[] {h});
            }
        }
        s.put("model.norm.weight", new int[] {h});
        if (!c.tieWordEmbeddings()) s.put("lm_head.weight", new int[] {c.vocabSize(), h});
        return s;
    }

    /** Llama's o_proj carries the attention bias too; Qwen2's does not (only q, k, v). */
    private static boolean outputBias(LlamaConfig c) {
        return c.attentionBias() && c.architecture() == Architecture.LLAMA;
    }

    /** RoPE inverse frequencies, with Llama 3 scaling applied when configured (transformers' fp32 values). */
    static float[] inverseFrequencies(LlamaConfig c) {
        float[] f = Rope.inverseFrequencies(c.headDim(), c.ropeTheta());
        RopeScaling s = c.ropeScaling();
        if (s != null) for (int i = 0; i < f.length; i++) f[i] = (float) s.scale(f[i]);
        return f;
    }

    /** These parameters (shared, not copied) under another config implying the same shapes, e.g. another stored dtype. */
    public LlamaModel withConfig(LlamaConfig other) {
        Map<String, int[]> mine = expectedShapes(config), theirs = expectedShapes(other);
        boolean same = mine.keySet().equals(theirs.keySet());
        for (String k : mine.keySet()) same &= theirs.containsKey(k) && java.util.Arrays.equals(mine.get(k), theirs.get(k));
        if (!same) throw new IllegalArgumentException("withConfig: the new config implies other parameters or shapes");
        LlamaModel m = new LlamaModel(other, new LinkedHashMap<>(parameters)).gradientCheckpointing(gradientCheckpointing);
        m.lora = lora;
        return m;
    }

    public LlamaConfig config() {
        return config;
    }

    /** The parameters by HF name, in transformers' order (tied models have no lm_head.weight). */
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    public Parameter parameter(String name) {
        Parameter p = parameters.get(name);
        if (p == null) throw new IllegalArgumentException("model has no parameter '" + name + "'");
        return p;
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters.values()) n += p.value().size();
        return n;
    }

    /** The LM head weight [vocab, hidden]: lm_head.weight, or the embeddings when tied. */
    public Parameter lmHead() {
        return config.tieWordEmbeddings() ? parameter("model.embed_tokens.weight") : parameter("lm_head.weight");
    }

    /** Recompute each layer in backward instead of keeping its activations (less memory, one more forward). */
    public LlamaModel gradientCheckpointing(boolean on) {
        this.gradientCheckpointing = on;
        return this;
    }

    public void zeroGrad() {
        for (Parameter p : parameters.values()) p.zeroGrad();
        if (lora != null) for (Parameter p : lora.parameters()) p.zeroGrad();
    }

    // ---- LoRA ----

    /**
     * Attaches fresh low-rank adapters ({@link LoraAdapters}) and freezes every base parameter:
     * from now on only the adapters are {@linkplain #trainableParameters trainable}, and no
     * gradient is computed or stored for the base weights.
     */
    public LoraAdapters attachLora(LoraConfig c, long seed) {
        if (lora != null) throw new IllegalStateException("the model already has LoRA adapters attached");
        lora = LoraAdapters.create(this, c, seed);
        for (Parameter p : parameters.values()) p.freeze();
        return lora;
    }

    /** Attaches the adapter saved in PEFT's format in {@code dir} (adapter_config.json, adapter_model.safetensors). */
    public LoraAdapters loadLora(java.nio.file.Path dir) {
        LoraAdapters a = attachLora(LoraAdapters.readConfig(dir), 0);
        a.loadWeights(dir);
        return a;
    }

    /** The attached adapters, or null. */
    public LoraAdapters lora() {
        return lora;
    }

    /** What an optimiser should update: the adapters when attached, else every parameter. */
    public List<Parameter> trainableParameters() {
        if (lora == null) return new ArrayList<>(parameters.values());
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : parameters.values()) if (!p.frozen()) out.add(p);
        out.addAll(lora.parameters());
        return out;
    }

    /**
     * A model without adapters whose adapted weights are W + (alpha/r)·B·A (new tensors) and whose
     * other parameters are this model's (shared): what a merged checkpoint holds. This model is unchanged.
     */
    public LlamaModel merged() {
        if (lora == null) return this;
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (Parameter p : parameters.values()) {
            Tensor w = lora.merged(p.name(), p.value());
            m.put(p.name(), w == null ? p : new Parameter(p.name(), w));
        }
        return new LlamaModel(config, m).gradientCheckpointing(gradientCheckpointing);
    }

    /** Merges the adapters into the base weights in place, detaches them and makes every parameter trainable again. */
    public void mergeLora() {
        if (lora == null) return;
        for (LoraAdapters.Adapter a : lora.adapters()) lora.addDelta(a, parameter(a.module() + ".weight").value());
        lora = null;
        for (Parameter p : parameters.values()) p.unfreeze();
    }

    /** One projection (e.g. {@code self_attn.q_proj}) of the layer with prefix {@code pre}, with its adapter when one is attached and enabled. */
    private Var project(Var x, String pre, String name) {
        Parameter w = parameter(pre + name + ".weight"), b = optional(pre + name + ".bias");
        LoraAdapters.Adapter a = lora == null || !lora.enabled() ? null : lora.adapter(pre + name);
        return a == null ? Linear.apply(x, w, b) : LoraLinear.apply(x, w, b, a.a(), a.b(), lora.config().scaling());
    }

    // ---- forward ----

    /** Positions of a batch: the number of real tokens before each one (0 for padding), as transformers' generate. */
    public static int[] positions(float[] mask, int batch, int seq, int start) {
        int[] pos = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            int seen = 0;
            for (int t = 0; t < seq; t++) {
                boolean real = mask == null || mask[b * seq + t] != 0f;
                pos[b * seq + t] = real ? start + seen : 0;
                if (real) seen++;
            }
        }
        return pos;
    }

    /** Logits [batch, seq, vocab] of ids [batch * seq] with attention mask [batch * seq] (null: all 1). */
    public Var logits(int[] ids, float[] mask, int batch, int seq) {
        return Linear.apply(hidden(ids, mask, batch, seq), lmHead());
    }

    /**
     * Summed log-probabilities [batch] of each row's counted targets ({@link SequenceBatch}),
     * fused with the LM head so the [batch, seq, vocab] logits are never held.
     */
    public Var sequenceLogProbs(SequenceBatch b) {
        Var h = hiddenForTargets(b.ids(), b.mask(), b.batch(), b.seq());
        return LmHeadLogProbs.apply(h, lmHead(), b.targets(), null);
    }

    /**
     * Mean next-token cross-entropy over the batch's counted targets (SFT's loss: completion tokens
     * only, or every token when the prompt is a single token), fused with the LM head.
     */
    public Var meanTokenLoss(SequenceBatch b) {
        int counted = 0;
        for (int t : b.targets()) if (t != dev.selfee.engine.ops.CrossEntropy.IGNORE_INDEX) counted++;
        if (counted == 0) throw new IllegalArgumentException("mean token loss: the batch has no completion tokens");
        return Arithmetic.scale(dev.selfee.engine.ops.Reduce.sum(sequenceLogProbs(b)), -1f / counted);
    }

    /** Final-norm hidden states [batch, seq, hidden]. */
    public Var hidden(int[] ids, float[] mask, int batch, int seq) {
        return hidden(ids, mask, batch, seq, false);
    }

    /**
     * As {@link #hidden}, for what reads only real positions (the log-probs of their targets):
     * padding positions (mask 0) are never computed and their rows are zero. The layers' row-wise
     * work (projections, norms, MLP) runs on the real tokens packed together, and only attention
     * sees the padded layout; a batch of uneven lengths costs its tokens, not batch × longest.
     */
    public Var hiddenForTargets(int[] ids, float[] mask, int batch, int seq) {
        return hidden(ids, mask, batch, seq, true);
    }

    private Var hidden(int[] ids, float[] mask, int batch, int seq, boolean skipPadding) {
        if (mask != null && mask.length != ids.length) {
            throw new IllegalArgumentException("attention mask has " + mask.length + " entries for " + ids.length + " ids");
        }
        Tensor keyMask = mask == null ? null : Tensor.of(mask.clone(), batch, seq);
        int[] real = skipPadding ? realPositions(mask) : null;
        Packing pack = real == null ? null : new Packing(real, batch, seq);
        int[] pos = positions(mask, batch, seq, 0);
        Var h;
        if (pack == null) {
            h = Embedding.apply(parameter("model.embed_tokens.weight"), ids, batch, seq);
        } else {
            pos = select(pos, real);
            h = Embedding.apply(parameter("model.embed_tokens.weight"), select(ids, real), 1, real.length);
        }
        int[] layerPos = pos;
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            int layer = l;
            if (gradientCheckpointing) {
                h = Recompute.apply(x -> layer(layer, x, layerPos, keyMask, null, 0, pack), h, layerParameters(l));
            } else {
                h = layer(l, h, layerPos, keyMask, null, 0, pack);
            }
        }
        h = RmsNorm.apply(h, parameter("model.norm.weight"), eps());
        return pack == null ? h : Rows.scatter(h, real, batch, seq);
    }

    /** The real positions of a batch (mask ≠ 0), or null when there is no padding to skip. */
    private static int[] realPositions(float[] mask) {
        if (mask == null) return null;
        int n = 0;
        for (float m : mask) if (m != 0f) n++;
        if (n == mask.length || n == 0) return null;
        int[] out = new int[n];
        for (int i = 0, j = 0; i < mask.length; i++) if (mask[i] != 0f) out[j++] = i;
        return out;
    }

    private static int[] select(int[] values, int[] at) {
        int[] out = new int[at.length];
        for (int i = 0; i < at.length; i++) out[i] = values[at[i]];
        return out;
    }

    /** A layer's rows are the real positions {@code rows} of a padded [batch, seq] batch, packed. */
    record Packing(int[] rows, int batch, int seq) {}

    /** The parameters of layer {@code l}. */
    List<Parameter> layerParameters(int l) {
        String pre = "model.layers." + l + ".";
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : parameters.values()) if (p.name().startsWith(pre)) out.add(p);
        if (lora != null) for (Parameter p : lora.parameters()) if (p.name().startsWith(pre)) out.add(p);
        return out;
    }

    float eps() {
        return (float) config.rmsNormEps();
    }

    /**
     * One decoder layer on h [batch, seq, hidden]. With a cache, the new keys and values go to
     * positions [start, start + seq) of it and attention reads the whole prefix (never recorded).
     */
    Var layer(int l, Var h, int[] pos, Tensor keyMask, KvCache cache, int start) {
        return layer(l, h, pos, keyMask, cache, start, null);
    }

    /** As {@link #layer(int, Var, int[], Tensor, KvCache, int)} on packed rows when {@code pack} is not null: attention runs on them put back in the padded layout. */
    private Var layer(int l, Var h, int[] pos, Tensor keyMask, KvCache cache, int start, Packing pack) {
        String pre = "model.layers." + l + ".";
        int heads = config.numAttentionHeads(), kvHeads = config.numKeyValueHeads();
        Integer w = config.slidingWindowOf(l);
        int window = w == null ? 0 : w;
        Var x = RmsNorm.apply(h, parameter(pre + "input_layernorm.weight"), eps());
        Var q = project(x, pre, "self_attn.q_proj");
        Var k = project(x, pre, "self_attn.k_proj");
        Var v = project(x, pre, "self_attn.v_proj");
        q = rope.apply(q, heads, pos);
        k = rope.apply(k, kvHeads, pos);
        Var a;
        if (cache == null && pack != null) {
            a = Rows.gather(Attention.apply(Rows.scatter(q, pack.rows(), pack.batch(), pack.seq()), Rows.scatter(k, pack.rows(), pack.batch(), pack.seq()),
                    Rows.scatter(v, pack.rows(), pack.batch(), pack.seq()), heads, kvHeads, keyMask, window), pack.rows());
        } else if (cache == null) {
            a = Attention.apply(q, k, v, heads, kvHeads, keyMask, window);
        } else {
            cache.write(l, start, k.value(), v.value());
            int length = start + h.value().dim(1);
            a = Var.constant(Attention.cached(q.value(), cache.keys(l), cache.values(l), length, heads, kvHeads, keyMask, window));
        }
        h = Arithmetic.add(h, project(a, pre, "self_attn.o_proj"));
        x = RmsNorm.apply(h, parameter(pre + "post_attention_layernorm.weight"), eps());
        Var gate = project(x, pre, "mlp.gate_proj");
        Var up = project(x, pre, "mlp.up_proj");
        return Arithmetic.add(h, project(SwiGlu.apply(gate, up), pre, "mlp.down_proj"));
    }

    private Parameter optional(String name) {
        return parameters.get(name);
    }

    /**
     * Decoding forward with a KV cache (no gradients): ids [batch, seq] written at positions
     * [start, start + seq) of the cache, keyMask [batch, start + seq], pos one per id. Returns
     * the final-norm hidden state of each row's last position, [batch, 1, hidden].
     */
    Var decode(int[] ids, int batch, int seq, int[] pos, Tensor keyMask, KvCache cache, int start) {
        Var h = Embedding.apply(parameter("model.embed_tokens.weight"), ids, batch, seq);
        for (int l = 0; l < config.numHiddenLayers(); l++) h = layer(l, h, pos, keyMask, cache, start);
        Var last = seq == 1 ? h : Var.constant(h.value().slice(1, seq - 1, seq).contiguous());
        return RmsNorm.apply(last, parameter("model.norm.weight"), eps());
    }
}
