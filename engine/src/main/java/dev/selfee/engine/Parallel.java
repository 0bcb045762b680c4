package dev.selfee.engine;

import java.util.function.IntConsumer;

/**
 * The engine's worker threads. Work is split into a fixed number of contiguous chunks that
 * depends only on the problem size and {@link #threads()}, never on timing, so results are
 * bit-identical run to run for the same thread count. The threads are a {@link WorkerTeam} that
 * stays hot between calls, so that many small calls (decoding one token) stay cheap.
 *
 * <p>The count comes from the system property {@code selfee.threads}, then the environment
 * variable {@code SELFEE_THREADS}, then the number of available processors.
 */
public final class Parallel {
    private static volatile int threads = initialThreads();
    private static volatile WorkerTeam team = new WorkerTeam(threads);

    private Parallel() {}

    private static int initialThreads() {
        String s = System.getProperty("selfee.threads", System.getenv("SELFEE_THREADS"));
        if (s != null && !s.isBlank()) {
            try {
                int n = Integer.parseInt(s.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) {
                // fall through to the default
            }
            throw new IllegalArgumentException("selfee.threads / SELFEE_THREADS must be a positive integer, got '" + s + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public static int threads() {
        return threads;
    }

    /** Changes the worker count (benchmarks and tests); not meant to be called during work. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        if (n == threads) return;
        WorkerTeam old = team;
        team = new WorkerTeam(n);
        threads = n;
        old.close();
    }

    /**
     * Runs {@code body.accept(chunk)} for chunk = 0..chunks-1, in parallel when worth it.
     * Callers map chunks to index ranges themselves (see {@link #range}). A call from inside a
     * chunk (or while another thread's call runs) runs its chunks in order on its own thread.
     */
    public static void forChunks(int chunks, IntConsumer body) {
        team.run(chunks, body);
    }

    /** Runs {@code body(start, end)} over [0, n) split into at most {@link #threads()} ranges of at least {@code grain}. */
    public static void forRange(int n, int grain, RangeBody body) {
        int chunks = Math.max(1, Math.min(threads, n / Math.max(1, grain)));
        forChunks(chunks, c -> body.run(range(n, chunks, c), range(n, chunks, c + 1)));
    }

    /** Start of chunk {@code c} when [0, n) is cut into {@code chunks} near-equal ranges. */
    public static int range(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }
}
