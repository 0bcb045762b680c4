package dev.selfee.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Which projections get a low-rank adapter and its size, named as PEFT's {@code LoraConfig}.
 *
 * @param rank          r, the adapter's inner dimension
 * @param alpha         {@code lora_alpha}; the update is scaled by alpha / r
 * @param targetModules projection names among {@link #ALL_LINEAR} (every decoder layer gets one per name)
 */
public record LoraConfig(int rank, double alpha, List<String> targetModules) {
    /** Every linear projection of a decoder layer; PEFT's {@code "all-linear"} (the LM head excluded). */
    public static final List<String> ALL_LINEAR = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    /** PEFT's default targets for Llama-family models. */
    public static final List<String> DEFAULT_TARGETS = List.of("q_proj", "v_proj");

    public LoraConfig {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        if (!(alpha > 0)) throw new IllegalArgumentException("LoRA alpha must be > 0, got " + alpha);
        if (targetModules.isEmpty()) throw new IllegalArgumentException("LoRA needs at least one target module");
        for (String t : targetModules) {
            if (!ALL_LINEAR.contains(t)) {
                throw new IllegalArgumentException("unknown LoRA target module '" + t + "'; expected all-linear or some of " + String.join(",", ALL_LINEAR));
            }
        }
        targetModules = List.copyOf(new LinkedHashSet<>(targetModules));
    }

    /** Parses {@code "q_proj,v_proj"} or {@code "all-linear"}. */
    public static LoraConfig of(int rank, double alpha, String targets) {
        if (targets.strip().equals("all-linear")) return new LoraConfig(rank, alpha, ALL_LINEAR);
        List<String> names = new ArrayList<>();
        for (String t : targets.split(",")) if (!t.isBlank()) names.add(t.strip());
        return new LoraConfig(rank, alpha, names);
    }

    /** alpha / r. */
    public float scaling() {
        return (float) (alpha / rank);
    }

    /** The module of a projection name, e.g. {@code q_proj -> self_attn}. */
    static String block(String projection) {
        return projection.endsWith("_proj") && List.of("gate_proj", "up_proj", "down_proj").contains(projection) ? "mlp" : "self_attn";
    }
}
