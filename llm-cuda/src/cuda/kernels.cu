// The canonical kernels for CUDA: the same operations in the same order as the CPU engine's scalar
// reference (kernels/scalar.rs, math.rs, quant.rs, model.rs), so every output has the same bits.
//
// Rules, as in ARCHITECTURE.md: every floating-point operation is an explicitly rounded intrinsic
// (__fadd_rn, __fmul_rn, __fdiv_rn, __fsqrt_rn — never contracted into an FMA, and compiled with
// --fmad=false besides); integer block dots are exact (dp4a); each output element is reduced in the
// CPU's order (lane b % 8 accumulates blocks b, b+8, … in order, then the fixed tree
// ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7))); no hardware approximations; constants come from the CPU
// (the header the host prepends defines them from the bits of the Rust constants).
//
// Layouts on the device are natural (a block's 32 values contiguous): where bytes live never
// changes a value. Weights: qs (16 bytes per Q4 block, 32 per Q8 block), d and m widened to f32 on
// the host (exact), described by a `Mat` in device memory. Activations: Q8 blocks (q[32], d,
// s = d·Σq, isum = Σq) per token, next to the f32 values (F32 matrices read those).
//
// Fusion (fewer launches per token, the same operations per output): the RMSNorm quantises its
// output for the matrices that read it; one launch computes several products of one input (Q, K
// and V); the gate and up products meet in the SwiGLU; a residual is added in the epilogue of the
// product that feeds it; RoPE writes the keys and values into the cache. The first position of a
// batch is read from device memory, so one captured decode step (a CUDA graph) serves every
// position.

// Provided by the host-generated header: EXP_HI, EXP_LO, LOG2E, LN2_HI, LN2_LO, EXP_P0..EXP_P5,
// MAGIC (1.5·2^23, for round-half-even), all as __int_as_float(bits).

#define QK 32
#define FULL 0xffffffffu

// A weight matrix on the device (the host writes these as six 64-bit words).
struct Mat {
    const unsigned char* qs;  // Q4: 16 bytes per block; Q8: 32
    const float* d;           // block scales
    const float* m;           // Q4_1 block minimums
    const float* w;           // F32 values, row-major
    int rows;
    int cols;
    int kind;  // 0 = Q4_1, 1 = Q4_0, 2 = Q8_0, 3 = F32
    int pad;
};

__device__ __forceinline__ float tree8(const float l[8]) {
    return __fadd_rn(__fadd_rn(__fadd_rn(l[0], l[4]), __fadd_rn(l[2], l[6])),
                     __fadd_rn(__fadd_rn(l[1], l[5]), __fadd_rn(l[3], l[7])));
}

// tree8 across the eight lanes of an aligned group (lane j holding l_j), every lane of the warp
// taking part; the sum is valid in lane j = 0: ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
__device__ __forceinline__ float lanes8_tree(float l) {
    float s4 = __fadd_rn(l, __shfl_down_sync(FULL, l, 4, 8));
    float s2 = __fadd_rn(s4, __shfl_down_sync(FULL, s4, 2, 8));
    return __fadd_rn(s2, __shfl_down_sync(FULL, s2, 1, 8));
}

// math::dot: lane i % 8 accumulates a[i]·b[i] (multiply, then add) in order; then tree8.
__device__ __forceinline__ float canon_dot(const float* __restrict__ a, const float* __restrict__ b, int n) {
    float l[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < n; i++) l[i & 7] = __fadd_rn(l[i & 7], __fmul_rn(a[i], b[i]));
    return tree8(l);
}

// math::exp
__device__ __forceinline__ float canon_exp(float x) {
    if (isnan(x)) return x;
    if (x >= EXP_HI) return __int_as_float(0x7f800000);
    if (x <= EXP_LO) return 0.0f;
    float k = __fsub_rn(__fadd_rn(__fmul_rn(x, LOG2E), MAGIC), MAGIC);
    float r = __fsub_rn(__fsub_rn(x, __fmul_rn(k, LN2_HI)), __fmul_rn(k, LN2_LO));
    float z = __fmul_rn(r, r);
    float p = EXP_P0;
    p = __fadd_rn(__fmul_rn(p, r), EXP_P1);
    p = __fadd_rn(__fmul_rn(p, r), EXP_P2);
    p = __fadd_rn(__fmul_rn(p, r), EXP_P3);
    p = __fadd_rn(__fmul_rn(p, r), EXP_P4);
    p = __fadd_rn(__fmul_rn(p, r), EXP_P5);
    float y = __fadd_rn(__fadd_rn(__fmul_rn(p, z), r), 1.0f);
    float scale = __int_as_float(((int)k + 127) << 23);
    return __fmul_rn(y, scale);
}

