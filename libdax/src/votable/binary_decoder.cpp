#include "binary_decoder.hpp"

#include <bit>
#include <cstring>
#include <fmt/format.h>

namespace dax::votable::detail {

namespace {

template <class T>
T be(const unsigned char* p) {
    using U = std::make_unsigned_t<T>;
    U v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<U>((v << 8) | p[i]);
    return static_cast<T>(v);
}

float be_float(const unsigned char* p) { return std::bit_cast<float>(be<std::uint32_t>(p)); }
double be_double(const unsigned char* p) { return std::bit_cast<double>(be<std::uint64_t>(p)); }

// Size in bytes of the native element type the cell arrays use.
size_t native_size(datatype t) {
    switch (t) {
    case datatype::boolean: case datatype::bit: case datatype::unsigned_byte: return 1;
    case datatype::short_: return 2;
    case datatype::int_: case datatype::float_: return 4;
    case datatype::long_: case datatype::double_: case datatype::float_complex: return 8;
    case datatype::double_complex: return 16;
    default: return 1;
    }
}

void decode_elements(const unsigned char* p, datatype t, size_t n, std::vector<unsigned char>& out) {
    out.resize(n * native_size(t));
    unsigned char* o = out.data();
    for (size_t i = 0; i < n; ++i) {
        switch (t) {
        case datatype::boolean: case datatype::unsigned_byte: o[i] = p[i]; break;
        case datatype::short_: { auto v = be<std::int16_t>(p + 2 * i); std::memcpy(o + 2 * i, &v, 2); break; }
        case datatype::int_: { auto v = be<std::int32_t>(p + 4 * i); std::memcpy(o + 4 * i, &v, 4); break; }
        case datatype::long_: { auto v = be<std::int64_t>(p + 8 * i); std::memcpy(o + 8 * i, &v, 8); break; }
        case datatype::float_: { float v = be_float(p + 4 * i); std::memcpy(o + 4 * i, &v, 4); break; }
        case datatype::double_: { double v = be_double(p + 8 * i); std::memcpy(o + 8 * i, &v, 8); break; }
        case datatype::float_complex: {
            float v[2] = {be_float(p + 8 * i), be_float(p + 8 * i + 4)};
            std::memcpy(o + 8 * i, v, 8);
            break;
        }
        case datatype::double_complex: {
            double v[2] = {be_double(p + 16 * i), be_double(p + 16 * i + 8)};
            std::memcpy(o + 16 * i, v, 16);
            break;
        }
        default: break;
        }
    }
}

}  // namespace

bool all_null(const field_plan& pl, const std::vector<unsigned char>& a, size_t n) {
    if (n == 0 || !pl.null_value) return false;
    const std::int64_t v = *pl.null_value;
    for (size_t k = 0; k < n; ++k) {
        std::int64_t x;
        switch (pl.type) {
        case datatype::unsigned_byte: x = a[k]; break;
        case datatype::short_: { std::int16_t t; std::memcpy(&t, a.data() + 2 * k, 2); x = t; break; }
        case datatype::int_: { std::int32_t t; std::memcpy(&t, a.data() + 4 * k, 4); x = t; break; }
        case datatype::long_: std::memcpy(&x, a.data() + 8 * k, 8); break;
        default: return false;
        }
        if (x != v) return false;
    }
    return true;
}

namespace {

// A char (NUL-terminated if shorter) or unicodeChar (UCS-2, to UTF-8) string of n characters.
std::string_view decode_text(const unsigned char* p, datatype type, size_t n, std::string& s) {
    s.clear();
    if (type == datatype::char_) {
        size_t len = n;
        for (size_t k = 0; k < n; ++k)
            if (p[k] == 0) { len = k; break; }  // NUL ends a fixed-width string
        s.assign(reinterpret_cast<const char*>(p), len);
        return s;
    }
    for (size_t k = 0; k < n; ++k) {
        const char32_t u = be<std::uint16_t>(p + 2 * k);
        if (u == 0) break;
        if (u < 0x80) s.push_back(static_cast<char>(u));
        else if (u < 0x800) {
            s.push_back(static_cast<char>(0xC0 | (u >> 6)));
            s.push_back(static_cast<char>(0x80 | (u & 0x3F)));
        } else {
            s.push_back(static_cast<char>(0xE0 | (u >> 12)));
            s.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (u & 0x3F)));
        }
    }
    return s;
}

