#pragma once
// ASCII case folding: protocol names (HTTP headers, DALI parameters, ADQL keywords, VOTable
// booleans) are case-insensitive in ASCII only, whatever the locale.
#include <string>
#include <string_view>

namespace dax {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = ascii_lower(c);
    return r;
}

constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/// A value put into a URI (an ID, a file name, an ADQL query): everything but RFC 3986's
/// unreserved characters percent-encoded, so a space, '?', '&' or '#' cannot change the URI.
inline std::string uri_escaped(std::string_view v) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : v) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace dax
