package dev.selfee.engine.autograd;

/**
 * A scope in which ops record nothing and allocate no gradient memory, even under an open
 * {@link Tape}: reference models, scoring and generation. Scopes nest; close them in reverse order.
 * <pre>{@code try (NoGrad _ = NoGrad.enter()) { ... } }</pre>
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private NoGrad() {
        DEPTH.get()[0]++;
    }

    public static NoGrad enter() {
        return new NoGrad();
    }

    /** True inside a NoGrad scope on this thread. */
    public static boolean active() {
        return DEPTH.get()[0] > 0;
    }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) throw new IllegalStateException("NoGrad closed on a different thread than it was entered on");
        closed = true;
        DEPTH.get()[0]--;
    }
}
