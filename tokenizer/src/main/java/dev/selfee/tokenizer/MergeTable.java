package dev.selfee.tokenizer;

import java.util.Arrays;

/** BPE merges by token pair: (left id, right id) → (rank, merged id), in an open-addressing table without boxing. */
final class MergeTable {
    private final long[] keys;
    private final int[] ranks, merged;
    private final int mask;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected) * 2) * 2;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
        ranks = new int[cap];
        merged = new int[cap];
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        int i = (int) (h >>> 40) & mask;
        while (keys[i] != -1L && keys[i] != k) i = (i + 1) & mask;
        return i;
    }

    /** Adds or replaces (a later duplicate wins, as in HF's map). */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int i = slot(k);
        keys[i] = k;
        ranks[i] = rank;
        merged[i] = mergedId;
    }

    /** The slot of the pair, or -1 when the pair does not merge. */
    int find(int left, int right) {
        int i = slot(key(left, right));
        return keys[i] == -1L ? -1 : i;
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int merged(int slot) {
        return merged[slot];
    }
}