// math::silu
__device__ __forceinline__ float canon_silu(float x) {
    return __fdiv_rn(x, __fadd_rn(1.0f, canon_exp(-x)));
}

// quant::quantize_block for one block of 32 values, by a whole warp (lane k: element k). The
// maximum of |x| is exact in any order (starting from 0 and ignoring NaN, as the CPU's fold of
// f32::max does); so is the sum of the integers.
__device__ __forceinline__ void quantize_block_warp(const float* xb, int lane, signed char* q,
                                                    float* d, float* s, int* isum) {
    float v = xb[lane];
    float a = fmaxf(0.0f, fabsf(v));
    for (int o = 16; o > 0; o >>= 1) a = fmaxf(a, __shfl_xor_sync(FULL, a, o));
    float dd = __fdiv_rn(a, 127.0f);
    float id = a == 0.0f ? 0.0f : __fdiv_rn(127.0f, a);
    float r = __fsub_rn(__fadd_rn(__fmul_rn(v, id), MAGIC), MAGIC);
    int qv;
    if (isnan(r)) {
        qv = 0;  // Rust: NaN as i8 == 0
    } else {
        r = r < -127.0f ? -127.0f : (r > 127.0f ? 127.0f : r);
        qv = (int)r;
    }
    q[lane] = (signed char)qv;
    int sum = qv;
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(FULL, sum, o);
    if (lane == 0) {
        *d = dd;
        *isum = sum;
        *s = __fmul_rn(dd, (float)sum);
    }
}

// Quantises `nblocks` blocks of 32 values: one warp per block (launch nblocks · 32 threads, in
// blocks of a multiple of 32, so warps past the end leave whole).
extern "C" __global__ void quantize_q8(const float* __restrict__ x, int nblocks,
                                       signed char* __restrict__ q, float* __restrict__ d,
                                       float* __restrict__ s, int* __restrict__ isum) {
    long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= nblocks) return;
    quantize_block_warp(x + warp * QK, lane, q + warp * QK, d + warp, s + warp, isum + warp);
}

// model::add_norm without the residual (the products add theirs in their epilogue):
// y = (x · (1 / sqrt(Σx²/n + eps))) · w, Σx² as math::dot (lane i % 8 in order, then tree8); then,
// when q is not null, y quantised for the matrices that read it. One CUDA block per row (a
// multiple of 32 threads).
extern "C" __global__ void rms_norm_q8(const float* __restrict__ x, const float* __restrict__ w,
                                       float eps, int n, float* __restrict__ y,
                                       signed char* __restrict__ q, float* __restrict__ d,
                                       float* __restrict__ s, int* __restrict__ isum) {
    int row = blockIdx.x;
    const float* xr = x + (size_t)row * n;
    float* yr = y + (size_t)row * n;
    __shared__ float inv_shared;
    if (threadIdx.x < 32) {
        int lane = threadIdx.x;
        float l = 0.0f;
        if (lane < 8) {
            for (int i = lane; i < n; i += 8) l = __fadd_rn(l, __fmul_rn(xr[i], xr[i]));
        }
        float ss = lanes8_tree(l);
        if (lane == 0) {
            inv_shared = __fdiv_rn(1.0f, __fsqrt_rn(__fadd_rn(__fdiv_rn(ss, (float)n), eps)));
        }
    }
    __syncthreads();
    float inv = inv_shared;
    for (int i = threadIdx.x; i < n; i += blockDim.x) yr[i] = __fmul_rn(__fmul_rn(xr[i], inv), w[i]);
    if (q == nullptr) return;
    __syncthreads();
    int nb = n / QK, warps = blockDim.x >> 5, lane = threadIdx.x & 31;
    for (int b = threadIdx.x >> 5; b < nb; b += warps) {
        size_t g = (size_t)row * nb + b;
        quantize_block_warp(yr + b * QK, lane, q + g * QK, d + g, s + g, isum + g);
    }
}

