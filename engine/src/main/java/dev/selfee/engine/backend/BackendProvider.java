package dev.selfee.engine.backend;

/**
 * How {@link Backends} finds backends: implementations are listed in
 * {@code META-INF/services/dev.selfee.engine.backend.BackendProvider} and loaded with
 * {@link java.util.ServiceLoader}, so a new backend plugs in without changes to the engine.
 */
public interface BackendProvider {
    /** The name users select it by ({@code --backend NAME}, {@code SELFEE_BACKEND=NAME}). */
    String name();

    /**
     * Opens device number {@code device} of this backend (0 is the first). Called at most once
     * per device per process; throws with a message a user can act on when it cannot.
     */
    Backend open(int device);
}
