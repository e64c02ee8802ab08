#pragma once
/// UTF-8 validation of text that arrives from outside (queries, request parameters).
#include <cstddef>
#include <string_view>

namespace dax {

/// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
/// overlong forms, no surrogates, nothing above U+10FFFF), or npos when all of `s` is valid.
std::size_t invalid_utf8_offset(std::string_view s);

/// True when `s` is well-formed UTF-8.
inline bool valid_utf8(std::string_view s) { return invalid_utf8_offset(s) == std::string_view::npos; }

}  // namespace dax
