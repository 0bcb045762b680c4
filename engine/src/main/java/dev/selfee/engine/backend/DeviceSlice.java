package dev.selfee.engine.backend;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A window onto a {@link DeviceBuffer} (see {@link DeviceBuffer#slice}): floats
 * {@code [offset .. offset+length)} of its base buffer, never itself a slice. Backends resolve
 * it with {@link #base} and {@link #offset} and add the offset to the kernel's own.
 */
public final class DeviceSlice implements DeviceBuffer {
    private final DeviceBuffer base;
    private final long offset, length;

    DeviceSlice(DeviceBuffer of, long offset, long length) {
        if (of instanceof DeviceSlice s) {
            this.base = s.base;
            this.offset = s.offset + offset;
        } else {
            this.base = of;
            this.offset = offset;
        }
        this.length = length;
    }

    /** The buffer that owns the memory. */
    public static DeviceBuffer base(DeviceBuffer buffer) {
        return buffer instanceof DeviceSlice s ? s.base : buffer;
    }

    /** Where {@code buffer} starts in its {@link #base}, in floats (0 for a buffer that is not a slice). */
    public static long offset(DeviceBuffer buffer) {
        return buffer instanceof DeviceSlice s ? s.offset : 0;
    }

    @Override
    public Backend backend() {
        return base.backend();
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void write(long at, float[] src, int srcOff, int count) {
        Objects.checkFromIndexSize(at, count, length);
        base.write(offset + at, src, srcOff, count);
    }

    @Override
    public void write(long at, MemorySegment src) {
        Objects.checkFromIndexSize(at, src.byteSize() / Float.BYTES, length);
        base.write(offset + at, src);
    }

    @Override
    public void read(long at, float[] dst, int dstOff, int count) {
        Objects.checkFromIndexSize(at, count, length);
        base.read(offset + at, dst, dstOff, count);
    }

    /** Frees nothing: the base buffer owns the memory. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "slice [" + offset + ", " + (offset + length) + ") of " + base;
    }
}
