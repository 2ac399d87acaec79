// The CUDA emulator's runtime (feature `cuda-emu`): CUDA's built-ins for a host C++ build of
// kernels.cu, so the kernels and the forward pass that launches them can be checked bit for bit on
// a machine without a GPU. The host compiler sees: this file, then the kernel source exactly as
// NVRTC gets it, then the launcher table (emu/mod.rs generates it from the entry points).
//
// Execution model: the blocks of a grid run on a few OS threads; the threads of a block are
// fibers on one OS thread, switched only at barriers (__syncthreads, and twice per warp shuffle),
// so every interleaving the CUDA model allows at those points is one a GPU may also produce. The
// emulator is stricter than a GPU where a GPU is undefined: a barrier that not every thread of its
// block (or warp, for shuffles) reaches is an error, not a hang or a silent wrong value.
//
// Arithmetic: the __f*_rn intrinsics are plain IEEE f32 operations here; the file is compiled with
// -ffp-contract=off (no FMA), without fast-math, on SSE (no x87 excess precision).

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict
// Shared memory: a block runs on one OS thread at a time, so a thread-local static is per block.
#define __shared__ static thread_local

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
};

using std::isinf;
using std::isnan;

namespace emu {

// The runtime's per-OS-thread state, in the static TLS block (no __tls_get_addr call per read of
// threadIdx; a few dozen bytes fit the surplus glibc keeps for libraries loaded later).
#define EMU_TLS thread_local __attribute__((tls_model("initial-exec")))
EMU_TLS uint3 thread_idx, block_idx;
EMU_TLS dim3 block_dim, grid_dim;

// ---- fibers ------------------------------------------------------------------------------------

#if defined(__x86_64__)
// A context is a saved stack pointer; emu_swap pushes the callee-saved registers, stores the
// stack pointer, loads the other one and pops the same. The fibers of an OS thread share its
// floating-point environment (nothing here changes MXCSR or the x87 control word).
struct Ctx {
    void* sp = nullptr;
};
extern "C" void emu_swap(void** save, void* load);
extern "C" void emu_fiber_start();
asm(R"(
    .text
    .p2align 4
    .globl emu_swap
    .hidden emu_swap
    .type emu_swap,@function
emu_swap:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_swap, .-emu_swap

    .p2align 4
    .globl emu_fiber_start
    .hidden emu_fiber_start
    .type emu_fiber_start,@function
emu_fiber_start:
    call emu_fiber_main
    ud2
    .size emu_fiber_start, .-emu_fiber_start
)");

inline void ctx_switch(Ctx* from, Ctx* to) { emu_swap(&from->sp, to->sp); }

// A fresh context that starts in emu_fiber_main on the stack [lo, lo + size).
inline void ctx_init(Ctx* c, char* lo, size_t size) {
    // After emu_swap's six pops and its ret, the stack pointer is 16-byte aligned, as a call
    // instruction expects (emu_fiber_start calls emu_fiber_main).
    uintptr_t top = (reinterpret_cast<uintptr_t>(lo) + size - 16) & ~uintptr_t(15);
    uint64_t* sp = reinterpret_cast<uint64_t*>(top) - 7;
    for (int i = 0; i < 6; i++) sp[i] = 0;  // r15 r14 r13 r12 rbx rbp
    sp[6] = reinterpret_cast<uint64_t>(&emu_fiber_start);
    c->sp = sp;
}
#else
struct Ctx {
    ucontext_t uc;
};
extern "C" void emu_fiber_main();
inline void ctx_switch(Ctx* from, Ctx* to) { swapcontext(&from->uc, &to->uc); }
inline void ctx_init(Ctx* c, char* lo, size_t size) {
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = nullptr;
    makecontext(&c->uc, emu_fiber_main, 0);
}
#endif

enum class State : uint8_t { Ready, AtBlock, AtWarp, Done };

struct Fiber {
    Ctx ctx;
    State st = State::Ready;
    uint8_t parity = 0;  // which shuffle buffer the fiber's next shuffle uses
};

// Fiber stacks; the stride is not a power of two, so the tops of the stacks (where the fibers
// switch) do not all fall into the same cache sets.
constexpr size_t STACK = 64 * 1024 + 17 * 64;

// One OS thread's block runner: the fibers of the block it runs now, their stacks, the shuffle
// exchange, the barrier counts and the kernel body.
struct Runner {
    std::vector<Fiber> fibers;
    std::vector<char> stacks;
    // Two exchange buffers, used by alternate shuffles: a lane writes buffer k % 2 in shuffle k
    // only after every lane of its warp reached shuffle k - 1, so after all read shuffle k - 2.
    std::vector<uint64_t> slots[2];
    std::vector<unsigned> at_warp, warp_done;
    unsigned done = 0, at_block = 0;
    Ctx sched;
    unsigned cur = 0;
    void (*body)(void*) = nullptr;
    void* arg = nullptr;
};

EMU_TLS Runner* runner = nullptr;

inline void set_thread(unsigned i) {
    thread_idx.x = i % block_dim.x;
    thread_idx.y = (i / block_dim.x) % block_dim.y;
    thread_idx.z = i / (block_dim.x * block_dim.y);
}

inline unsigned linear_tid() {
    return thread_idx.x + block_dim.x * (thread_idx.y + block_dim.y * thread_idx.z);
}

inline void wait(State s) {
    Runner* r = runner;
    Fiber& f = r->fibers[r->cur];
    f.st = s;
    if (s == State::AtBlock) {
        r->at_block++;
    } else {
        r->at_warp[r->cur >> 5]++;
    }
    ctx_switch(&f.ctx, &r->sched);
}

}  // namespace emu

