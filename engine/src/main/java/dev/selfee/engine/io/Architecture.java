package dev.selfee.engine.io;

/**
 * The Llama-family architectures the engine runs, by their transformers class name and
 * {@code model_type}. They share one block (RMSNorm, rotary attention with grouped KV heads,
 * SwiGLU MLP) and differ in biases, sliding windows and defaults.
 */
public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama", 2048),
    MISTRAL("MistralForCausalLM", "mistral", 4096 * 32),
    QWEN2("Qwen2ForCausalLM", "qwen2", 32768);

    /** The name in config.json's {@code architectures}. */
    public final String className;
    public final String modelType;
    /** transformers' default {@code max_position_embeddings} for this architecture. */
    final int defaultMaxPositions;

    Architecture(String className, String modelType, int defaultMaxPositions) {
        this.className = className;
        this.modelType = modelType;
        this.defaultMaxPositions = defaultMaxPositions;
    }

    /** The architecture with this class name, or null. */
    public static Architecture ofClassName(String name) {
        for (Architecture a : values()) if (a.className.equals(name)) return a;
        return null;
    }

    /** The architecture with this {@code model_type}, or null. */
    public static Architecture ofModelType(String type) {
        for (Architecture a : values()) if (a.modelType.equals(type)) return a;
        return null;
    }
}
