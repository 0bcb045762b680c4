package dev.selfee.engine.optim;

import dev.selfee.engine.Tensor;

/** A trainable tensor and its gradient, as optimizers and checkpoints see it. */
public interface Trainable {
    /** A stable name, e.g. the checkpoint key {@code model.layers.0.self_attn.q_proj.weight}. */
    String name();

    /** The current value, updated in place by optimizers. */
    Tensor value();

    /** The accumulated gradient, same shape as {@link #value()}. */
    Tensor grad();
}