extern "C" __attribute__((visibility("hidden"), used)) void emu_fiber_main() {
    emu::Runner* r = emu::runner;
    r->body(r->arg);
    r->fibers[r->cur].st = emu::State::Done;
    r->done++;
    r->warp_done[r->cur >> 5]++;
    emu::ctx_switch(&r->fibers[r->cur].ctx, &r->sched);
    std::abort();  // a finished fiber is never resumed
}

namespace emu {

// Runs the current block (block_idx set) to the end; an error message, or nullptr. Each pass runs
// every ready fiber until it waits or returns; then the barriers every participant reached open.
inline const char* run_block(Runner& r, unsigned n) {
    unsigned warps = (n + 31) / 32;
    if (r.fibers.size() < n) {
        r.fibers.resize(n);
        r.stacks.resize(size_t(n) * STACK);
        r.slots[0].resize(n);
        r.slots[1].resize(n);
    }
    r.at_warp.assign(warps, 0);
    r.warp_done.assign(warps, 0);
    r.done = r.at_block = 0;
    for (unsigned i = 0; i < n; i++) {
        r.fibers[i].st = State::Ready;
        r.fibers[i].parity = 0;
        ctx_init(&r.fibers[i].ctx, r.stacks.data() + size_t(i) * STACK, STACK);
    }
    for (;;) {
        for (unsigned i = 0; i < n; i++) {
            if (r.fibers[i].st != State::Ready) continue;
            r.cur = i;
            set_thread(i);
            ctx_switch(&r.sched, &r.fibers[i].ctx);
        }
        if (r.done == n) return nullptr;
        if (r.at_block > 0 && r.at_block + r.done == n) {
            if (r.done > 0) return "__syncthreads() reached by some threads of a block after others returned";
            for (unsigned i = 0; i < n; i++) r.fibers[i].st = State::Ready;
            r.at_block = 0;
            continue;
        }
        bool released = false;
        for (unsigned w = 0; w < warps; w++) {
            unsigned size = w + 1 < warps ? 32 : n - 32 * w;
            if (r.at_warp[w] == 0 || r.at_warp[w] + r.warp_done[w] != size) continue;
            if (r.warp_done[w] > 0) return "a warp shuffle reached by some lanes of a warp after others returned";
            for (unsigned i = 32 * w; i < 32 * w + size; i++) r.fibers[i].st = State::Ready;
            r.at_warp[w] = 0;
            released = true;
        }
        if (!released) return "threads of a block wait at different barriers (divergent __syncthreads or shuffle)";
    }
}

// Runs every block of the grid; the first error, or nullptr.
inline const char* run_grid(dim3 g, dim3 b, void (*body)(void*), void* arg) {
    unsigned long long blocks = (unsigned long long)g.x * g.y * g.z;
    unsigned per_block = b.x * b.y * b.z;
    if (per_block == 0 || per_block > 1024) return "a block must have 1 to 1024 threads";
    if (blocks == 0) return "a grid must have at least one block";
    unsigned workers = std::thread::hardware_concurrency();
    if (workers == 0) workers = 1;
    if (blocks < workers) workers = (unsigned)blocks;
    std::atomic<unsigned long long> next{0};
    std::atomic<const char*> error{nullptr};
    auto work = [&]() {
        Runner r;
        r.body = body;
        r.arg = arg;
        runner = &r;
        grid_dim = g;
        block_dim = b;
        for (;;) {
            unsigned long long i = next.fetch_add(1);
            if (i >= blocks || error.load() != nullptr) break;
            block_idx.x = unsigned(i % g.x);
            block_idx.y = unsigned((i / g.x) % g.y);
            block_idx.z = unsigned(i / ((unsigned long long)g.x * g.y));
            if (const char* e = run_block(r, per_block)) {
                const char* none = nullptr;
                error.compare_exchange_strong(none, e);
                break;
            }
        }
        runner = nullptr;
    };
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; w++) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    return error.load();
}

