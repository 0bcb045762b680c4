package dev.selfee.engine.autograd;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
import java.util.Arrays;

/**
 * A value in a differentiable computation: a contiguous {@link Tensor} and, once a backward
 * pass reaches it, a gradient of the same shape. Ops produce Vars through
 * {@link Tape#output}; leaves are {@link #constant}s, {@link #variable}s or {@link Parameter}s.
 */
public class Var {
    private final Tensor value;
    private boolean requiresGrad; // changes only for a Parameter being frozen or thawed
    private final Tape tape; // the tape that recorded this Var's op; null for leaves and untracked results
    private Tensor grad;

    Var(Tensor value, boolean requiresGrad, Tape tape) {
        if (!value.isContiguous()) {
            throw new IllegalArgumentException("Var: value of shape " + Arrays.toString(value.shape()) + " must be contiguous");
        }
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.tape = tape;
    }

    /** An input that never receives a gradient (a non-contiguous tensor is copied). */
    public static Var constant(Tensor value) {
        return new Var(value.contiguous(), false, null);
    }

    /** A leaf that receives gradients, accumulated across backward passes until {@link #zeroGrad}. */
    public static Var variable(Tensor value) {
        return new Var(value.contiguous(), true, null);
    }

    public final Tensor value() {
        return value;
    }

    public final int[] shape() {
        return value.shape();
    }

    /** The value of a one-element Var (a loss, a metric). */
    public final float item() {
        if (value.size() != 1) throw new IllegalStateException("item: " + this + " holds " + value.size() + " values, not one");
        return value.data()[value.offset()];
    }

    /** True for trainable leaves and for results of recorded ops that depend on one. */
    public final boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * The gradient accumulated so far, or null if no backward pass has reached this Var. Only
     * leaves keep theirs after {@link Tape#backward} returns; op results' gradients are recycled.
     */
    public Tensor grad() {
        return grad;
    }

    /**
     * The gradient buffer, zero on first use; backward code accumulates into it. Results of
     * recorded ops borrow it from their tape, which takes it back as soon as their op's backward
     * has run (its array may be longer than the gradient: index it from 0 to the value's size).
     * Leaves own theirs: inside a {@link TensorPool#use()} scope it comes from the pool (see
     * {@link Parameter#releaseGrad}), else it is a new array.
     */
    public final Tensor ensureGrad() {
        if (grad == null) {
            TensorPool pool = TensorPool.current();
            if (tape != null) grad = tape.borrowZeros(value.shape());
            else grad = pool == null ? Tensor.zerosUnpooled(value.shape()) : Tensor.over(pool.take(value.size()), value.shape());
        }
        return grad;
    }

    /** Hands an intermediate gradient back (the tape reuses its memory next step). */
    final Tensor takeGrad() {
        Tensor g = grad;
        grad = null;
        return g;
    }

    /** For {@link Parameter#freeze}: a frozen leaf neither requires nor keeps a gradient. */
    final void setRequiresGrad(boolean on) {
        requiresGrad = on;
        if (!on) grad = null;
    }

    public final boolean hasGrad() {
        return grad != null;
    }

    /** Sets the gradient to zero, keeping its buffer. */
    public final void zeroGrad() {
        if (grad != null) grad.fill(0f);
    }

    final Tape tape() {
        return tape;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + Arrays.toString(value.shape()) + (requiresGrad ? " (grad)" : "");
    }
}
