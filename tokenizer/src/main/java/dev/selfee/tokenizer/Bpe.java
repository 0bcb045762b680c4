package dev.selfee.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of tokenizer.json, with HF's exact merge order: the pair of lowest rank merges first,
 * leftmost among equals, kept in a priority queue over a linked list of symbols (n log n per word).
 * Characters missing from the vocabulary become {@code <0xNN>} byte tokens (byte_fallback), or the
 * unknown token (consecutive ones fused with fuse_unk), or are dropped when there is no unknown token, as HF does.
 */
final class Bpe {
    /** HF caches words shorter than this many characters, up to this many words. */
    private static final int CACHE_WORD_LENGTH = 256, CACHE_SIZE = 10_000;

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int unkId;
    private final boolean fuseUnk, byteFallback, ignoreMerges;
    private final String prefix, suffix;
    /** id of each one-character BMP token, or -1 (speeds up the first step for words without prefix/suffix). */
    private final int[] charIds = new int[65536];
    /** id of {@code <0xNN>} for each byte, or -1. */
    private final int[] byteIds = new int[256];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(Map<String, Integer> vocab, MergeTable merges, String unkToken, boolean fuseUnk, boolean byteFallback,
        boolean ignoreMerges, String continuingSubwordPrefix, String endOfWordSuffix) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkToken == null || !vocab.containsKey(unkToken) ? -1 : vocab.get(unkToken);
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.prefix = continuingSubwordPrefix == null ? "" : continuingSubwordPrefix;
        this.suffix = endOfWordSuffix == null ? "" : endOfWordSuffix;
        Arrays.fill(charIds, -1);
        Arrays.fill(byteIds, -1);
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getKey().length() == 1) charIds[e.getKey().charAt(0)] = e.getValue();
        }
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.format("<0x%02X>", b)); // HF looks up format!("<{b:#04X}>")
            if (id != null) byteIds[b] = id;
        }
    }

    Map<String, Integer> vocab() {
        return vocab;
    }

    /** Appends the ids of one word. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int[] hit = cache.get(word);
        if (hit == null) {
            hit = mergeWord(word);
            if (word.length() < CACHE_WORD_LENGTH) {
                if (cache.size() >= CACHE_SIZE) cache.clear();
                cache.put(word, hit);
            }
        }
        out.addAll(hit);
    }

    private int[] mergeWord(String w) {
        int n = w.length();
        Symbols sym = new Symbols(n + 4);
        int pendingUnk = 0; // 0 none, else count of unknown characters waiting (fused into one when fuse_unk)
        boolean plain = prefix.isEmpty() && suffix.isEmpty();
        for (int i = 0; i < n; ) {
            int cp = w.codePointAt(i), len = Character.charCount(cp);
            boolean first = i == 0, last = i + len == n;
            int id;
            if (plain && len == 1) {
                id = charIds[cp];
            } else {
                String s = w.substring(i, i + len);
                if (!first) s = prefix + s;
                if (last) s = s + suffix;
                Integer v = vocab.get(s);
                id = v == null ? -1 : v;
            }
            i += len;
            if (id >= 0) {
                if (pendingUnk > 0) sym.add(unkId);
                pendingUnk = 0;
                sym.add(id);
                continue;
            }
            if (byteFallback && addBytes(cp, sym)) continue;
            if (unkId >= 0) {
                if (pendingUnk > 0 && !fuseUnk) sym.add(unkId);
                pendingUnk++;
            }
        }
        if (pendingUnk > 0) sym.add(unkId);
        sym.mergeAll(merges);
        return sym.ids();
    }

    /** The {@code <0xNN>} tokens of the character's UTF-8 bytes, all or none. */
    private boolean addBytes(int cp, Symbols sym) {
        byte[] bytes = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteIds[b & 0xFF] < 0) return false;
        for (byte b : bytes) sym.add(byteIds[b & 0xFF]);
        return true;
    }

    /** A word as a doubly linked list of symbols, merged pair by pair through a min-heap of (rank, position). */
    private static final class Symbols {
        int[] id, prev, next;
        boolean[] dead;
        int n;

        Symbols(int cap) {
            id = new int[cap];
            prev = new int[cap];
            next = new int[cap];
            dead = new boolean[cap];
        }

        void add(int tokenId) {
            if (n == id.length) {
                int c = n * 2;
                id = Arrays.copyOf(id, c);
                prev = Arrays.copyOf(prev, c);
                next = Arrays.copyOf(next, c);
                dead = Arrays.copyOf(dead, c);
            }
            id[n] = tokenId;
            prev[n] = n - 1;
            next[n] = n + 1;
            n++;
        }

        void mergeAll(MergeTable merges) {
            if (n < 2) return;
            Heap heap = new Heap(n);
            for (int i = 0; i + 1 < n; i++) {
                int slot = merges.find(id[i], id[i + 1]);
                if (slot >= 0) heap.append(((long) merges.rank(slot) << 32) | i, pair(id[i], id[i + 1]), merges.merged(slot));
            }
            heap.heapify();
            while (heap.size > 0) {
                long top = heap.keys[0], pushedPair = heap.pairs[0];
                int newId = heap.vals[0];
                heap.pop();
                int pos = (int) top;
                if (dead[pos]) continue;
                int right = next[pos];
                if (right >= n) continue;
                // an entry is expired unless the pair there still merges into the same token (HF's test); the
                // pair it was pushed for passes without a lookup
                if (pair(id[pos], id[right]) != pushedPair) {
                    int slot = merges.find(id[pos], id[right]);
                    if (slot < 0 || merges.merged(slot) != newId) continue;
                }
                id[pos] = newId;
                dead[right] = true;
                next[pos] = next[right];
                if (next[right] < n) prev[next[right]] = pos;
                if (prev[pos] >= 0) push(heap, merges, prev[pos], id[prev[pos]], id[pos]);
                if (next[pos] < n) push(heap, merges, pos, id[pos], id[next[pos]]);
            }
        }

        private static long pair(int left, int right) {
            return ((long) left << 32) | (right & 0xFFFFFFFFL);
        }

        private static void push(Heap heap, MergeTable merges, int pos, int left, int right) {
            int slot = merges.find(left, right);
            if (slot >= 0) heap.push(((long) merges.rank(slot) << 32) | pos, pair(left, right), merges.merged(slot));
        }

        int[] ids() {
            int count = 0;
            for (int i = 0; i < n; i++) if (!dead[i]) count++;
            int[] out = new int[count];
            for (int i = 0, k = 0; i < n; i++) if (!dead[i]) out[k++] = id[i];
            return out;
        }
    }

    /** A binary min-heap of (rank << 32 | position) keys, each with the pair and the merged id it was pushed for. */
    private static final class Heap {
        long[] keys, pairs;
        int[] vals;
        int size;

        Heap(int cap) {
            keys = new long[Math.max(cap, 4)];
            pairs = new long[keys.length];
            vals = new int[keys.length];
        }

        private void grow() {
            keys = Arrays.copyOf(keys, size * 2);
            pairs = Arrays.copyOf(pairs, size * 2);
            vals = Arrays.copyOf(vals, size * 2);
        }

        void push(long k, long p, int v) {
            if (size == keys.length) grow();
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (keys[parent] <= k) break;
                keys[i] = keys[parent];
                pairs[i] = pairs[parent];
                vals[i] = vals[parent];
                i = parent;
            }
            keys[i] = k;
            pairs[i] = p;
            vals[i] = v;
        }

        /** Adds without ordering; call {@link #heapify()} before popping. */
        void append(long k, long p, int v) {
            if (size == keys.length) grow();
            keys[size] = k;
            pairs[size] = p;
            vals[size++] = v;
        }

        /** Orders the heap bottom-up in linear time. */
        void heapify() {
            for (int i = (size >>> 1) - 1; i >= 0; i--) siftDown(i, keys[i], pairs[i], vals[i]);
        }

        void pop() {
            int last = --size;
            siftDown(0, keys[last], pairs[last], vals[last]);
        }

        private void siftDown(int i, long k, long p, int v) {
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && keys[c + 1] < keys[c]) c++;
                if (keys[c] >= k) break;
                keys[i] = keys[c];
                pairs[i] = pairs[c];
                vals[i] = vals[c];
                i = c;
            }
            keys[i] = k;
            pairs[i] = p;
            vals[i] = v;
        }
    }
}
