package dev.selfee.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Float arrays handed back by a training step for the next one to reuse, so that a loop of
 * forward and backward passes stops producing a step's worth of garbage each time (which the
 * JVM answers by growing its heap far beyond what is live). While {@linkplain #use() in use} on
 * a thread, {@link Tensor#zeros} takes its storage from here; the arrays come back only through
 * {@link #give}, which a {@linkplain dev.selfee.engine.autograd.Tape#start(TensorPool) recycling
 * tape} calls once the op that allocated them is done with its backward pass.
 *
 * <p>Sequence lengths change from batch to batch, so an array may serve any request down to a
 * quarter of its size, the smallest free array that fits being taken (the tensor then views its
 * first elements: contiguous from offset 0 but not {@linkplain Tensor#isDense dense}). The pool
 * thus settles at the arrays of the longest batch seen, and shorter batches reuse them instead of
 * turning a step's activations into garbage each time the length changes (which costs the
 * collector a full pass and the process the heap to hold both). Fresh arrays are sized up to the
 * next size class (at most an eighth more). Arrays no request took between two {@link #trim}s are
 * dropped. Confined to one thread.
 */
public final class TensorPool {
    private static final ThreadLocal<TensorPool> CURRENT = new ThreadLocal<>();
    /** Requests below this many floats are served exactly (nothing to gain from pooling them). */
    private static final int MIN_POOLED = 1 << 12;

    private record Free(float[] data, long generation) {}

    private final TreeMap<Integer, ArrayDeque<Free>> free = new TreeMap<>(); // by capacity
    private final ArrayList<float[]> taken = new ArrayList<>(); // through Tensor.zeros since the last claim
    private long generation;
    private long bytesFree;

    /** Installs this pool for {@link Tensor#zeros} on this thread until the scope closes. */
    public Scope use() {
        return new Scope(this);
    }

    /** The pool in use on this thread, or null. */
    public static TensorPool current() {
        return CURRENT.get();
    }

    /** Storage for {@link Tensor#zeros} (zeroed) or {@link Tensor#empty}: an array of at least n floats from the pool in use, or null when none is. */
    static float[] takeForTensor(int n, boolean zeroed) {
        TensorPool p = CURRENT.get();
        if (p == null || n < MIN_POOLED) return null;
        float[] a = p.take(n, zeroed);
        p.taken.add(a);
        return a;
    }

    /**
     * An array of at least n floats whose first n are zero (its tail is not cleared): the smallest
     * free one up to four times longer, else a fresh one. The slack also lets a parameter's
     * gradient, which lives from the backward pass to the optimizer step, borrow the memory of
     * activations that backward has just released.
     */
    public float[] take(int n) {
        return take(n, true);
    }

    private float[] take(int n, boolean zeroed) {
        if (n < MIN_POOLED) return new float[n];
        Map.Entry<Integer, ArrayDeque<Free>> e = free.ceilingEntry(n);
        if (e != null && e.getKey() / 4 <= n) return reuse(e, n, zeroed);
        dropShorter(n);
        return new float[sizeClass(n)];
    }

    /**
     * A miss means the batch got longer than the arrays were sized for: the free array just
     * below n most likely served this same tensor last step and is now too short for it.
     * Letting it go keeps the pool from holding both generations at once.
     */
    private void dropShorter(int n) {
        Map.Entry<Integer, ArrayDeque<Free>> e = free.lowerEntry(n);
        if (e == null || e.getKey() < n - n / 4) return;
        ArrayDeque<Free> q = e.getValue();
        bytesFree -= 4L * q.pop().data().length;
        if (q.isEmpty()) free.remove(e.getKey());
    }

    /** Takes a free array of the entry's capacity out of the pool, its first n floats zeroed when asked. */
    private float[] reuse(Map.Entry<Integer, ArrayDeque<Free>> e, int n, boolean zeroed) {
        ArrayDeque<Free> q = e.getValue();
        float[] a = q.pop().data();
        if (q.isEmpty()) free.remove(e.getKey());
        bytesFree -= 4L * a.length;
        if (zeroed) Parallel.forRange(n, 1 << 16, (from, to) -> Arrays.fill(a, from, to, 0f)); // a gradient's worth is memory-bound: both cores clear it
        return a;
    }

    /** Hands an array back for reuse; nothing may use it afterwards. */
    public void give(float[] a) {
        if (a == null || a.length < MIN_POOLED) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(new Free(a, generation));
        bytesFree += 4L * a.length;
    }

    /** The arrays {@link Tensor#zeros} took from this pool since the previous claim: what the op being recorded allocated. */
    public List<float[]> claim() {
        if (taken.isEmpty()) return List.of();
        List<float[]> out = List.copyOf(taken);
        taken.clear();
        return out;
    }

    /** Forgets what was taken since the last claim (allocations that belong to no recorded op). */
    public void unclaim() {
        taken.clear();
    }

    /** Drops the arrays handed back before the previous trim and not taken since: sizes the last step no longer needs. */
    public void trim() {
        var it = free.entrySet().iterator();
        while (it.hasNext()) {
            ArrayDeque<Free> q = it.next().getValue();
            q.removeIf(f -> {
                boolean stale = f.generation() < generation;
                if (stale) bytesFree -= 4L * f.data().length;
                return stale;
            });
            if (q.isEmpty()) it.remove();
        }
        generation++;
    }

    /** Bytes held for reuse now. */
    public long bytesFree() {
        return bytesFree;
    }

    /** n rounded up so that fresh arrays come in size classes an eighth apart. */
    static int sizeClass(int n) {
        int step = Integer.highestOneBit(n) >>> 3;
        long c = ((long) n + step - 1) / step * step;
        return (int) Math.min(c, Integer.MAX_VALUE - 8);
    }

    /** While open, {@link Tensor#zeros} on this thread takes its storage from the pool. */
    public static final class Scope implements AutoCloseable {
        private final TensorPool previous;
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private Scope(TensorPool pool) {
            previous = CURRENT.get();
            CURRENT.set(pool);
        }

        @Override
        public void close() {
            if (closed) return;
            if (Thread.currentThread() != owner) throw new IllegalStateException("TensorPool scope closed on a different thread than it was opened on");
            closed = true;
            CURRENT.get().taken.clear();
            if (previous == null) CURRENT.remove();
            else CURRENT.set(previous);
        }
    }
}
