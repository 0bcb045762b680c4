package dev.selfee.tokenizer.template;

/** A chat template that cannot be parsed or rendered; the message names the template line and column where known. */
public final class TemplateException extends RuntimeException {
    private final int line;
    private final int column;

    public TemplateException(String message, int line, int column) {
        super(line > 0 ? "chat template line " + line + ", column " + column + ": " + message : message);
        this.line = line;
        this.column = column;
    }

    public TemplateException(String message) {
        this(message, 0, 0);
    }

    /** The 1-based template line, or 0 when the error has no position (e.g. raise_exception). */
    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
