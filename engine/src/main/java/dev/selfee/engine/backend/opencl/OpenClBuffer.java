package dev.selfee.engine.backend.opencl;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * A {@code cl_mem} of fp32 values. {@link #close()} releases it; a buffer that becomes
 * unreachable without being closed is released by a {@link Cleaner}, so leaks are bounded.
 */
final class OpenClBuffer implements DeviceBuffer {
    private static final Cleaner CLEANER = Cleaner.create();

    private final OpenClBackend backend;
    private final long length;
    private final Cleaner.Cleanable cleanable;
    private volatile MemorySegment mem;

    OpenClBuffer(OpenClBackend backend, MemorySegment mem, long length) {
        this.backend = backend;
        this.mem = mem;
        this.length = length;
        OpenCl cl = backend.cl();
        this.cleanable = CLEANER.register(this, () -> cl.releaseBuffer(mem));
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long length() {
        return length;
    }

    /** The handle kernels take; throws once closed. */
    MemorySegment mem() {
        MemorySegment m = mem;
        if (m == null) throw new IllegalStateException("opencl buffer used after close()");
        return m;
    }

    @Override
    public void write(long at, float[] src, int srcOff, int count) {
        Objects.checkFromIndexSize(srcOff, count, src.length);
        Objects.checkFromIndexSize(at, count, length);
        backend.write(mem(), at, src, srcOff, count);
    }

    @Override
    public void write(long at, MemorySegment src) {
        long count = src.byteSize() / Float.BYTES;
        Objects.checkFromIndexSize(at, count, length);
        backend.write(mem(), at, src.asSlice(0, count * Float.BYTES));
    }

    @Override
    public void read(long at, float[] dst, int dstOff, int count) {
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        Objects.checkFromIndexSize(at, count, length);
        backend.read(mem(), at, dst, dstOff, count);
    }

    @Override
    public void close() {
        if (mem != null) {
            mem = null;
            cleanable.clean();
        }
    }
}
