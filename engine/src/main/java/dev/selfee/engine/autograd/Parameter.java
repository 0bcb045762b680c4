package dev.selfee.engine.autograd;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.optim.Trainable;

/** A named trainable weight: a leaf Var whose gradient accumulates until {@link #zeroGrad}. */
public final class Parameter extends Var implements Trainable {
    private final String name;

    /** Wraps {@code value} (not copied: optimizers update it in place); it must be contiguous. */
    public Parameter(String name, Tensor value) {
        super(value, true, null);
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    /** The gradient, allocated as zeros on first request so optimizers always see a tensor. */
    @Override
    public Tensor grad() {
        return ensureGrad();
    }
}