// The exact integer dot of a Q4 block (16 bytes: low nibbles elements 0..15, high 16..31) with a
// Q8 block.
__device__ __forceinline__ int q4_isum(const unsigned char* __restrict__ w, const signed char* __restrict__ x) {
    int acc = 0;
    for (int c = 0; c < 4; c++) {
        int word = *(const int*)(w + 4 * c);
        int lo = word & 0x0f0f0f0f;
        int hi = (word >> 4) & 0x0f0f0f0f;
        acc = __dp4a(lo, *(const int*)(x + 4 * c), acc);
        acc = __dp4a(hi, *(const int*)(x + 16 + 4 * c), acc);
    }
    return acc;
}

__device__ __forceinline__ int q8_isum(const signed char* __restrict__ w, const signed char* __restrict__ x) {
    int acc = 0;
    for (int c = 0; c < 8; c++) {
        acc = __dp4a(*(const int*)(w + 4 * c), *(const int*)(x + 4 * c), acc);
    }
    return acc;
}

// Quantised (or, for F32 weights, plain) input vectors.
struct Acts {
    const signed char* q;
    const float* d;
    const float* s;
    const int* isum;
    const float* x;
};

// Lane lane8's part of row r · token tok: blocks lane8, lane8 + 8, … in order (the scalar
// kernels' lane b % 8); for F32 weights, elements lane8, lane8 + 8, … (math::dot's lanes).
__device__ __forceinline__ float row_lane(const Mat& m, int r, int tok, int lane8, const Acts& a) {
    float l = 0.0f;
    if (m.kind == 3) {
        const float* wr = m.w + (size_t)r * m.cols;
        const float* xr = a.x + (size_t)tok * m.cols;
        for (int i = lane8; i < m.cols; i += 8) l = __fadd_rn(l, __fmul_rn(wr[i], xr[i]));
        return l;
    }
    int nb = m.cols / QK;
    for (int b = lane8; b < nb; b += 8) {
        size_t wb = (size_t)r * nb + b;
        size_t xb = (size_t)tok * nb + b;
        float v;
        if (m.kind == 2) {
            int is = q8_isum((const signed char*)m.qs + wb * QK, a.q + xb * QK);
            v = __fmul_rn(__fmul_rn(m.d[wb], a.d[xb]), (float)is);
        } else {
            int is = q4_isum(m.qs + wb * 16, a.q + xb * QK);
            if (m.kind == 1) is -= 8 * a.isum[xb];
            v = __fmul_rn(__fmul_rn(m.d[wb], a.d[xb]), (float)is);
            if (m.kind == 0) v = __fadd_rn(v, __fmul_rn(m.m[wb], a.s[xb]));
        }
        l = __fadd_rn(l, v);
    }
    return l;
}

// Up to three products of the same input (m1, m2 may be null): out_j[t · rows_j + r] = row r of
// m_j · token t, or out_j[…] + that (a residual) when `accumulate`. Eight lanes per output element.
extern "C" __global__ void matmul(const Mat* m0, const Mat* m1, const Mat* m2, float* o0, float* o1,
                                  float* o2, int accumulate, const signed char* xq, const float* xd,
                                  const float* xs, const int* xisum, const float* xf, int t) {
    const Mat* ms[3] = {m0, m1, m2};
    float* os[3] = {o0, o1, o2};
    Acts a = {xq, xd, xs, xisum, xf};
    long long e = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 3;
    int lane8 = threadIdx.x & 7;
    int j = 0;
    bool live = false;
    for (; j < 3 && ms[j] != nullptr; j++) {
        long long n = (long long)ms[j]->rows * t;
        if (e < n) {
            live = true;
            break;
        }
        e -= n;
    }
    float l = 0.0f;
    int r = 0, tok = 0, rows = 1;
    if (live) {
        rows = ms[j]->rows;
        r = (int)(e % rows);
        tok = (int)(e / rows);
        l = row_lane(*ms[j], r, tok, lane8, a);
    }
    float sum = lanes8_tree(l);
    if (live && lane8 == 0) {
        float* p = os[j] + (size_t)tok * rows + r;
        *p = accumulate ? __fadd_rn(*p, sum) : sum;
    }
}

// The SwiGLU of the feed-forward: out[t · rows + r] = silu(gate_r · x_t) · (up_r · x_t).
extern "C" __global__ void glu(const Mat* gate, const Mat* up, const signed char* xq,
                               const float* xd, const float* xs, const int* xisum,
                               const float* xf, int t, float* out) {
    Acts a = {xq, xd, xs, xisum, xf};
    long long e = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 3;
    int lane8 = threadIdx.x & 7, rows = gate->rows;
    bool live = e < (long long)rows * t;
    int r = live ? (int)(e % rows) : 0, tok = live ? (int)(e / rows) : 0;
    float g = live ? row_lane(*gate, r, tok, lane8, a) : 0.0f;
    float u = live ? row_lane(*up, r, tok, lane8, a) : 0.0f;
    float gs = lanes8_tree(g);
    float us = lanes8_tree(u);
    if (live && lane8 == 0) out[(size_t)tok * rows + r] = __fmul_rn(canon_silu(gs), us);
}

