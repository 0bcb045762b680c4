package dev.selfee.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.io.CheckpointException;
import dev.selfee.engine.io.SafetensorsFile;
import dev.selfee.engine.io.SafetensorsWriter;
import dev.selfee.engine.kernel.Gemm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The low-rank adapters attached to a {@link LlamaModel} ({@link LlamaModel#attachLora}): one pair
 * (A [r, in], B [out, r]) per targeted projection of every layer. A starts as PEFT starts it,
 * kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in), and B as zeros, so a freshly attached model
 * computes exactly what the base model computes. Adapters can be {@linkplain #disable disabled}
 * for a scope (the base model, e.g. DPO's reference, without a second copy), merged into the base
 * weights (W + (alpha/r)·B·A), and saved and loaded in PEFT's format.
 */
public final class LoraAdapters {
    /** PEFT's file names. */
    public static final String CONFIG_FILE = "adapter_config.json", WEIGHTS_FILE = "adapter_model.safetensors";
    /** The prefix PEFT's {@code PeftModelForCausalLM} puts before a transformers parameter name. */
    static final String PEFT_PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The adapter of one projection, e.g. module {@code model.layers.0.self_attn.q_proj}. */
    public record Adapter(String module, Parameter a, Parameter b) {}

    private final LoraConfig config;
    private final Map<String, Adapter> byModule;
    private int disabledDepth;

    private LoraAdapters(LoraConfig config, Map<String, Adapter> byModule) {
        this.config = config;
        this.byModule = byModule;
    }

    /** Fresh adapters for every targeted projection of {@code model}; deterministic in {@code seed}. */
    static LoraAdapters create(LlamaModel model, LoraConfig config, long seed) {
        Map<String, Adapter> m = new LinkedHashMap<>();
        int r = config.rank(), i = 0;
        for (int l = 0; l < model.config().numHiddenLayers(); l++) {
            for (String proj : LoraConfig.ALL_LINEAR) {
                if (!config.targetModules().contains(proj)) continue;
                String module = "model.layers." + l + "." + LoraConfig.block(proj) + "." + proj;
                int[] ws = model.parameter(module + ".weight").shape();
                int out = ws[0], in = ws[1];
                Tensor a = Tensor.zeros(r, in);
                float bound = (float) (1 / Math.sqrt(in));
                SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + i++);
                for (int j = 0; j < a.size(); j++) a.data()[j] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
                m.put(module, new Adapter(module, new Parameter(module + ".lora_A.weight", a), new Parameter(module + ".lora_B.weight", Tensor.zeros(out, r))));
            }
        }
        return new LoraAdapters(config, m);
    }

    public LoraConfig config() {
        return config;
    }

    /** The adapter of a module such as {@code model.layers.0.self_attn.q_proj}, or null when it has none. */
    public Adapter adapter(String module) {
        return byModule.get(module);
    }

    public List<Adapter> adapters() {
        return List.copyOf(byModule.values());
    }

    /** A and B of every adapter, layer by layer: what a LoRA trainer optimises. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Adapter a : byModule.values()) {
            out.add(a.a());
            out.add(a.b());
        }
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.value().size();
        return n;
    }

    /** False inside a {@link #disable} scope. */
    public boolean enabled() {
        return disabledDepth == 0;
    }

    /** A scope that undoes something when closed; {@link #NONE} does nothing. */
    public interface Scope extends AutoCloseable {
        Scope NONE = () -> {};

        @Override
        void close();
    }

    /** A scope in which the model computes as its base model (PEFT's {@code disable_adapter()}); closing re-enables the adapters. */
    public Scope disable() {
        disabledDepth++;
        boolean[] closed = {false};
        return () -> {
            if (closed[0]) return;
            closed[0] = true;
            disabledDepth--;
        };
    }

    /** W + (alpha/r)·B·A for the adapted weight {@code name} (a new tensor), or null when {@code name} has no adapter. */
    Tensor merged(String name, Tensor weight) {
        if (!name.endsWith(".weight")) return null;
        Adapter ad = byModule.get(name.substring(0, name.length() - ".weight".length()));
        if (ad == null) return null;
        Tensor w = weight.copy();
        addDelta(ad, w);
        return w;
    }

    /** W += (alpha/r)·B·A, in place, into a contiguous [out, in] weight. */
    void addDelta(Adapter ad, Tensor w) {
        int out = w.dim(0), in = w.dim(1), r = config.rank();
        Tensor a = ad.a().value(), b = ad.b().value();
        Gemm.gemm(false, false, out, in, r, config.scaling(), b.data(), b.offset(), r, a.data(), a.offset(), in, 1f, w.data(), w.offset(), in);
    }

    // ---- PEFT's format ----

    /** Writes adapter_config.json and adapter_model.safetensors (fp32) into {@code dir}, as PEFT's {@code save_pretrained}. */
    public void save(Path dir, String baseModel) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : parameters()) tensors.put(PEFT_PREFIX + p.name(), p.value());
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, DType.F32);
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA").put("task_type", "CAUSAL_LM").put("base_model_name_or_path", baseModel);
        c.put("r", config.rank()).put("lora_alpha", config.alpha()).put("lora_dropout", 0.0);
        config.targetModules().forEach(c.putArray("target_modules")::add);
        c.put("bias", "none").put("fan_in_fan_out", false).put("inference_mode", true).put("init_lora_weights", true);
        c.put("use_rslora", false).put("use_dora", false).putNull("modules_to_save").putNull("layers_to_transform");
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), JSON.writeValueAsString(c));
    }

    /** The LoRA settings in a PEFT adapter directory; features the engine does not implement are refused by name. */
    public static LoraConfig readConfig(Path dir) {
        Path f = dir.resolve(CONFIG_FILE);
        JsonNode c;
        try {
            c = JSON.readTree(Files.readString(f));
        } catch (IOException e) {
            throw new CheckpointException(f, "cannot read the adapter config: " + e.getMessage(), e);
        }
        if (!"LORA".equals(c.path("peft_type").asText("LORA"))) throw new CheckpointException(f, "peft_type is " + c.path("peft_type") + ", not LORA");
        for (String off : List.of("use_rslora", "use_dora", "fan_in_fan_out", "lora_bias", "use_qalora")) {
            if (c.path(off).asBoolean(false)) throw new CheckpointException(f, off + " is true; only plain LoRA is supported");
        }
        if (!c.path("bias").asText("none").equals("none")) throw new CheckpointException(f, "bias is " + c.path("bias") + "; only \"none\" is supported");
        for (String empty : List.of("layers_to_transform", "modules_to_save", "rank_pattern", "alpha_pattern")) {
            JsonNode v = c.path(empty);
            if (!v.isMissingNode() && !v.isNull() && !v.isEmpty()) throw new CheckpointException(f, empty + " is set; it is not supported");
        }
        if (!c.path("r").canConvertToInt() || !c.path("lora_alpha").isNumber()) throw new CheckpointException(f, "r and lora_alpha must be numbers");
        JsonNode t = c.path("target_modules");
        String targets;
        if (t.isTextual()) {
            targets = t.asText();
        } else if (t.isArray()) {
            List<String> names = new ArrayList<>();
            // PEFT stores "all-linear" expanded to full module paths: keep the projection name
            t.forEach(n -> names.add(n.asText().substring(n.asText().lastIndexOf('.') + 1)));
            targets = String.join(",", names);
        } else {
            throw new CheckpointException(f, "target_modules must be a list of names or \"all-linear\"");
        }
        try {
            LoraConfig parsed = LoraConfig.of(c.get("r").asInt(), c.get("lora_alpha").asDouble(), targets);
            // keep the engine's projection order whatever order PEFT stored its set in
            List<String> ordered = new ArrayList<>(LoraConfig.ALL_LINEAR); // (a module adapted in only some layers shows as a missing tensor)
            ordered.retainAll(parsed.targetModules());
            return new LoraConfig(parsed.rank(), parsed.alpha(), ordered);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(f, e.getMessage());
        }
    }

    /** Reads the weights of a PEFT adapter directory into these adapters; every tensor must be there, of the right shape, and nothing else. */
    public void loadWeights(Path dir) {
        Path f = dir.resolve(WEIGHTS_FILE);
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            Map<String, Parameter> expected = new LinkedHashMap<>();
            for (Parameter p : parameters()) expected.put(PEFT_PREFIX + p.name(), p);
            for (String name : file.names()) {
                if (!expected.containsKey(name)) throw new CheckpointException(f, "tensor '" + name + "' is not an adapter of this model and config");
            }
            for (var e : expected.entrySet()) {
                if (!file.names().contains(e.getKey())) throw new CheckpointException(f, "missing adapter tensor '" + e.getKey() + "'");
                if (!Arrays.equals(file.shape(e.getKey()), e.getValue().shape())) {
                    throw new CheckpointException(f, "tensor '" + e.getKey() + "' has shape " + Arrays.toString(file.shape(e.getKey()))
                            + " but the model and adapter config imply " + Arrays.toString(e.getValue().shape()));
                }
                file.loadInto(e.getKey(), e.getValue().value());
            }
        }
    }
}
