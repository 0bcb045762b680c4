package dev.selfee.engine.model.device;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;

/**
 * Keys and values of every layer on the device for decoding with a {@link DeviceLlama}: per layer
 * [batch, capacity, kvHeads * headDim] each, filled position by position; the attention kernel
 * reads the first positions of each row ({@link dev.selfee.engine.backend.AttentionShape#keyCapacity}).
 * Also holds the key mask [batch, positions so far] it is read with.
 */
public final class DeviceKvCache implements AutoCloseable {
    final int batch, capacity, width;
    final DeviceBuffer[] keys, values;
    final DeviceBuffer mask;

    DeviceKvCache(Backend be, int layers, int batch, int capacity, int width) {
        if (batch <= 0 || capacity <= 0) throw new IllegalArgumentException("kv cache: batch and capacity must be positive, got " + batch + ", " + capacity);
        this.batch = batch;
        this.capacity = capacity;
        this.width = width;
        keys = new DeviceBuffer[layers];
        values = new DeviceBuffer[layers];
        long floats = (long) batch * capacity * width;
        for (int l = 0; l < layers; l++) {
            keys[l] = be.allocate(floats);
            values[l] = be.allocate(floats);
        }
        mask = be.allocate((long) batch * capacity);
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : keys) b.close();
        for (DeviceBuffer b : values) b.close();
        mask.close();
    }
}
