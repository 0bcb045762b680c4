package dev.selfee.tokenizer;

/**
 * BPE merges by token pair: (left id, right id) → (rank, merged id), in an open-addressing table without
 * boxing. Each key sits next to its value in one array, so a lookup touches one cache line.
 */
final class MergeTable {
    private static final long EMPTY = -1L;
    /** key at 2i, (rank << 32 | merged id) at 2i + 1. */
    private final long[] table;
    private final int mask;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected) * 2) * 2;
        table = new long[2 * cap];
        for (int i = 0; i < table.length; i += 2) table[i] = EMPTY;
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long k) {
        int i = (int) ((k * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        while (table[2 * i] != EMPTY && table[2 * i] != k) i = (i + 1) & mask;
        return i;
    }

    /** Adds or replaces (a later duplicate wins, as in HF's map). */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int i = slot(k);
        table[2 * i] = k;
        table[2 * i + 1] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** The slot of the pair, or -1 when the pair does not merge. */
    int find(int left, int right) {
        int i = slot(key(left, right));
        return table[2 * i] == EMPTY ? -1 : i;
    }

    int rank(int slot) {
        return (int) (table[2 * slot + 1] >>> 32);
    }

    int merged(int slot) {
        return (int) table[2 * slot + 1];
    }
}
