// Row kernels on a contiguous rows×cols matrix: one work-group per row, its work-items
// striding over the columns and combining partial results with a tree reduction in local
// memory (the work-group size is a power of two).

// Reduces scratch[0..size) into scratch[0] with op; every work-item gets the result.
#define REDUCE(scratch, lid, size, op)                                        \
    for (int stride = (size) / 2; stride > 0; stride /= 2) {                  \
        barrier(CLK_LOCAL_MEM_FENCE);                                         \
        if ((lid) < stride) scratch[lid] = op(scratch[lid], scratch[(lid) + stride]); \
    }                                                                         \
    barrier(CLK_LOCAL_MEM_FENCE);

#define PLUS(a, b) ((a) + (b))

// out[r] = softmax(x[r]) with the row maximum subtracted first; out may be x.
__kernel void softmax_rows(__global const float *x, __global float *out, const int cols, __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    x += base;
    out += base;
    float m = -INFINITY;
    for (int j = lid; j < cols; j += size) m = fmax(m, x[j]);
    scratch[lid] = m;
    REDUCE(scratch, lid, size, fmax)
    m = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);   // everyone has read scratch[0] before it is reused
    float s = 0.0f;
    for (int j = lid; j < cols; j += size) {
        const float e = exp(x[j] - m);
        out[j] = e;
        s += e;
    }
    scratch[lid] = s;
    REDUCE(scratch, lid, size, PLUS)
    const float inv = 1.0f / scratch[0];
    for (int j = lid; j < cols; j += size) out[j] *= inv;
}

// out[r][j] = x[r][j] / sqrt(mean(x[r]^2) + eps) * w[j] (Llama's RMSNorm); out may be x.
__kernel void rms_norm_rows(__global const float *x, __global const float *w, __global float *out, const int cols,
                            const float eps, __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    x += base;
    out += base;
    float ss = 0.0f;
    for (int j = lid; j < cols; j += size) ss = fma(x[j], x[j], ss);
    scratch[lid] = ss;
    REDUCE(scratch, lid, size, PLUS)
    const float inv = 1.0f / sqrt(scratch[0] / cols + eps);
    for (int j = lid; j < cols; j += size) out[j] = x[j] * inv * w[j];
}
