// Causal scaled-dot-product attention with grouped-query heads (see Backend.attention).
// q, out, dq: [batch, q_len, heads * hd]; k, v, dk, dv: [batch, k_cap, kv_heads * hd] of which
// the first k_len positions are attended (k_cap > k_len: a KV cache); mask [batch, k_len] or
// null (non-zero: a token); lse, delta: [batch, heads, q_len]. window > 0: a query at key
// position p sees keys j with p - window < j <= p (Mistral's sliding window).
//
// Probabilities are never stored: the forward keeps one log-sum-exp per query and every pass
// recomputes p = exp(score - lse). Work-groups own their outputs (a query row; a key row and
// its kv head), so gradients need no atomics and come out the same on every run.

// Scores are dot products of a row held in local memory with a row in global memory.
inline float dot_rows(__local const float *a, __global const float *b, const int n) {
    float s = 0.0f;
    for (int d = 0; d < n; d++) s = fma(a[d], b[d], s);
    return s;
}

// Whether key j of batch b is a token (mask null: all are).
#define SEEN(mask, j) (!(mask) || (mask)[j] != 0.0f)

// One work-group per (query i, head h, batch b); global {WG * q_len, heads, batch}.
// Pass 1 finds the log-sum-exp (each work-item an online max/sum over its strided keys,
// then combined); pass 2 sums p·v over blocks of WG keys, the work-items splitting head_dim.
__kernel void attention_forward(__global const float *q, const ulong qo, __global const float *k, const ulong ko,
                                __global const float *v, const ulong vo, __global const float *mask, const ulong mo,
                                __global float *out, const ulong oo, __global float *lse, const ulong lo,
                                const int q_len, const int k_len, const int k_cap, const int window, const int heads, const int kv_heads, const int hd,
                                const float scale, __local float *qrow, __local float *acc, __local float *p,
                                __local float *red) {
    const int i = get_group_id(0), h = get_group_id(1), b = get_group_id(2);
    const int lid = get_local_id(0), wg = get_local_size(0);
    const int qw = heads * hd, kw = kv_heads * hd, kvh = h / (heads / kv_heads);
    // keys [first, visible) are at or before query i and inside its sliding window (if any)
    const int visible = min(k_len, i + k_len - q_len + 1);
    const int first = window > 0 ? max(0, i + k_len - q_len - window + 1) : 0;
    q += qo + ((size_t) b * q_len + i) * qw + h * hd;
    out += oo + ((size_t) b * q_len + i) * qw + h * hd;
    k += ko + (size_t) b * k_cap * kw + kvh * hd;
    v += vo + (size_t) b * k_cap * kw + kvh * hd;
    if (mask) mask += mo + (size_t) b * k_len;
    for (int d = lid; d < hd; d += wg) {
        qrow[d] = q[d];
        acc[d] = 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);

    float m = -INFINITY, s = 0.0f;
    for (int j = first + lid; j < visible; j += wg) {
        if (!SEEN(mask, j)) continue;
        const float x = dot_rows(qrow, k + (size_t) j * kw, hd) * scale;
        if (x > m) {
            s = s * exp(m - x) + 1.0f;
            m = x;
        } else {
            s += exp(x - m);
        }
    }
    red[lid] = m;
    REDUCE(red, lid, wg, fmax)
    const float row_max = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    red[lid] = m == -INFINITY ? 0.0f : s * exp(m - row_max);
    REDUCE(red, lid, wg, PLUS)
    // a query that sees no key outputs zeros and lse -inf (so no gradient later); the work-group
    // still runs to the end, as work-groups must not leave before their barriers
    const float row_lse = row_max == -INFINITY ? -INFINITY : row_max + log(red[0]);
    const int keys = row_max == -INFINITY ? first : visible;

    for (int j0 = first; j0 < keys; j0 += wg) {
        const int j = j0 + lid;
        p[lid] = (j < visible && SEEN(mask, j)) ? exp(dot_rows(qrow, k + (size_t) j * kw, hd) * scale - row_lse) : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        const int n = min(wg, visible - j0);
        for (int d = lid; d < hd; d += wg) {
            float a = acc[d];
            for (int t = 0; t < n; t++) a = fma(p[t], v[(size_t) (j0 + t) * kw + d], a);
            acc[d] = a;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int d = lid; d < hd; d += wg) out[d] = acc[d];
    if (lid == 0) lse[lo + ((size_t) b * heads + h) * q_len + i] = row_lse;
}

// Backward, part 1, one work-group per query row as in the forward: delta = Σ_d dOut·out
// (= Σ_j p·dp), stored for part 2, and dq += scale · Σ_j p (dp - delta) k_j with dp = dOut·v_j.
__kernel void attention_backward_query(__global const float *q, const ulong qo, __global const float *k, const ulong ko,
                                       __global const float *v, const ulong vo, __global const float *mask, const ulong mo,
                                       __global const float *out, const ulong oo, __global const float *lse, const ulong lo,
                                       __global const float *dout, const ulong go, __global float *delta_out, const ulong deo,
                                       __global float *dq, const ulong dqo,
                                       const int q_len, const int k_len, const int k_cap, const int window, const int heads, const int kv_heads, const int hd,
                                       const float scale, __local float *qrow, __local float *grow, __local float *acc,
                                       __local float *ds, __local float *red) {
    const int i = get_group_id(0), h = get_group_id(1), b = get_group_id(2);
    const int lid = get_local_id(0), wg = get_local_size(0);
    const int qw = heads * hd, kw = kv_heads * hd, kvh = h / (heads / kv_heads);
    // keys [first, visible) are at or before query i and inside its sliding window (if any)
    const int visible = min(k_len, i + k_len - q_len + 1);
    const int first = window > 0 ? max(0, i + k_len - q_len - window + 1) : 0;
    const size_t row = ((size_t) b * q_len + i) * qw + h * hd, at = ((size_t) b * heads + h) * q_len + i;
    q += qo + row;
    out += oo + row;
    dout += go + row;
    k += ko + (size_t) b * k_cap * kw + kvh * hd;
    v += vo + (size_t) b * k_cap * kw + kvh * hd;
    if (mask) mask += mo + (size_t) b * k_len;
    const float row_lse = lse[lo + at];

    float dot = 0.0f;
    for (int d = lid; d < hd; d += wg) {
        qrow[d] = q[d];
        grow[d] = dout[d];
        acc[d] = 0.0f;
        dot = fma(dout[d], out[d], dot);
    }
    red[lid] = dot;
    REDUCE(red, lid, wg, PLUS)
    const float delta = red[0];
    if (lid == 0) delta_out[deo + at] = delta;
    // no early return (work-groups must reach every barrier): loop over no keys instead
    const int keys = (dq && row_lse != -INFINITY) ? visible : first;

    for (int j0 = first; j0 < keys; j0 += wg) {
        const int j = j0 + lid;
        float g = 0.0f;
        if (j < visible && SEEN(mask, j)) {
            const float pj = exp(dot_rows(qrow, k + (size_t) j * kw, hd) * scale - row_lse);
            g = pj * (dot_rows(grow, v + (size_t) j * kw, hd) - delta);
        }
        ds[lid] = g;
        barrier(CLK_LOCAL_MEM_FENCE);
        const int n = min(wg, visible - j0);
        for (int d = lid; d < hd; d += wg) {
            float a = acc[d];
            for (int t = 0; t < n; t++) a = fma(ds[t], k[(size_t) (j0 + t) * kw + d], a);
            acc[d] = a;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (dq) {
        for (int d = lid; d < hd; d += wg) dq[dqo + row + d] += scale * acc[d];
    }
}

// Backward, part 2, one work-group per (key j, kv head, batch); global {WG * k_len, kv_heads, batch}.
// Over the heads sharing the kv head and the queries that see key j (i >= j - (k_len - q_len), and
// i < j - (k_len - q_len) + window with a sliding window):
// dv_j += Σ p dOut_i, dk_j += scale · Σ p (dp - delta_i) q_i.
__kernel void attention_backward_key(__global const float *q, const ulong qo, __global const float *k, const ulong ko,
                                     __global const float *v, const ulong vo, __global const float *mask, const ulong mo,
                                     __global const float *lse, const ulong lo, __global const float *dout, const ulong go,
                                     __global const float *delta, const ulong deo, __global float *dk, const ulong dko,
                                     __global float *dv, const ulong dvo,
                                     const int q_len, const int k_len, const int k_cap, const int window, const int heads, const int kv_heads, const int hd,
                                     const float scale, __local float *krow, __local float *vrow, __local float *acck,
                                     __local float *accv, __local float *p, __local float *ds) {
    const int j = get_group_id(0), kvh = get_group_id(1), b = get_group_id(2);
    const int lid = get_local_id(0), wg = get_local_size(0);
    const int qw = heads * hd, kw = kv_heads * hd, group = heads / kv_heads;
    const bool padding = mask && mask[mo + (size_t) b * k_len + j] == 0.0f;   // no query sees it
    const size_t krow_at = ((size_t) b * k_cap + j) * kw + kvh * hd;
    for (int d = lid; d < hd; d += wg) {
        krow[d] = k[ko + krow_at + d];
        vrow[d] = v[vo + krow_at + d];
        acck[d] = 0.0f;
        accv[d] = 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    // the queries that see key j: [first, last), none for padding (no early return: work-groups reach every barrier)
    const int first = max(0, j - (k_len - q_len));
    const int last = padding ? first : window > 0 ? min(q_len, j - (k_len - q_len) + window) : q_len;
    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
        __global const float *qh = q + qo + (size_t) b * q_len * qw + h * hd;
        __global const float *gh = dout + go + (size_t) b * q_len * qw + h * hd;
        const size_t stats = ((size_t) b * heads + h) * q_len;
        for (int i0 = first; i0 < last; i0 += wg) {
            const int i = i0 + lid;
            float pi = 0.0f, g = 0.0f;
            if (i < last) {
                const float row_lse = lse[lo + stats + i];
                if (row_lse != -INFINITY) {
                    pi = exp(dot_rows(krow, qh + (size_t) i * qw, hd) * scale - row_lse);
                    g = pi * (dot_rows(vrow, gh + (size_t) i * qw, hd) - delta[deo + stats + i]);
                }
            }
            p[lid] = pi;
            ds[lid] = g;
            barrier(CLK_LOCAL_MEM_FENCE);
            const int n = min(wg, last - i0);
            for (int d = lid; d < hd; d += wg) {
                float a = accv[d], c = acck[d];
                for (int t = 0; t < n; t++) {
                    a = fma(p[t], gh[(size_t) (i0 + t) * qw + d], a);
                    c = fma(ds[t], qh[(size_t) (i0 + t) * qw + d], c);
                }
                accv[d] = a;
                acck[d] = c;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
    for (int d = lid; d < hd && !padding; d += wg) {
        if (dv) dv[dvo + krow_at + d] += accv[d];
        if (dk) dk[dko + krow_at + d] += scale * acck[d];
    }
}
