package dev.selfee.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Warm-up then repeated timing, for the {@code bench} commands. */
final class Timing {
    private Timing() {}

    /** Warms up for about a third of {@code seconds} (at least 3 runs), then times runs for {@code seconds}; returns seconds per run. */
    static double[] measure(Runnable op, double seconds) {
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        int warm = 0;
        while (warm < 3 || System.nanoTime() < warmEnd) {
            op.run();
            warm++;
        }
        List<Double> times = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (times.size() < 5 || System.nanoTime() < end) {
            long t0 = System.nanoTime();
            op.run();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        return times.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    /** {@code x} to six decimals: enough to compare a loss across backends. */
    static double round6(double x) {
        return Math.round(x * 1e6) / 1e6;
    }
}
