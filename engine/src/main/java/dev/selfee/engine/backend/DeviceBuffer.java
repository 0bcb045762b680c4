package dev.selfee.engine.backend;

/**
 * fp32 storage owned by a {@link Backend}'s device. Transfers to and from the host are explicit
 * and blocking; {@link #close()} frees the device memory (using a closed buffer is an error).
 */
public interface DeviceBuffer extends AutoCloseable {
    /** The backend that owns it; kernels accept only their own backend's buffers. */
    Backend backend();

    /** Its capacity in floats. */
    long length();

    /** Copies {@code src[srcOff .. srcOff+count)} to this buffer's floats {@code [at .. at+count)}. */
    void write(long at, float[] src, int srcOff, int count);

    /**
     * Copies the floats of {@code src} (native byte order, e.g. a memory-mapped weight file or
     * a {@link java.lang.foreign.MemorySegment#ofArray(float[])}) to this buffer from float {@code at} on.
     */
    void write(long at, java.lang.foreign.MemorySegment src);

    /** Copies this buffer's floats {@code [at .. at+count)} into {@code dst[dstOff ..]}, after queued kernels finish. */
    void read(long at, float[] dst, int dstOff, int count);

    /** The whole buffer as a new array. */
    default float[] read() {
        float[] out = new float[Math.toIntExact(length())];
        read(0, out, 0, out.length);
        return out;
    }

    /** Frees the device memory; closing twice is harmless. */
    @Override
    void close();

    /** Throws, naming {@code op} and {@code role}, unless {@code buffer} holds at least {@code count} floats. */
    static void requireHolds(String op, String role, DeviceBuffer buffer, long count) {
        if (count < 0) throw new IllegalArgumentException(op + ": negative size " + count);
        if (buffer.length() < count) {
            throw new IllegalArgumentException(op + ": " + role + " needs " + count + " floats but its buffer holds " + buffer.length());
        }
    }
}
