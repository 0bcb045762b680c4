package dev.selfee.engine.autograd;

import dev.selfee.engine.Shapes;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records ops for reverse-mode differentiation. A tape is confined to the thread that
 * {@linkplain #start started} it and is active there until closed: every op on that thread
 * whose inputs require a gradient appends its output and {@link Backward} here. Without an
 * active tape, or inside {@link NoGrad}, nothing is recorded.
 *
 * <p>{@link #backward} runs the recorded ops in reverse and then empties the tape (keeping its
 * capacity), so one tape can serve step after step. Leaf gradients ({@link Parameter},
 * {@link Var#variable}) accumulate across passes until zeroed: gradient accumulation for free.
 * Gradients of intermediate results live only during the pass: the tape takes each buffer back
 * as soon as the op that produced the result has run its backward, and reuses it.
 *
 * <p>A tape {@linkplain #start(TensorPool) started with a pool} also recycles activations: the
 * arrays {@link Tensor#zeros} took from the pool while an op ran forward (its output, saved
 * state) go back to the pool once that op's backward has run, and the next step's forward takes
 * them again. Run the forward and backward passes inside {@code pool.use()}; the values of Vars
 * recorded on such a tape must not be read once its backward pass has begun.
 * <pre>{@code
 * try (Tape tape = Tape.start()) {
 *     for (Batch b : batches) {
 *         Var loss = model.loss(b);
 *         tape.backward(loss);   // parameters' grads now hold d loss / d param
 *         optimizer.step(); model.zeroGrad();
 *     }
 * }
 * }</pre>
 */
public final class Tape implements AutoCloseable {
    private static final ThreadLocal<Tape> ACTIVE = new ThreadLocal<>();

    private final Tape previous;
    private final Thread owner = Thread.currentThread();
    private final ArrayList<Var> outputs = new ArrayList<>();
    private final ArrayList<Backward> backwards = new ArrayList<>();
    private final ArrayList<List<float[]>> owned = new ArrayList<>(); // per op: the pool arrays its forward allocated
    private final TensorPool pool; // gradient buffers, and activations when recycling
    private final boolean recycling;
    private boolean closed;

    private Tape(Tape previous, TensorPool pool, boolean recycling) {
        this.previous = previous;
        this.pool = pool;
        this.recycling = recycling;
    }

    /** Starts recording on this thread (nested tapes shadow outer ones until closed). */
    public static Tape start() {
        return begin(new TensorPool(), false);
    }

    /**
     * Starts a tape that recycles activations through {@code pool} as well as gradients (see
     * the class comment): for training loops, whose steps allocate the same tensors again.
     */
    public static Tape start(TensorPool pool) {
        return begin(pool, true);
    }

    private static Tape begin(TensorPool pool, boolean recycling) {
        Tape t = new Tape(ACTIVE.get(), pool, recycling);
        ACTIVE.set(t);
        return t;
    }

    /** The tape ops record onto now, or null (none active, or in a {@link NoGrad} scope). */
    public static Tape recording() {
        return NoGrad.active() ? null : ACTIVE.get();
    }

    /** True when an op with these inputs will be recorded; ops use it to skip keeping backward state. */
    public static boolean willRecord(Var... inputs) {
        if (recording() == null) return false;
        for (Var v : inputs) if (v != null && v.requiresGrad()) return true;
        return false;
    }

    /**
     * Wraps an op's result. When recording and any input requires a gradient, the result does
     * too and {@code backward} is appended to the active tape; otherwise {@code backward} is dropped.
     */
    public static Var output(Tensor value, Backward backward, Var... inputs) {
        Tape t = recording();
        if (t != null) {
            for (Var v : inputs) {
                if (v != null && v.requiresGrad()) {
                    Var out = new Var(value, true, t);
                    t.outputs.add(out);
                    t.backwards.add(backward);
                    t.owned.add(t.recycling && TensorPool.current() == t.pool ? t.pool.claim() : List.of());
                    return out;
                }
            }
        }
        return new Var(value, false, null);
    }

    /** Number of ops recorded and not yet consumed by a backward pass. */
    public int size() {
        return outputs.size();
    }

    /** Back-propagates from a scalar loss (any shape holding one value), seeding d loss = 1. */
    public void backward(Var loss) {
        if (loss.value().size() != 1) {
            throw new IllegalArgumentException("backward: loss must hold one value, got shape " + Arrays.toString(loss.shape()));
        }
        backward(loss, Tensor.full(1f, loss.shape()));
    }

    /** Back-propagates from {@code output} with the given output gradient (a vector-Jacobian product). */
    public void backward(Var output, Tensor gradOutput) {
        if (Thread.currentThread() != owner) throw new IllegalStateException("backward: a tape is confined to the thread that started it");
        if (closed) throw new IllegalStateException("backward: the tape is closed");
        Shapes.requireSame("backward", output.value(), gradOutput);
        if (!output.requiresGrad()) {
            throw new IllegalArgumentException("backward: " + output + " does not depend on anything that requires a gradient"
                    + " (computed without an active tape, or under NoGrad?)");
        }
        if (output.tape() != null && output.tape() != this) {
            throw new IllegalArgumentException("backward: " + output + " was recorded on another tape");
        }
        if (output.tape() != null && !outputs.contains(output)) {
            throw new IllegalStateException("backward: " + output + " is no longer on the tape (backward already ran past it)");
        }
        pool.unclaim(); // allocated after the last recorded op: owned by none
        Tensor g = output.ensureGrad();
        float[] gd = g.data(), sd = gradOutput.contiguous().data();
        int so = gradOutput.contiguous().offset();
        for (int i = 0, n = g.size(); i < n; i++) gd[i] += sd[so + i];
        try {
            for (int i = outputs.size() - 1; i >= 0; i--) {
                Var out = outputs.get(i);
                if (out.hasGrad()) backwards.get(i).run(out.grad());
                // every consumer of out ran before it: its gradient is spent, and so is what this op's
                // forward allocated, so memory falls (and buffers get reused) as the pass proceeds
                recycle(out.takeGrad());
                for (float[] a : owned.get(i)) pool.give(a);
                outputs.set(i, null);
                backwards.set(i, null);
                owned.set(i, null);
            }
        } finally {
            for (Var out : outputs) if (out != null) recycle(out.takeGrad());
            clear();
            pool.trim();
        }
    }

    /** A zero-filled tensor for an intermediate gradient, on a buffer from the pool (possibly longer than the tensor). */
    Tensor borrowZeros(int[] shape) {
        int n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return Tensor.over(pool.take(n), shape);
    }

    private void recycle(Tensor grad) {
        if (grad != null && grad.offset() == 0) pool.give(grad.data());
    }

    /** Forgets every recorded op without back-propagating. */
    public void clear() {
        outputs.clear();
        backwards.clear();
        owned.clear();
        pool.unclaim();
    }

    /** Stops recording on this thread and restores the tape that was active before. */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) throw new IllegalStateException("Tape closed on a different thread than it was started on");
        if (ACTIVE.get() != this) throw new IllegalStateException("Tape: nested tapes must be closed in reverse order");
        closed = true;
        clear();
        if (previous == null) ACTIVE.remove();
        else ACTIVE.set(previous);
    }
}
