package dev.selfee.spa.data;

import java.nio.file.Path;

/** Bad input data: the message names the file, the line (1-based) and, where known, the field. */
public final class DataException extends RuntimeException {
    public DataException(Path file, long line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
    }
}