// model::rope on the queries (in place) and the keys (into the cache), and the values into the
// cache, for positions *pos.. (tables from the host).
extern "C" __global__ void rope_kv(float* q, const float* k, const float* v, int t, int n_head,
                                   int n_kv, int hd, const int* pos, const float* cos_t,
                                   const float* sin_t, float* kc, float* vc) {
    int half = hd / 2, kv = n_kv * hd, p0 = *pos;
    long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long nq = (long long)t * n_head * half, nk = (long long)t * n_kv * half;
    if (e < nq + nk) {
        bool is_q = e < nq;
        long long f = is_q ? e : e - nq;
        int heads = is_q ? n_head : n_kv;
        int i = (int)(f % half);
        long long th = f / half;
        int tok = (int)(th / heads), h = (int)(th % heads);
        const float* src = (is_q ? q : k) + th * hd;
        float* dst = is_q ? q + th * hd : kc + (size_t)(p0 + tok) * kv + (size_t)h * hd;
        float c = cos_t[(size_t)(p0 + tok) * half + i], s = sin_t[(size_t)(p0 + tok) * half + i];
        float x0 = src[2 * i], x1 = src[2 * i + 1];
        dst[2 * i] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        dst[2 * i + 1] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
        return;
    }
    e -= nq + nk;
    if (e < (long long)t * kv) vc[(size_t)p0 * kv + e] = v[e];
}

// kernels::attn::head for query i of a batch whose first position is *pos, head h: one CUDA
// block (a multiple of 32 threads) per (query, head). Scores: one thread per position (math::dot,
// then × scale); the maximum (exact in any order); w = exp(s − max); the denominator math::sum
// (lane p % 8 in position order, then tree8); each output element accumulates w_p · v_p in
// position order, then is divided by the denominator. `scores` holds n_max floats per (query,
// head).
extern "C" __global__ void attention(const float* q, const float* k, const float* v, int t,
                                     int n_head, int group, int hd, int kv_stride, const int* pos,
                                     float scale, float* scores, int n_max, float* out) {
    int qi = blockIdx.x / n_head, h = blockIdx.x % n_head;
    int n = *pos + qi + 1;
    int off = (h / group) * hd;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const float* qh = q + ((size_t)qi * n_head + h) * hd;
    float* w = scores + (size_t)blockIdx.x * n_max;
    for (int p = threadIdx.x; p < n; p += blockDim.x) {
        w[p] = __fmul_rn(canon_dot(qh, k + (size_t)p * kv_stride + off, hd), scale);
    }
    __shared__ float warp_max[32];
    __shared__ float shared_max;
    __shared__ float shared_sum;
    float m = __int_as_float(0xff800000);  // -inf, as the CPU's fold starts
    for (int p = threadIdx.x; p < n; p += blockDim.x) m = fmaxf(m, w[p]);
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(FULL, m, o));
    if (lane == 0) warp_max[warp] = m;
    __syncthreads();
    if (threadIdx.x == 0) {
        float mm = warp_max[0];
        for (int i = 1; i < (int)(blockDim.x >> 5); i++) mm = fmaxf(mm, warp_max[i]);
        shared_max = mm;
    }
    __syncthreads();
    m = shared_max;
    for (int p = threadIdx.x; p < n; p += blockDim.x) w[p] = canon_exp(__fsub_rn(w[p], m));
    __syncthreads();
    if (warp == 0) {
        float l = 0.0f;
        if (lane < 8) {
            for (int p = lane; p < n; p += 8) l = __fadd_rn(l, w[p]);
        }
        float total = lanes8_tree(l);
        if (lane == 0) shared_sum = total;
    }
    __syncthreads();
    float sum = shared_sum;
    float* o = out + ((size_t)qi * n_head + h) * hd;
    for (int d = threadIdx.x; d < hd; d += blockDim.x) {
        float acc = 0.0f;
        for (int p = 0; p < n; p++) acc = __fadd_rn(acc, __fmul_rn(w[p], v[(size_t)p * kv_stride + off + d]));
        o[d] = __fdiv_rn(acc, sum);
    }
}
