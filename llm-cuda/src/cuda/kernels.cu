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
// the host (exact). Activations: Q8 blocks (q[32], d, s = d·Σq, isum = Σq) per token.

// Provided by the host-generated header: EXP_HI, EXP_LO, LOG2E, LN2_HI, LN2_LO, EXP_P0..EXP_P5,
// MAGIC (1.5·2^23, for round-half-even), all as __int_as_float(bits).

#define QK 32

__device__ __forceinline__ float tree8(const float l[8]) {
    return __fadd_rn(__fadd_rn(__fadd_rn(l[0], l[4]), __fadd_rn(l[2], l[6])),
                     __fadd_rn(__fadd_rn(l[1], l[5]), __fadd_rn(l[3], l[7])));
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

// quant::quantize_block, one thread per block of 32 values.
extern "C" __global__ void quantize_q8(const float* __restrict__ x, int nblocks,
                                       signed char* __restrict__ q, float* __restrict__ d,
                                       float* __restrict__ s, int* __restrict__ isum) {
    int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= nblocks) return;
    const float* xb = x + (size_t)b * QK;
    float amax = 0.0f;
    for (int i = 0; i < QK; i++) {
        // f32::max ignores NaN, as fmaxf does.
        amax = fmaxf(amax, fabsf(xb[i]));
    }
    float dd = __fdiv_rn(amax, 127.0f);
    float id = amax == 0.0f ? 0.0f : __fdiv_rn(127.0f, amax);
    int sum = 0;
    for (int i = 0; i < QK; i++) {
        float r = __fsub_rn(__fadd_rn(__fmul_rn(xb[i], id), MAGIC), MAGIC);
        int v;
        if (isnan(r)) {
            v = 0;  // Rust: NaN as i8 == 0
        } else {
            r = r < -127.0f ? -127.0f : (r > 127.0f ? 127.0f : r);
            v = (int)r;
        }
        q[(size_t)b * QK + i] = (signed char)v;
        sum += v;
    }
    d[b] = dd;
    isum[b] = sum;
    s[b] = __fmul_rn(dd, (float)sum);
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

// out[t * rows + r] = row r · token t. Eight lanes per output element: lane j accumulates blocks
// j, j+8, … in order (the scalar kernels' lane b % 8), then the lanes meet in tree8's order.
// KIND: 0 = Q4_1, 1 = Q4_0, 2 = Q8_0.
template <int KIND>
__device__ __forceinline__ void mm_block_rows(const unsigned char* __restrict__ qs,
                                              const float* __restrict__ wd,
                                              const float* __restrict__ wm, int rows, int nb,
                                              const signed char* __restrict__ xq,
                                              const float* __restrict__ xd,
                                              const float* __restrict__ xs,
                                              const int* __restrict__ xisum, int t,
                                              float* __restrict__ out) {
    int lane8 = threadIdx.x & 7;
    long long elem = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 3;
    bool live = elem < (long long)rows * t;
    int r = live ? (int)(elem % rows) : 0;
    int tok = live ? (int)(elem / rows) : 0;
    float l = 0.0f;
    if (live) {
        for (int b = lane8; b < nb; b += 8) {
            size_t wb = (size_t)r * nb + b;
            size_t xb = (size_t)tok * nb + b;
            float v;
            if (KIND == 2) {
                int is = q8_isum((const signed char*)qs + wb * QK, xq + xb * QK);
                v = __fmul_rn(__fmul_rn(wd[wb], xd[xb]), (float)is);
            } else {
                int is = q4_isum(qs + wb * 16, xq + xb * QK);
                if (KIND == 1) is -= 8 * xisum[xb];
                v = __fmul_rn(__fmul_rn(wd[wb], xd[xb]), (float)is);
                if (KIND == 0) v = __fadd_rn(v, __fmul_rn(wm[wb], xs[xb]));
            }
            l = __fadd_rn(l, v);
        }
    }
    // Lanes j and j+4, then j and j+2, then 0 and 1: ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
    unsigned mask = 0xffffffffu;
    float s4 = __fadd_rn(l, __shfl_down_sync(mask, l, 4, 8));
    float s2 = __fadd_rn(s4, __shfl_down_sync(mask, s4, 2, 8));
    float s1 = __fadd_rn(s2, __shfl_down_sync(mask, s2, 1, 8));
    if (live && lane8 == 0) out[(size_t)tok * rows + r] = s1;
}

extern "C" __global__ void mm_q4_1(const unsigned char* qs, const float* wd, const float* wm,
                                   int rows, int nb, const signed char* xq, const float* xd,
                                   const float* xs, const int* xisum, int t, float* out) {
    mm_block_rows<0>(qs, wd, wm, rows, nb, xq, xd, xs, xisum, t, out);
}

extern "C" __global__ void mm_q4_0(const unsigned char* qs, const float* wd, const float* wm,
                                   int rows, int nb, const signed char* xq, const float* xd,
                                   const float* xs, const int* xisum, int t, float* out) {
    mm_block_rows<1>(qs, wd, wm, rows, nb, xq, xd, xs, xisum, t, out);
}

extern "C" __global__ void mm_q8_0(const unsigned char* qs, const float* wd, const float* wm,
                                   int rows, int nb, const signed char* xq, const float* xd,
                                   const float* xs, const int* xisum, int t, float* out) {
    mm_block_rows<2>(qs, wd, wm, rows, nb, xq, xd, xs, xisum, t, out);
}

// math::dot: lane i % 8 accumulates a[i]·b[i] (multiply, then add) in order; then tree8.
__device__ __forceinline__ float canon_dot(const float* __restrict__ a, const float* __restrict__ b, int n) {
    float l[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < n; i++) l[i & 7] = __fadd_rn(l[i & 7], __fmul_rn(a[i], b[i]));
    return tree8(l);
}

// F32 weights (one thread per output element, math::dot).
extern "C" __global__ void mm_f32(const float* w, int rows, int cols, const float* x, int t, float* out) {
    long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long)rows * t) return;
    int r = (int)(e % rows), tok = (int)(e / rows);
    out[(size_t)tok * rows + r] = canon_dot(w + (size_t)r * cols, x + (size_t)tok * cols, cols);
}

