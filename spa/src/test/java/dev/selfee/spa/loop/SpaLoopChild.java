package dev.selfee.spa.loop;

import java.nio.file.Path;

/** Runs an SPA loop in a separate JVM, so a test can kill it mid-stage. Arguments: config file, run directory. */
public final class SpaLoopChild {
    public static void main(String[] args) {
        SpaLoop.start(SpaConfig.resolve(Path.of(args[0]), null), Path.of(args[1]), System.out);
    }
}
