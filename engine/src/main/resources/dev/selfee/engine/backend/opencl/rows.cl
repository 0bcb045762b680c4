// Row kernels on a contiguous rows×cols matrix: one work-group per row, its work-items
// striding over the columns and combining partial results with REDUCE (reduce.cl).

// out[r] = softmax(x[r]) with the row maximum subtracted first; out may be x.
__kernel void softmax_rows(__global const float *x, const ulong xo, __global float *out, const ulong oo, const int cols,
                           __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    x += xo + base;
    out += oo + base;
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
__kernel void rms_norm_rows(__global const float *x, const ulong xo, __global const float *w, const ulong wo,
                            __global float *out, const ulong oo, const int cols, const float eps, __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    x += xo + base;
    out += oo + base;
    w += wo;
    float ss = 0.0f;
    for (int j = lid; j < cols; j += size) ss = fma(x[j], x[j], ss);
    scratch[lid] = ss;
    REDUCE(scratch, lid, size, PLUS)
    const float inv = 1.0f / sqrt(scratch[0] / cols + eps);
    for (int j = lid; j < cols; j += size) out[j] = x[j] * inv * w[j];
}

// Softmax's backward from its output y: dx = y * (dy - sum(dy * y)) per row; dx may be dy.
__kernel void softmax_rows_backward(__global const float *y, const ulong yo, __global const float *dy, const ulong dyo,
                                    __global float *dx, const ulong dxo, const int cols, __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    y += yo + base;
    dy += dyo + base;
    dx += dxo + base;
    float dot = 0.0f;
    for (int j = lid; j < cols; j += size) dot = fma(dy[j], y[j], dot);
    scratch[lid] = dot;
    REDUCE(scratch, lid, size, PLUS)
    dot = scratch[0];
    for (int j = lid; j < cols; j += size) dx[j] = y[j] * (dy[j] - dot);
}

// RMSNorm's backward for dx, one work-group per row; also stores the row's 1/rms in inv[row]
// for rms_norm_weight_grad. dx = inv * (dy*w - x * inv^2 * mean(dy*w*x)).
__kernel void rms_norm_rows_backward(__global const float *x, const ulong xo, __global const float *w, const ulong wo,
                                     __global const float *dy, const ulong dyo, __global float *dx, const ulong dxo,
                                     __global float *inv_out, const ulong io, const int cols, const float eps,
                                     __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    const size_t base = (size_t) get_group_id(0) * cols;
    x += xo + base;
    dy += dyo + base;
    dx += dxo + base;
    w += wo;
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
    if (lid == 0) inv_out[io + get_group_id(0)] = inv;
}

// RMSNorm's weight gradient, one work-item per column: dw[j] += sum_r dy[r][j] * x[r][j] * inv[r].
__kernel void rms_norm_weight_grad(__global const float *x, const ulong xo, __global const float *dy, const ulong dyo,
                                   __global const float *inv, const ulong io, __global float *dw, const ulong dwo,
                                   const int rows, const int cols) {
    const int j = get_global_id(0);
    if (j >= cols) return;
    float s = 0.0f;
    for (int r = 0; r < rows; r++) {
        const size_t at = (size_t) r * cols + j;
        s = fma(dy[dyo + at] * x[xo + at], inv[io + r], s);
    }
    dw[dwo + j] += s;
}

// out[r] = sum of row r.
__kernel void row_sums(__global const float *x, const ulong xo, __global float *out, const ulong oo, const int cols,
                       __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    x += xo + (size_t) get_group_id(0) * cols;
    float s = 0.0f;
    for (int j = lid; j < cols; j += size) s += x[j];
    scratch[lid] = s;
    REDUCE(scratch, lid, size, PLUS)
    if (lid == 0) out[oo + get_group_id(0)] = scratch[0];
}

__kernel void row_sums_of_squares(__global const float *x, const ulong xo, __global float *out, const ulong oo, const int cols,
                                  __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    x += xo + (size_t) get_group_id(0) * cols;
    float s = 0.0f;
    for (int j = lid; j < cols; j += size) s += x[j] * x[j];
    scratch[lid] = s;
    REDUCE(scratch, lid, size, PLUS)
    if (lid == 0) out[oo + get_group_id(0)] = scratch[0];
}

// Per row of logits: lse = log(sum(exp(x))), picked = w * (x[target] - lse); rows of weight 0
// get 0 and their target (perhaps an ignore index) is not read. Targets are floats holding ids.
__kernel void log_softmax_gather(__global const float *x, const ulong xo, __global const float *targets, const ulong to,
                                 __global const float *w, const ulong wo, __global float *lse, const ulong lo,
                                 __global float *picked, const ulong po, const int vocab, __local float *scratch) {
    const int lid = get_local_id(0), size = get_local_size(0), row = get_group_id(0);
    x += xo + (size_t) row * vocab;
    // every row is reduced, counted or not: a work-group must not leave before its barriers
    float m = -INFINITY;
    for (int j = lid; j < vocab; j += size) m = fmax(m, x[j]);
    scratch[lid] = m;
    REDUCE(scratch, lid, size, fmax)
    m = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    float s = 0.0f;
    for (int j = lid; j < vocab; j += size) s += exp(x[j] - m);
    scratch[lid] = s;
    REDUCE(scratch, lid, size, PLUS)
    if (lid == 0) {
        const float weight = w[wo + row];
        if (weight == 0.0f) {
            lse[lo + row] = picked[po + row] = 0.0f;
        } else {
            const float log_sum = log(scratch[0]);
            const int t = clamp((int) targets[to + row], 0, vocab - 1);
            lse[lo + row] = m + log_sum;
            picked[po + row] = weight * ((x[t] - m) - log_sum);
        }
    }
}

// Its backward, one work-item per logit (global: columns × rows):
// dx[r][j] += g * w[r] * ([j == target] - exp(x[r][j] - lse[r])), g = dpicked[r / rows_per_grad].
__kernel void log_softmax_gather_backward(__global const float *x, const ulong xo, __global const float *targets, const ulong to,
                                          __global const float *w, const ulong wo, __global const float *lse, const ulong lo,
                                          __global const float *dpicked, const ulong dpo, const int rows_per_grad,
                                          __global float *dx, const ulong dxo, const int vocab) {
    const int j = get_global_id(0), row = get_global_id(1);
    const float weight = w[wo + row];
    if (j >= vocab || weight == 0.0f) return;
    const float c = dpicked[dpo + row / rows_per_grad] * weight;
    const size_t at = (size_t) row * vocab + j;
    float d = -c * exp(x[xo + at] - lse[lo + row]);
    if (j == (int) targets[to + row]) d += c;
    dx[dxo + at] += d;
}

// The same written over the logits (global: columns × rows): each work-item reads its one logit
// and then overwrites it, so no work-item reads a value another has written; rows of weight 0 become zeros.
__kernel void log_softmax_gather_backward_in_place(__global float *x, const ulong xo, __global const float *targets, const ulong to,
                                                   __global const float *w, const ulong wo, __global const float *lse, const ulong lo,
                                                   __global const float *dpicked, const ulong dpo, const int rows_per_grad,
                                                   const int vocab) {
    const int j = get_global_id(0), row = get_global_id(1);
    if (j >= vocab) return;
    const size_t at = xo + (size_t) row * vocab + j;
    const float weight = w[wo + row];
    if (weight == 0.0f) {
        x[at] = 0.0f;
        return;
    }
    const float c = dpicked[dpo + row / rows_per_grad] * weight;
    float d = -c * exp(x[at] - lse[lo + row]);
    if (j == (int) targets[to + row]) d += c;
    x[at] = d;
}
