package dev.selfee.engine.backend.cpu;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/** A {@link DeviceBuffer} of the CPU backend: a heap array, so "transfers" are array copies. */
final class CpuBuffer implements DeviceBuffer {
    private final CpuBackend backend;
    private float[] data;

    CpuBuffer(CpuBackend backend, int length) {
        this.backend = backend;
        this.data = new float[length];
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long length() {
        return array().length;
    }

    /** The storage kernels work on; throws once closed. */
    float[] array() {
        if (data == null) throw new IllegalStateException("cpu buffer used after close()");
        return data;
    }

    @Override
    public void write(long at, float[] src, int srcOff, int count) {
        float[] d = array();
        Objects.checkFromIndexSize(srcOff, count, src.length);
        Objects.checkFromIndexSize(at, count, d.length);
        System.arraycopy(src, srcOff, d, (int) at, count);
    }

    @Override
    public void write(long at, MemorySegment src) {
        float[] d = array();
        long count = src.byteSize() / Float.BYTES;
        Objects.checkFromIndexSize(at, count, d.length);
        MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, 0, d, (int) at, (int) count);
    }

    @Override
    public void read(long at, float[] dst, int dstOff, int count) {
        float[] d = array();
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        Objects.checkFromIndexSize(at, count, d.length);
        System.arraycopy(d, (int) at, dst, dstOff, count);
    }

    @Override
    public void close() {
        data = null;
    }
}