// A kernel's arguments as the driver API passes them: an array of pointers to the values.
template <class... A, size_t... I>
void call(void (*k)(A...), void** args, std::index_sequence<I...>) {
    k(*static_cast<std::remove_cv_t<A>*>(args[I])...);
}

template <class... A>
struct Launch {
    void (*k)(A...);
    void** args;
    static void body(void* p) {
        auto* l = static_cast<Launch*>(p);
        call(l->k, l->args, std::index_sequence_for<A...>{});
    }
};

thread_local char message[256];

// Checks the arguments' count and sizes against the kernel's parameters, then runs the grid.
template <class... A>
const char* launch(const char* name, void (*k)(A...), dim3 g, dim3 b, void** args,
                   const uint32_t* sizes, unsigned nargs) {
    constexpr size_t expect[] = {sizeof(A)..., 0};
    if (nargs != sizeof...(A)) {
        snprintf(message, sizeof message, "%s takes %zu arguments, %u given", name, sizeof...(A), nargs);
        return message;
    }
    for (unsigned i = 0; i < nargs; i++) {
        if (sizes[i] != expect[i]) {
            snprintf(message, sizeof message, "%s: argument %u has %zu bytes, %u given", name, i,
                     expect[i], sizes[i]);
            return message;
        }
    }
    Launch<A...> l{k, args};
    if (const char* e = run_grid(g, b, &Launch<A...>::body, &l)) {
        snprintf(message, sizeof message, "%s: %s", name, e);
        return message;
    }
    return nullptr;
}

}  // namespace emu

#define threadIdx (emu::thread_idx)
#define blockIdx (emu::block_idx)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
#define warpSize 32

inline void __syncthreads() { emu::wait(emu::State::AtBlock); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::wait(emu::State::AtWarp); }

inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }

inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}
inline float __uint_as_float(unsigned i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}
inline int __float_as_int(float f) {
    int i;
    std::memcpy(&i, &f, 4);
    return i;
}
inline unsigned __float_as_uint(float f) {
    unsigned i;
    std::memcpy(&i, &f, 4);
    return i;
}

// Four signed byte products added to c (exact).
inline int __dp4a(int a, int b, int c) {
    for (int i = 0; i < 4; i++) {
        c += int(int8_t(uint32_t(a) >> (8 * i))) * int(int8_t(uint32_t(b) >> (8 * i)));
    }
    return c;
}

namespace emu {
// The value of lane `src(lane)` of the caller's warp, every lane of the warp taking part.
template <class T, class F>
T shuffle(T v, F src) {
    static_assert(sizeof(T) <= 8, "shuffle of a value wider than 8 bytes");
    Runner* r = runner;
    unsigned tid = linear_tid();
    Fiber& f = r->fibers[tid];
    uint64_t* slots = r->slots[f.parity].data();
    f.parity ^= 1;
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    slots[tid] = bits;
    wait(State::AtWarp);
    unsigned lane = tid & 31, base = tid - lane;
    bits = slots[base + src(lane)];
    T out;
    std::memcpy(&out, &bits, sizeof(T));
    return out;
}
}  // namespace emu

template <class T>
T __shfl_down_sync(unsigned, T v, unsigned delta, int width = 32) {
    return emu::shuffle(v, [&](unsigned lane) {
        return (lane % unsigned(width)) + delta < unsigned(width) ? lane + delta : lane;
    });
}
template <class T>
T __shfl_xor_sync(unsigned, T v, int mask, int width = 32) {
    return emu::shuffle(v, [&](unsigned lane) {
        unsigned src = lane ^ unsigned(mask);
        return src / unsigned(width) == lane / unsigned(width) ? src : lane;
    });
}
template <class T>
T __shfl_sync(unsigned, T v, int src_lane, int width = 32) {
    return emu::shuffle(v, [&](unsigned lane) {
        return (lane / unsigned(width)) * unsigned(width) + unsigned(src_lane) % unsigned(width);
    });
}
