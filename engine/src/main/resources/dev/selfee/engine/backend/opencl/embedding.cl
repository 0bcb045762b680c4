// Embedding gather and its deterministic scatter-add. Ids are floats holding integers.

// out[r] = table[ids[r]], one work-item per float (global: dim × count).
__kernel void embedding(__global const float *table, const ulong to, __global const float *ids, const ulong io,
                        __global float *out, const ulong oo, const int vocab, const int dim) {
    const int d = get_global_id(0), r = get_global_id(1);
    if (d >= dim) return;
    const int id = (int) ids[io + r];
    out[oo + (size_t) r * dim + d] = (id >= 0 && id < vocab) ? table[to + (size_t) id * dim + d] : 0.0f;
}

// Links the rows that share an id, one work-item per row: next[r] = the next row with r's id
// (-1: none), first[r] = 1 when no earlier row has it. links holds next then first.
__kernel void embedding_links(__global const float *ids, const ulong io, __global float *links, const ulong lo, const int count) {
    const int r = get_global_id(0);
    if (r >= count) return;
    ids += io;
    const float id = ids[r];
    int next = -1;
    for (int s = r + 1; s < count; s++) {
        if (ids[s] == id) { next = s; break; }
    }
    int first = 1;
    for (int s = 0; s < r; s++) {
        if (ids[s] == id) { first = 0; break; }
    }
    links[lo + r] = (float) next;
    links[lo + count + r] = (float) first;
}

// dtable[id] += dy[r] for the rows r of each id in increasing order: the first row of an id
// owns its table row and walks the chain, so there are no races and no atomics
// (global: dim × count).
__kernel void embedding_backward(__global const float *dy, const ulong dyo, __global const float *ids, const ulong io,
                                 __global const float *links, const ulong lo, __global float *dtable, const ulong to,
                                 const int count, const int vocab, const int dim) {
    const int d = get_global_id(0), r = get_global_id(1);
    links += lo;
    if (d >= dim || links[count + r] == 0.0f) return;
    const int id = (int) ids[io + r];
    if (id < 0 || id >= vocab) return;
    __global float *cell = dtable + to + (size_t) id * dim + d;
    float acc = *cell;
    for (int s = r; s >= 0; s = (int) links[s]) acc += dy[dyo + (size_t) s * dim + d];
    *cell = acc;
}