// One scalar; in BINARY (no null mask) an integer equal to the declared null is null.
void decode_scalar(const unsigned char* p, const field_plan& pl, bool binary2, cell& c) {
    switch (pl.type) {
    case datatype::boolean:
        c.i = p[0] == 'T' || p[0] == 't' || p[0] == '1';
        if (p[0] == '?' || p[0] == ' ' || p[0] == 0) c.null = true;
        break;
    case datatype::bit: c.i = (p[0] & 0x80) != 0; break;
    case datatype::unsigned_byte: c.i = p[0]; break;
    case datatype::short_: c.i = be<std::int16_t>(p); break;
    case datatype::int_: c.i = be<std::int32_t>(p); break;
    case datatype::long_: c.i = be<std::int64_t>(p); break;
    case datatype::float_: c.d = be_float(p); break;
    case datatype::double_: c.d = be_double(p); break;
    case datatype::float_complex: c.d = be_float(p); c.im = be_float(p + 4); break;
    case datatype::double_complex: c.d = be_double(p); c.im = be_double(p + 8); break;
    default: break;
    }
    if (!binary2 && pl.null_value && (pl.type == datatype::unsigned_byte || pl.type == datatype::short_ ||
                                      pl.type == datatype::int_ || pl.type == datatype::long_))
        c.null = c.i == *pl.null_value;
}

}  // namespace

const unsigned char* decode_binary_row(const unsigned char* p, const unsigned char* end,
                                       const std::vector<field_plan>& plans, bool binary2,
                                       std::vector<cell>& cells, cell_storage& store, std::size_t max_cell_bytes) {
    const size_t nf = plans.size();
    cells.assign(nf, cell{});
    store.text.resize(nf);
    store.array.resize(nf);
    const unsigned char* flags = p;
    if (binary2) {
        const size_t fb = (nf + 7) / 8;
        if (static_cast<size_t>(end - p) < fb) return nullptr;
        p += fb;
    }
    auto need = [&](size_t k) { return static_cast<size_t>(end - p) >= k; };
    for (size_t i = 0; i < nf; ++i) {
        const field_plan& pl = plans[i];
        cell& c = cells[i];
        c.null = binary2 && (flags[i / 8] & (0x80 >> (i % 8)));
        const int es = element_size(pl.type);
        size_t n;
        if (pl.shape.variable) {
            if (!need(4)) return nullptr;
            const std::int32_t cnt = be<std::int32_t>(p);
            p += 4;
            if (cnt < 0) throw error("BINARY stream: negative array length");
            n = static_cast<size_t>(cnt);
            if (pl.bound && n > static_cast<size_t>(pl.bound))
                throw error(fmt::format("BINARY stream: {} elements in a column of arraysize {} (wrong arraysize)", n, pl.bound));
        } else {
            n = pl.array ? static_cast<size_t>(pl.fixed) : 1;
        }
        const size_t bytes = pl.type == datatype::bit ? (n + 7) / 8 : n * static_cast<size_t>(es);
        if (bytes > max_cell_bytes) throw error(fmt::format("BINARY stream: a cell of {} bytes exceeds the limit", bytes));
        if (!need(bytes)) return nullptr;
        if (pl.text) {
            c.s = decode_text(p, pl.type, n, store.text[i]);
        } else if (!pl.array) {
            decode_scalar(p, pl, binary2, c);
        } else {
            auto& a = store.array[i];
            if (pl.type == datatype::bit) {
                a.resize(n);
                for (size_t k = 0; k < n; ++k) a[k] = (p[k / 8] >> (7 - k % 8)) & 1;
            } else {
                decode_elements(p, pl.type, n, a);
            }
            c.data = a.data();
            c.count = n;
            if (!binary2 && !pl.shape.variable && pl.null_value && all_null(pl, a, n)) c.null = true;
        }
        p += bytes;
        if (c.null) {
            c.s = {};
            c.data = nullptr;
            c.count = 0;
        }
    }
    return p;
}

}  // namespace dax::votable::detail
