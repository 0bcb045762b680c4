package dev.selfee.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The team runs every chunk exactly once, survives failures, nesting and concurrent callers, and stops on close. */
class WorkerTeamTest {
    @Test
    void manySmallJobsRunEveryChunkExactlyOnce() {
        WorkerTeam team = new WorkerTeam(3);
        try {
            for (int job = 0; job < 20_000; job++) {
                int chunks = 1 + job % 7;
                AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
                team.run(chunks, runs::incrementAndGet);
                for (int c = 0; c < chunks; c++) assertEquals(1, runs.get(c), "job " + job + " chunk " + c);
            }
        } finally {
            team.close();
        }
    }

    @Test
    void chunksRunOnSeveralThreadsAndTheirWritesAreVisibleToTheCaller() throws InterruptedException {
        WorkerTeam team = new WorkerTeam(2);
        try {
            var threads = new CopyOnWriteArraySet<Thread>();
            long[] sums = new long[64];
            for (int round = 0; round < 200 && threads.size() < 2; round++) {
                team.run(sums.length, c -> {
                    threads.add(Thread.currentThread());
                    long s = 0;
                    for (int i = 0; i < 20_000; i++) s += (long) i * c;
                    sums[c] = s;
                });
                for (int c = 0; c < sums.length; c++) assertEquals(199_990_000L * c, sums[c], "chunk " + c);
            }
            assertEquals(2, threads.size(), "a worker took chunks besides the caller");
        } finally {
            team.close();
        }
        assertTrue(team.awaitClosed(5_000), "workers ended after close");
    }

    @Test
    void aFailingChunkReachesTheCallerAndTheTeamStaysUsable() {
        WorkerTeam team = new WorkerTeam(2);
        try {
            for (int round = 0; round < 100; round++) {
                int bad = round % 5;
                var e = assertThrows(IllegalStateException.class, () -> team.run(5, c -> {
                    if (c == bad) throw new IllegalStateException("chunk " + c + " failed");
                }));
                assertEquals("chunk " + bad + " failed", e.getMessage());
                AtomicIntegerArray runs = new AtomicIntegerArray(5);
                team.run(5, runs::incrementAndGet);
                for (int c = 0; c < 5; c++) assertEquals(1, runs.get(c));
            }
        } finally {
            team.close();
        }
    }

    @Test
    void nestedCallsRunInsideTheirChunk() {
        WorkerTeam team = new WorkerTeam(2);
        try {
            int[][] cells = new int[6][6];
            team.run(6, i -> team.run(6, j -> cells[i][j] += i * 6 + j + 1));
            for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) assertEquals(i * 6 + j + 1, cells[i][j]);
        } finally {
            team.close();
        }
    }

    @Test
    void concurrentCallersAllFinishWithTheirOwnResults() throws Exception {
        WorkerTeam team = new WorkerTeam(2);
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<Callable<long[]>> tasks = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                tasks.add(() -> {
                    long[] out = new long[16];
                    for (int round = 0; round < 2_000; round++) team.run(out.length, c -> out[c] += c + seed);
                    return out;
                });
            }
            List<Future<long[]>> results = callers.invokeAll(tasks, 60, TimeUnit.SECONDS);
            for (int t = 0; t < 3; t++) {
                long[] out = results.get(t).get();
                for (int c = 0; c < 16; c++) assertEquals(2_000L * (c + t), out[c], "caller " + t + " chunk " + c);
            }
        } finally {
            callers.shutdownNow();
            team.close();
        }
    }

    @Test
    void afterCloseCallsRunOnTheCallerAndWorkersEnd() throws InterruptedException {
        WorkerTeam team = new WorkerTeam(3);
        team.run(4, c -> {});
        // Past the ~100 µs spin, so close() must also wake workers that have parked, not only
        // spinning ones; the assertions hold either way, this only makes the parked case the usual one.
        Thread.sleep(5); // lets the workers park (see above); not a wait for a result
        team.close();
        assertTrue(team.awaitClosed(5_000), "workers ended after close");
        Thread caller = Thread.currentThread();
        team.run(4, c -> assertSame(caller, Thread.currentThread()));
    }
}
