package dev.selfee.engine.kernel;

/**
 * Per-thread work buffers of the GEMM kernels (packed panels, edge tiles, copies of A), grown
 * on demand and kept, so that repeated multiplies of the same sizes allocate nothing.
 */
final class Scratch {
    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private float[] a = new float[0];
    private float[] b = new float[0];
    private float[] shared = new float[0];
    final float[] tile = new float[MicroKernel.MR * MicroKernel.NR];
    final float[] lanes = new float[MicroKernel.V];
    final float[] dots = new float[8];

    private Scratch() {}

    static Scratch get() {
        return LOCAL.get();
    }

    /** A buffer for packed or copied A of at least {@code size} floats; contents are stale. */
    float[] a(int size) {
        if (a.length < size) a = new float[size];
        return a;
    }

    /**
     * A buffer of at least {@code size} floats for the whole of B packed once for a row split,
     * read by every thread of that product; the calling thread's, so nested products (which run
     * on one thread, in their own thread's buffers) never touch it while it is in use.
     */
    float[] shared(int size) {
        if (shared.length < size) shared = new float[size];
        return shared;
    }

    /** A buffer for packed B of at least {@code size} floats; contents are stale. */
    float[] b(int size) {
        if (b.length < size) b = new float[size];
        return b;
    }
}
