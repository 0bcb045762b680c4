package dev.selfee.engine.io;

import java.nio.file.Path;

/**
 * A checkpoint or config file that cannot be used as asked: truncated, malformed, missing a
 * tensor or field, or holding a shape the caller did not expect. The message is one line that
 * names the file and, where there is one, the tensor or field.
 */
public class CheckpointException extends RuntimeException {
    public CheckpointException(Path file, String what) {
        super(file + ": " + what);
    }

    public CheckpointException(Path file, String what, Throwable cause) {
        super(file + ": " + what, cause);
    }
}
