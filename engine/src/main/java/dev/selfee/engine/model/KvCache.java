package dev.selfee.engine.model;

import dev.selfee.engine.Tensor;

/**
 * Keys (after RoPE) and values of every layer for a batch being decoded: per layer two dense
 * [batch, capacity, kvHeads * headDim] tensors, allocated once for the whole generation.
 */
final class KvCache {
    private final Tensor[] keys, values;
    private final int batch, capacity, width;

    KvCache(int layers, int batch, int capacity, int width) {
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.batch = batch;
        this.capacity = capacity;
        this.width = width;
        for (int l = 0; l < layers; l++) {
            keys[l] = Tensor.zeros(batch, capacity, width);
            values[l] = Tensor.zeros(batch, capacity, width);
        }
    }

    int capacity() {
        return capacity;
    }

    /** Stores k and v [batch, seq, width] of layer l at positions [start, start + seq). */
    void write(int l, int start, Tensor k, Tensor v) {
        int seq = k.dim(1);
        if (start + seq > capacity) throw new IllegalStateException("KV cache of " + capacity + " positions is full");
        for (int b = 0; b < batch; b++) {
            int dst = (b * capacity + start) * width, src = b * seq * width;
            System.arraycopy(k.data(), k.offset() + src, keys[l].data(), dst, seq * width);
            System.arraycopy(v.data(), v.offset() + src, values[l].data(), dst, seq * width);
        }
    }

    /** A cache holding only the given batch rows of this one, in that order. */
    KvCache select(int[] rows) {
        KvCache c = new KvCache(keys.length, rows.length, capacity, width);
        int row = capacity * width;
        for (int l = 0; l < keys.length; l++) {
            for (int j = 0; j < rows.length; j++) {
                System.arraycopy(keys[l].data(), rows[j] * row, c.keys[l].data(), j * row, row);
                System.arraycopy(values[l].data(), rows[j] * row, c.values[l].data(), j * row, row);
            }
        }
        return c;
    }

    Tensor keys(int l) {
        return keys[l];
    }

    Tensor values(int l) {
        return values[l];
    }
}
