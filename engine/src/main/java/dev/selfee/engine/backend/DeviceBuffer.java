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

    /**
     * A window of {@code length} floats of this buffer from {@code offset} on, sharing its memory:
     * kernels and transfers take it wherever they take a buffer, so ops can work on views
     * (one row block, one parameter of a packed arena). Closing a slice frees nothing.
     */
    default DeviceBuffer slice(long offset, long length) {
        java.util.Objects.checkFromIndexSize(offset, length, length());
        return new DeviceSlice(this, offset, length);
    }

    /** Frees the device memory; closing twice is harmless. */
    @Override
    void close();

    /** Throws, naming {@code op} and {@code role}, unless {@code buffer} holds at least {@code count} floats. */
    /** Checks the arguments of a strided {@link Backend#copyRows} on one side, naming {@code op} and {@code role} on failure. */
    static void requireRows(String op, String role, DeviceBuffer buffer, long offset, long stride, int rows, int cols) {
        if (offset < 0 || stride < 0 || rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": " + role + " offset " + offset + ", stride " + stride + ", rows " + rows
                    + " and cols " + cols + " must be >= 0");
        }
        if (rows > 0 && cols > 0) requireHolds(op + " (" + rows + " rows of " + cols + ", stride " + stride + ", offset " + offset + ")",
                role, buffer, offset + (rows - 1) * stride + cols);
    }

    static void requireHolds(String op, String role, DeviceBuffer buffer, long count) {
        if (count < 0) throw new IllegalArgumentException(op + ": negative size " + count);
        if (buffer.length() < count) {
            throw new IllegalArgumentException(op + ": " + role + " needs " + count + " floats but its buffer holds " + buffer.length());
        }
    }
}
