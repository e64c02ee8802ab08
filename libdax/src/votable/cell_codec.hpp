#pragma once
// Per-field plans and the encoders of one cell: TABLEDATA text and BINARY bytes. Shared by the
// VOTable writer (and, for the plans, the reader).
#include <dax/votable/field.hpp>

#include "output_buffer.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>

namespace dax::votable::detail {

struct field_plan {
    datatype type;
    array_shape shape;
    bool array = false;        // not a scalar (char with arraysize is a string)
    bool text = false;         // char / unicodeChar
    std::int64_t fixed = 1;    // elements of a fixed shape
    std::int64_t bound = 0;    // max elements of a variable shape (0: none)
    std::optional<std::int64_t> null_value;  // the VALUES null declared for this column
    bool magic_null = false;                 // nulls are written as null_value
};

/// The value BINARY uses for a null integer when none is declared.
std::int64_t default_null(datatype t);

/// TABLEDATA of a null fixed-size numeric array: NaN, '?' or the null value in every element.
void tabledata_null_array(output_buffer& out, const field_plan& p);

field_plan plan_for(const field& f);

/// A number's text (already trimmed): NaN and [+-]Inf for floating types, a leading '+', and
/// with `hex` 0x... integers (VOTable TABLEDATA); nothing if the text is not all a number.
template <class T>
std::optional<T> number_of(std::string_view s, bool hex) {
    T v{};
    if constexpr (std::is_floating_point_v<T>) {
        if (s == "NaN" || s == "nan") return std::numeric_limits<T>::quiet_NaN();
        if (s == "+Inf" || s == "Inf" || s == "inf") return std::numeric_limits<T>::infinity();
        if (s == "-Inf" || s == "-inf") return -std::numeric_limits<T>::infinity();
        if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    }
    int base = 10;
    if constexpr (std::is_integral_v<T>) {
        if (hex && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            s.remove_prefix(2);
            base = 16;
        }
    }
    std::from_chars_result r;
    if constexpr (std::is_integral_v<T>) r = std::from_chars(s.data(), s.data() + s.size(), v, base);
    else r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

/// A boolean's text (T, true, 1, F, false, 0 in any case), or nothing if it is none of these.
std::optional<bool> boolean_of(std::string_view text);

/// Appends the TABLEDATA text of one non-null cell (escaped) to `out`.
void tabledata_cell(output_buffer& out, const field_plan& p, const cell& c);

/// Appends the BINARY bytes of one cell (null cells filled as the standard recommends).
void binary_cell(std::string& out, const field_plan& p, const cell& c);

}  // namespace dax::votable::detail
