// C = alpha * op(A) * op(B) + beta * C on row-major matrices (see Backend.gemm).
//
// Each 16×16 work-group computes a TILE×TILE tile of C (TILE = 64 by default, 128 for large
// products on GPUs: build with -DTILE=128); each work-item a PER_ITEM×PER_ITEM block of it,
// spread with a stride of 16 so that neighbouring work-items touch neighbouring columns and
// read local memory without bank conflicts. The k loop stages TILE×16 slices of op(A) and
// op(B) in local memory; loads are laid out so that consecutive work-items read consecutive
// addresses whichever way A or B is transposed.

#ifndef TILE
#define TILE 64
#endif
#define TILE_M TILE
#define TILE_N TILE
#define TILE_K 16
#define GROUP 16                     /* work-group is GROUP × GROUP */
#define PER_ITEM (TILE / GROUP)      /* rows (and columns) of C per work-item */
#define THREADS (GROUP * GROUP)
#define LOADS ((TILE * TILE_K) / THREADS)

__kernel __attribute__((reqd_work_group_size(GROUP, GROUP, 1)))
void gemm(const int transA, const int transB, const int M, const int N, const int K,
          const float alpha, __global const float *A, const ulong aOff, const int lda,
          __global const float *B, const ulong bOff, const int ldb,
          const float beta, __global float *C, const ulong cOff, const int ldc) {
    // +1 column of padding: the transposed-layout stores below then hit distinct banks
    __local float As[TILE_K][TILE_M + 1];
    __local float Bs[TILE_K][TILE_N + 1];
    A += aOff;
    B += bOff;
    C += cOff;
    const int lx = get_local_id(0), ly = get_local_id(1);
    const int tid = ly * GROUP + lx;
    const int row0 = get_group_id(1) * TILE_M, col0 = get_group_id(0) * TILE_N;

    float acc[PER_ITEM][PER_ITEM];
    for (int r = 0; r < PER_ITEM; r++)
        for (int c = 0; c < PER_ITEM; c++) acc[r][c] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TILE_K) {
        for (int e = 0; e < LOADS; e++) {
            const int l = tid + e * THREADS;
            // op(A)[i][p]: stored A[i][p], or A[p][i] when transposed; read along the stored row
            int i, p;
            if (transA) { i = l % TILE_M; p = l / TILE_M; } else { p = l % TILE_K; i = l / TILE_K; }
            const int gi = row0 + i, gp = k0 + p;
            float av = 0.0f;
            if (gi < M && gp < K) av = transA ? A[(size_t) gp * lda + gi] : A[(size_t) gi * lda + gp];
            As[p][i] = av;
            // op(B)[p][j]: stored B[p][j], or B[j][p] when transposed
            int j;
            if (transB) { p = l % TILE_K; j = l / TILE_K; } else { j = l % TILE_N; p = l / TILE_N; }
            const int gj = col0 + j, gq = k0 + p;
            float bv = 0.0f;
            if (gj < N && gq < K) bv = transB ? B[(size_t) gj * ldb + gq] : B[(size_t) gq * ldb + gj];
            Bs[p][j] = bv;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        // fully unrolled so that acc, a and b live in registers
        #pragma unroll
        for (int p = 0; p < TILE_K; p++) {
            float a[PER_ITEM], b[PER_ITEM];
            #pragma unroll
            for (int r = 0; r < PER_ITEM; r++) a[r] = As[p][ly + r * GROUP];
            #pragma unroll
            for (int c = 0; c < PER_ITEM; c++) b[c] = Bs[p][lx + c * GROUP];
            #pragma unroll
            for (int r = 0; r < PER_ITEM; r++) {
                #pragma unroll
                for (int c = 0; c < PER_ITEM; c++) acc[r][c] = fma(a[r], b[c], acc[r][c]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int r = 0; r < PER_ITEM; r++) {
        const int i = row0 + ly + r * GROUP;
        if (i >= M) continue;
        for (int c = 0; c < PER_ITEM; c++) {
            const int j = col0 + lx + c * GROUP;
            if (j >= N) continue;
            __global float *out = C + (size_t) i * ldc + j;
            // beta == 0 overwrites without reading, so NaNs in C do not propagate (as in BLAS)
            *out = beta == 0.0f ? alpha * acc[r][c] : alpha * acc[r][c] + beta * *out;
        }
    }
}
