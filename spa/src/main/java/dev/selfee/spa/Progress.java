package dev.selfee.spa;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of one long stage on a terminal line: {@code [stage] step/total pct ETA key metrics}.
 * Redraws at most every {@code intervalMillis} (and always on the last step); when the stream is
 * not a terminal it prints a plain line per redraw instead of overwriting with carriage returns.
 */
public final class Progress {
    private final PrintStream out;
    private final String stage;
    private final long total;
    private final long intervalMillis;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastDraw;
    private boolean drawn;
    private long done;

    public Progress(PrintStream out, String stage, long total, long intervalMillis, boolean terminal) {
        this.out = out;
        this.stage = stage;
        this.total = Math.max(0, total);
        this.intervalMillis = intervalMillis;
        this.terminal = terminal;
    }

    /** To standard error, redrawn twice a second, overwriting in place when stderr is a terminal. */
    public static Progress onStderr(String stage, long total) {
        return new Progress(System.err, stage, total, 500, System.console() != null);
    }

    /** Records that {@code step} of {@code total} units are done, with optional metrics such as "loss 0.69". */
    public void update(long step, String metrics) {
        done = step;
        long now = System.nanoTime() / 1_000_000;
        if (drawn && step < total && now - lastDraw < intervalMillis) return;
        drawn = true;
        lastDraw = now;
        out.print((terminal ? "\r" : "") + line(metrics) + (terminal ? "\u001b[K" : "\n"));
        if (terminal && step >= total) out.print("\n");
        out.flush();
    }

    /** The text of the progress line (without control characters). */
    String line(String metrics) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        StringBuilder sb = new StringBuilder().append('[').append(stage).append("] ").append(done);
        if (total > 0) {
            sb.append('/').append(total).append(String.format(Locale.ROOT, " %3.0f%%", 100.0 * done / total));
            if (done > 0 && done < total) sb.append(" ETA ").append(duration(elapsed / done * (total - done)));
        }
        sb.append(" elapsed ").append(duration(elapsed));
        if (metrics != null && !metrics.isEmpty()) sb.append("  ").append(metrics);
        return sb.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
