// Rotary position embedding (HF's rotate_half) on x [rows, heads * head_dim]: in each head the
// pair (x[i], x[i + half_dim]) turns by positions[r] * inv_freq[i]. One work-item per pair
// (global: half_dim × heads × rows). Positions are floats holding integers.

inline float2 rope_angle(__global const float *positions, const ulong po, __global const float *inv_freq, const ulong fo,
                         const int row, const int i) {
    const float angle = positions[po + row] * inv_freq[fo + i];   // fp32, as HF forms it
    float c;
    const float s = sincos(angle, &c);
    return (float2)(c, s);
}

// out may be x: each work-item reads its pair before writing it.
__kernel void rope(__global const float *x, const ulong xo, __global float *out, const ulong oo,
                   __global const float *positions, const ulong po, __global const float *inv_freq, const ulong fo,
                   const int heads, const int head_dim) {
    const int i = get_global_id(0), h = get_global_id(1), row = get_global_id(2), half_dim = head_dim / 2;
    if (i >= half_dim) return;
    const float2 cs = rope_angle(positions, po, inv_freq, fo, row, i);
    const size_t at = (size_t) row * heads * head_dim + h * head_dim + i;
    const float x1 = x[xo + at], x2 = x[xo + at + half_dim];
    out[oo + at] = x1 * cs.x - x2 * cs.y;
    out[oo + at + half_dim] = x2 * cs.x + x1 * cs.y;
}

// The backward adds dy turned by the negative angle to dx.
__kernel void rope_backward(__global const float *dy, const ulong dyo, __global float *dx, const ulong dxo,
                            __global const float *positions, const ulong po, __global const float *inv_freq, const ulong fo,
                            const int heads, const int head_dim) {
    const int i = get_global_id(0), h = get_global_id(1), row = get_global_id(2), half_dim = head_dim / 2;
    if (i >= half_dim) return;
    const float2 cs = rope_angle(positions, po, inv_freq, fo, row, i);
    const size_t at = (size_t) row * heads * head_dim + h * head_dim + i;
    const float g1 = dy[dyo + at], g2 = dy[dyo + at + half_dim];
    dx[dxo + at] += g1 * cs.x + g2 * cs.y;
    dx[dxo + at + half_dim] += g2 * cs.x - g1 * cs.y;
}
