package dev.selfee.engine;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed team of worker threads that runs one job of numbered chunks at a time, the calling
 * thread taking chunks too. Between jobs the workers spin for a short while before they park,
 * so a burst of small jobs (the matrix-vector products of decoding one token) pays a few
 * memory fences per job instead of a park and a wake-up. Spinning threads yield now and then:
 * on a machine other work keeps busy, a spinner would otherwise take the core from the thread
 * it waits for.
 *
 * <p>Chunks are claimed from a shared counter: which thread runs a chunk depends on timing, but
 * what a chunk computes does not, so results are the same as running the chunks in order. A
 * worker that the OS has descheduled delays a job only by the chunk it already holds; the others,
 * the caller included, take the rest.
 *
 * <p>One job runs at a time: a call made while a job is running (a nested call from inside a
 * chunk, or a call from another thread) runs its chunks itself, in order.
 */
final class WorkerTeam {
    /** How long an idle worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = 100_000;

    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Job job; // the latest job; workers run each job at most once
    private volatile boolean closed;

    /** A team of {@code threads} threads in all: the caller and threads - 1 workers. */
    WorkerTeam(int threads) {
        workers = new Worker[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** Runs {@code body.accept(c)} for c = 0..chunks-1, on the team when it is free, else here. */
    void run(int chunks, IntConsumer body) {
        if (chunks <= 0) return;
        if (closed || workers.length == 0 || chunks == 1 || !busy.compareAndSet(false, true)) {
            for (int c = 0; c < chunks; c++) body.accept(c);
            return;
        }
        Job j;
        try {
            j = new Job(body, chunks);
            job = j;
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
            j.work();
            j.awaitDone();
        } finally {
            busy.set(false);
        }
        j.rethrow();
    }

    /** Stops the workers once they finish what they hold; later calls run on the caller alone. */
    void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }

    /** Waits up to {@code millis} for every worker to end after {@link #close}; true when all have. */
    boolean awaitClosed(long millis) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        for (Worker w : workers) w.join(Math.max(1, until - System.currentTimeMillis()));
        for (Worker w : workers) if (w.isAlive()) return false;
        return true;
    }

    /** One call's chunks, the counter they are claimed from and the count of finished ones. */
    private static final class Job {
        final IntConsumer body;
        final int chunks;
        final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
        volatile Throwable error;

        Job(IntConsumer body, int chunks) {
            this.body = body;
            this.chunks = chunks;
        }

        /** Claims and runs chunks until none is left; after a failure the rest are skipped. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    if (error == null) body.accept(c);
                } catch (Throwable t) {
                    synchronized (this) {
                        if (error == null) error = t;
                    }
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        /** Waits for chunks that workers claimed but have not finished. */
        void awaitDone() {
            for (int spins = 0; finished.get() < chunks; spins++) {
                if ((spins & 63) != 63) Thread.onSpinWait();
                else Thread.yield(); // the worker holding a chunk may be waiting for this core
            }
        }

        void rethrow() {
            Throwable t = error;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("selfee-worker-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job done = null;
            while (!closed) {
                Job j = job;
                if (j == null || j == done) {
                    j = await(done);
                    if (j == null) continue;
                }
                done = j;
                j.work();
            }
        }

        /** The next job after {@code done}: spins for {@link #SPIN_NANOS}, then parks until woken. */
        private Job await(Job done) {
            long until = System.nanoTime() + SPIN_NANOS;
            for (int spins = 0; ; spins++) {
                Job j = job;
                if ((j != null && j != done) || closed) return j == done ? null : j;
                if ((spins & 63) != 63) {
                    Thread.onSpinWait();
                } else if (System.nanoTime() <= until) {
                    Thread.yield(); // costs little when the core is free; lets a caller sharing it run
                } else {
                    parked = true; // a caller publishing a job after this sees the flag and unparks us
                    j = job;
                    if ((j == null || j == done) && !closed) LockSupport.park(this);
                    parked = false;
                    until = System.nanoTime() + SPIN_NANOS;
                }
            }
        }
    }
}
