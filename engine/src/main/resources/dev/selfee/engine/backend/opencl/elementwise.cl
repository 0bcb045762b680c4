// Elementwise kernels over the first n floats; one work-item per element.

__kernel void add(__global const float *a, const ulong ao, __global const float *b, const ulong bo,
                  __global float *out, const ulong oo, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[oo + i] = a[ao + i] + b[bo + i];
}

__kernel void mul(__global const float *a, const ulong ao, __global const float *b, const ulong bo,
                  __global float *out, const ulong oo, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[oo + i] = a[ao + i] * b[bo + i];
}

__kernel void scale(__global const float *x, const ulong xo, const float s, __global float *out, const ulong oo, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[oo + i] = s * x[xo + i];
}

__kernel void fill(__global float *out, const ulong oo, const float value, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[oo + i] = value;
}

// SiLU (swish): x * sigmoid(x)
__kernel void silu(__global const float *x, const ulong xo, __global float *out, const ulong oo, const int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float v = x[xo + i];
        out[oo + i] = v / (1.0f + exp(-v));
    }
}

// SiLU's backward: dy * s * (1 + x * (1 - s)), s = sigmoid(x); dx may be dy
__kernel void silu_backward(__global const float *x, const ulong xo, __global const float *dy, const ulong dyo,
                            __global float *dx, const ulong dxo, const int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float v = x[xo + i];
        const float s = 1.0f / (1.0f + exp(-v));
        dx[dxo + i] = dy[dyo + i] * s * (1.0f + v * (1.0f - s));
    }
}

// The gated MLP activation silu(gate) * up.
__kernel void swiglu(__global const float *gate, const ulong go, __global const float *up, const ulong uo,
                     __global float *out, const ulong oo, const int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float a = gate[go + i];
        out[oo + i] = a * (1.0f / (1.0f + exp(-a))) * up[uo + i];
    }
}

// SwiGLU's backward, adding to the gradients: dgate += dy * up * silu'(gate), dup += dy * silu(gate).
// A null gradient is skipped.
__kernel void swiglu_backward(__global const float *gate, const ulong go, __global const float *up, const ulong uo,
                              __global const float *dy, const ulong dyo, __global float *dgate, const ulong dgo,
                              __global float *dup, const ulong duo, const int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float a = gate[go + i], d = dy[dyo + i];
        const float s = 1.0f / (1.0f + exp(-a));
        if (dgate) dgate[dgo + i] += d * up[uo + i] * (s * (1.0f + a * (1.0f - s)));
        if (dup) dup[duo + i] += d * a * s;
    }
}

// One AdamW step (see Backend.adamw); the host passes decay = 1 - lr*weight_decay,
// bc1 = 1 - beta1^step and sqrt_bc2 = sqrt(1 - beta2^step).
__kernel void adamw(__global float *p, const ulong po, __global const float *g, const ulong go,
                    __global float *m, const ulong mo, __global float *v, const ulong vo, const int n,
                    const float lr, const float beta1, const float beta2, const float eps, const float decay,
                    const float bc1, const float sqrt_bc2) {
    const int i = get_global_id(0);
    if (i < n) {
        const float gi = g[go + i];
        const float mi = beta1 * m[mo + i] + (1.0f - beta1) * gi;
        const float vi = beta2 * v[vo + i] + (1.0f - beta2) * gi * gi;
        m[mo + i] = mi;
        v[vo + i] = vi;
        p[po + i] = p[po + i] * decay - lr / bc1 * mi / (sqrt(vi) / sqrt_bc2 + eps);
    }
}
