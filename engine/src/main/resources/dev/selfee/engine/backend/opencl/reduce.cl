// Shared by the kernels whose work-group combines partial results (its size a power of two).
// Such kernels never return before a barrier, even when the whole work-group would: every
// work-item must reach every barrier, and PoCL hangs otherwise. They loop over nothing instead.
//
// Every __global buffer argument of the kernels is followed by its offset in floats
// (a ulong), so the host can pass slices of larger buffers.

// Reduces scratch[0..size) into scratch[0] with op; every work-item gets the result.
#define REDUCE(scratch, lid, size, op)                                        \
    for (int stride = (size) / 2; stride > 0; stride /= 2) {                  \
        barrier(CLK_LOCAL_MEM_FENCE);                                         \
        if ((lid) < stride) scratch[lid] = op(scratch[lid], scratch[(lid) + stride]); \
    }                                                                         \
    barrier(CLK_LOCAL_MEM_FENCE);

#define PLUS(a, b) ((a) + (b))
