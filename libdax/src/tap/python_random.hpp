#pragma once
// CPython's random.Random (MT19937, init_by_array seeding, 53-bit random(), getrandbits-based
// choice, Box-Muller gauss with a cached second value), so that the demo data generator gives
// the same numbers as the Python reference generator.
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

namespace dax::tap {

class python_random {
public:
    explicit python_random(std::uint32_t seed) {
        init_genrand(19650218U);
        // init_by_array with a one-word key (seeds below 2**32).
        std::uint32_t i = 1, j = 0;
        for (int k = N; k; --k) {
            mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + seed + j;
            ++i;
            j = 0;  // key length 1
            if (i >= N) { mt_[0] = mt_[N - 1]; i = 1; }
        }
        for (int k = N - 1; k; --k) {
            mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - i;
            ++i;
            if (i >= N) { mt_[0] = mt_[N - 1]; i = 1; }
        }
        mt_[0] = 0x80000000U;
    }

    std::uint32_t next_u32() {
        if (index_ >= N) twist();
        std::uint32_t y = mt_[index_++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        y ^= y >> 18;
        return y;
    }
    double random() {
        const std::uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }
    /// random.Random._randbelow(n) for n < 2**32.
    std::uint32_t below(std::uint32_t n) {
        int k = 0;
        while ((std::uint64_t(1) << k) <= n) ++k;  // n.bit_length()
        std::uint32_t r;
        do r = next_u32() >> (32 - k);
        while (r >= n);
        return r;
    }
    template <class T, std::size_t M>
    const T& choice(const std::array<T, M>& a) { return a[below(M)]; }
    double gauss(double mu = 0, double sigma = 1) {
        double z;
        if (next_gauss_) {
            z = *next_gauss_;
            next_gauss_.reset();
        } else {
            const double x2pi = random() * 2 * M_PI;
            const double g2rad = std::sqrt(-2.0 * std::log(1.0 - random()));
            z = std::cos(x2pi) * g2rad;
            next_gauss_ = std::sin(x2pi) * g2rad;
        }
        return mu + z * sigma;
    }

private:
    static constexpr int N = 624, M = 397;
    void init_genrand(std::uint32_t s) {
        mt_[0] = s;
        for (int i = 1; i < N; ++i) mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + std::uint32_t(i);
        index_ = N;
    }
    void twist() {
        for (int k = 0; k < N; ++k) {
            const std::uint32_t y = (mt_[k] & 0x80000000U) | (mt_[(k + 1) % N] & 0x7fffffffU);
            mt_[k] = mt_[(k + M) % N] ^ (y >> 1) ^ ((y & 1U) ? 0x9908b0dfU : 0U);
        }
        index_ = 0;
    }
    std::array<std::uint32_t, N> mt_{};
    int index_ = N;
    std::optional<double> next_gauss_;
};

}  // namespace dax::tap