// model::add_norm: x += add (when add is not null), then y = (x · (1 / sqrt(Σx²/n + eps))) · w.
// One thread per row.
extern "C" __global__ void add_rms_norm(float* x, const float* add, const float* w, float eps,
                                        int n, int rows, float* y) {
    int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= rows) return;
    float* xr = x + (size_t)row * n;
    if (add != nullptr) {
        const float* ar = add + (size_t)row * n;
        for (int i = 0; i < n; i++) xr[i] = __fadd_rn(xr[i], ar[i]);
    }
    float ss = canon_dot(xr, xr, n);
    float inv = __fdiv_rn(1.0f, __fsqrt_rn(__fadd_rn(__fdiv_rn(ss, (float)n), eps)));
    float* yr = y + (size_t)row * n;
    for (int i = 0; i < n; i++) yr[i] = __fmul_rn(__fmul_rn(xr[i], inv), w[i]);
}

// model::rope on `heads` heads of width hd per token, positions p0.. (tables from the host).
extern "C" __global__ void rope(float* v, int t, int heads, int hd, int p0, const float* cos_t,
                                const float* sin_t) {
    int half = hd / 2;
    long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long)t * heads * half) return;
    int i = (int)(e % half);
    long long th = e / half;
    int tok = (int)(th / heads);
    float* h = v + th * hd;
    float c = cos_t[(size_t)(p0 + tok) * half + i], s = sin_t[(size_t)(p0 + tok) * half + i];
    float x0 = h[2 * i], x1 = h[2 * i + 1];
    h[2 * i] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
    h[2 * i + 1] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
}

// g = silu(g) · u
extern "C" __global__ void silu_mul(float* g, const float* u, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) g[i] = __fmul_rn(canon_silu(g[i]), u[i]);
}

// kernels::attn::head for query i of a batch whose first position is p0, head h: one CUDA block
// per (query, head). Scores: one thread per position (math::dot, then × scale); the maximum;
// w = exp(s − max); the denominator math::sum (lane p % 8 in position order, then tree8); each
// output element accumulates w_p · v_p in position order, then is divided by the denominator.
// `scores` holds n_max floats per (query, head).
extern "C" __global__ void attention(const float* q, const float* k, const float* v, int t,
                                     int n_head, int group, int hd, int kv_stride, int p0,
                                     float scale, float* scores, int n_max, float* out) {
    int qi = blockIdx.x / n_head, h = blockIdx.x % n_head;
    if (qi >= t) return;
    int n = p0 + qi + 1;
    int off = (h / group) * hd;
    const float* qh = q + ((size_t)qi * n_head + h) * hd;
    float* w = scores + (size_t)blockIdx.x * n_max;
    for (int p = threadIdx.x; p < n; p += blockDim.x) {
        w[p] = __fmul_rn(canon_dot(qh, k + (size_t)p * kv_stride + off, hd), scale);
    }
    __syncthreads();
    __shared__ float shared_max;
    __shared__ float shared_sum;
    if (threadIdx.x == 0) {
        float m = __int_as_float(0xff800000);  // -inf, as the CPU's fold starts
        for (int p = 0; p < n; p++) m = fmaxf(m, w[p]);
        shared_max = m;
    }
    __syncthreads();
    float m = shared_max;
    for (int p = threadIdx.x; p < n; p += blockDim.x) w[p] = canon_exp(__fsub_rn(w[p], m));
    __syncthreads();
    if (threadIdx.x == 0) {
        float l[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        for (int p = 0; p < n; p++) l[p & 7] = __fadd_rn(l[p & 7], w[p]);
        shared_sum = tree8(l);
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
