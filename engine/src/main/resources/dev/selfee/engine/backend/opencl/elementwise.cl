// Elementwise kernels over the first n floats; one work-item per element.

__kernel void add(__global const float *a, __global const float *b, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = a[i] + b[i];
}

__kernel void mul(__global const float *a, __global const float *b, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = a[i] * b[i];
}

__kernel void scale(__global const float *x, const float s, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = s * x[i];
}

// SiLU (swish): x * sigmoid(x)
__kernel void silu(__global const float *x, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float v = x[i];
        out[i] = v / (1.0f + exp(-v));
    }
}

// SiLU's backward: dy * s * (1 + x * (1 - s)), s = sigmoid(x); dx may be dy
__kernel void silu_backward(__global const float *x, __global const float *dy, __global float *dx, const int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float v = x[i];
        const float s = 1.0f / (1.0f + exp(-v));
        dx[i] = dy[i] * s * (1.0f + v * (1.0f - s));
    }
}

// One AdamW step (see Backend.adamw); the host passes decay = 1 - lr*weight_decay,
// bc1 = 1 - beta1^step and sqrt_bc2 = sqrt(1 - beta2^step).
__kernel void adamw(__global float *p, __global const float *g, __global float *m, __global float *v, const int n,
                    const float lr, const float beta1, const float beta2, const float eps, const float decay,
                    const float bc1, const float sqrt_bc2) {
    const int i = get_global_id(0);
    if (i < n) {
        const float gi = g[i];
        const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - lr / bc1 * mi / (sqrt(vi) / sqrt_bc2 + eps);
    }
}
