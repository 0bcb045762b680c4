package dev.selfee.engine.autograd;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
import dev.selfee.engine.optim.Trainable;

/**
 * A named trainable weight: a leaf Var whose gradient accumulates until {@link #zeroGrad}. A
 * {@linkplain #freeze frozen} parameter (a base weight under LoRA) requires no gradient: ops
 * skip computing one for it and no gradient buffer is allocated.
 */
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

    /** The gradient, allocated as zeros on first request so optimizers always see a tensor; null while frozen. */
    @Override
    public Tensor grad() {
        return requiresGrad() ? ensureGrad() : null;
    }

    /**
     * Hands the gradient's memory to {@code pool} and forgets it (the next backward pass starts a
     * zero one): a training loop calls it after each optimizer step, so that between steps the
     * forward pass can use that memory for activations (torch's zero_grad(set_to_none=True)).
     * With a null pool the collector reclaims it.
     */
    public void releaseGrad(TensorPool pool) {
        Tensor g = takeGrad();
        if (pool != null && g != null && g.offset() == 0) pool.give(g.data());
    }

    /** Stops this parameter from requiring a gradient and frees its gradient buffer; returns this. */
    public Parameter freeze() {
        setRequiresGrad(false);
        return this;
    }

    /** Makes this parameter trainable again; returns this. */
    public Parameter unfreeze() {
        setRequiresGrad(true);
        return this;
    }

    public boolean frozen() {
        return !requiresGrad();
    }
}
