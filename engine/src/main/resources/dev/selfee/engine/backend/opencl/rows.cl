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

// Softmax's backward from its output y: dx = y * (dy - sum(dy * y)) per row; dx may be dy.
__kernel void softmax_rows_backward(__global const float *y, __global const float *dy, __global float *dx, const int cols,
                                    __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    y += base;
    dy += base;
    dx += base;
    float dot = 0.0f;
    for (int j = lid; j < cols; j += size) dot = fma(dy[j], y[j], dot);
    scratch[lid] = dot;
    REDUCE(scratch, lid, size, PLUS)
    dot = scratch[0];
    for (int j = lid; j < cols; j += size) dx[j] = y[j] * (dy[j] - dot);
}

// RMSNorm's backward for dx, one work-group per row; also stores the row's 1/rms in inv[row]
// for rms_norm_weight_grad. dx = inv * (dy*w - x * inv^2 * mean(dy*w*x)).
__kernel void rms_norm_rows_backward(__global const float *x, __global const float *w, __global const float *dy,
                                     __global float *dx, __global float *inv_out, const int cols, const float eps,
                                     __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    x += base;
    dy += base;
    dx += base;
    float ss = 0.0f;
    for (int j = lid; j < cols; j += size) ss = fma(x[j], x[j], ss);
    scratch[lid] = ss;
    REDUCE(scratch, lid, size, PLUS)
    const float inv = 1.0f / sqrt(scratch[0] / cols + eps);
    barrier(CLK_LOCAL_MEM_FENCE);   // everyone has read scratch[0] before it is reused
    float dot = 0.0f;
    for (int j = lid; j < cols; j += size) dot = fma(dy[j] * w[j], x[j], dot);
    scratch[lid] = dot;
    REDUCE(scratch, lid, size, PLUS)
    const float c = inv * inv * scratch[0] / cols;
    for (int j = lid; j < cols; j += size) dx[j] = inv * (dy[j] * w[j] - x[j] * c);
    if (lid == 0) inv_out[get_group_id(0)] = inv;
}

// RMSNorm's weight gradient, one work-item per column: dw[j] += sum_r dy[r][j] * x[r][j] * inv[r].
__kernel void rms_norm_weight_grad(__global const float *x, __global const float *dy, __global const float *inv,
                                   __global float *dw, const int rows, const int cols) {
    const int j = get_global_id(0);
    if (j >= cols) return;
    float s = 0.0f;
    for (int r = 0; r < rows; r++) {
        const size_t at = (size_t) r * cols + j;
        s = fma(dy[at] * x[at], inv[r], s);
    }
    dw[j] += s;
}
