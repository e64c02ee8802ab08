#pragma once
// Reads every byte a cell points at, by the field's datatype, so that ASan sees any cell whose
// string or array points outside live memory.
#include <dax/votable/field.hpp>

#include <cstdint>

namespace dax_fuzz {

inline std::uint64_t touch(const dax::votable::field& f, const dax::votable::cell& c) {
    using dax::votable::datatype;
    std::uint64_t h = c.null ? 1 : 0;
    h = h * 31 + static_cast<std::uint64_t>(c.i);
    h = h * 31 + static_cast<std::uint64_t>(c.d == c.d) + static_cast<std::uint64_t>(c.im == c.im);
    for (unsigned char ch : c.s) h = h * 31 + ch;
    if (c.count && !c.data) __builtin_trap();  // elements promised, none given
    const std::size_t n = c.data ? c.count : 0;
    std::size_t bytes = 0;
    switch (f.type) {
    case datatype::char_: case datatype::unicode_char: break;  // strings are in `s`
    case datatype::boolean: case datatype::bit: case datatype::unsigned_byte: bytes = n; break;
    case datatype::short_: bytes = 2 * n; break;
    case datatype::int_: case datatype::float_: bytes = 4 * n; break;
    case datatype::long_: case datatype::double_: bytes = 8 * n; break;
    case datatype::float_complex: bytes = 8 * n; break;
    case datatype::double_complex: bytes = 16 * n; break;
    }
    const auto* p = static_cast<const unsigned char*>(c.data);
    for (std::size_t i = 0; i < bytes; ++i) h = h * 31 + p[i];
    return h;
}

}  // namespace dax_fuzz
