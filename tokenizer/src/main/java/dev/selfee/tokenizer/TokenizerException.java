package dev.selfee.tokenizer;

/** A tokenizer file that cannot be read or uses something this tokenizer does not implement; the message names the file and the field. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
