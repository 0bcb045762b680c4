// Strided copy: block r of cols floats from src + r * srcStride to dst + r * dstStride
// (global: cols × rows), one work-item per float.
__kernel void copy_rows(__global const float *src, const ulong so, const ulong srcStride,
                        __global float *dst, const ulong dso, const ulong dstStride, const int cols) {
    const int j = get_global_id(0);
    if (j >= cols) return;
    const size_t r = get_global_id(1);
    dst[dso + r * dstStride + j] = src[so + r * srcStride + j];
}
