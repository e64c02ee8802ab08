#include <dax/utf8.hpp>
#include <algorithm>
#include "cell_codec.hpp"

#include <dax/ascii.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace dax::votable::detail {

field_plan plan_for(const field& f) {
    field_plan p;
    p.type = f.type;
    p.shape = parse_arraysize(f.arraysize);
    p.text = f.type == datatype::char_ || f.type == datatype::unicode_char;
    p.array = !p.shape.scalar();
    p.fixed = p.shape.fixed_elements();
    if (p.shape.variable) {
        const std::int64_t last = p.shape.dims.back();
        p.bound = last ? p.fixed * last : 0;
    }
    p.null_value = f.null_value;
    return p;
}

namespace {

// ---- TABLEDATA ----

void escaped(output_buffer& out, std::string_view s) {
    // Text that is not plain XML-safe UTF-8 (invalid bytes from a database, U+FFFE/U+FFFF) takes
    // the careful path, so the document stays well-formed; ASCII never does.
    if (std::any_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }) &&
        (!valid_utf8(s) || s.find("\xEF\xBF\xBE") != std::string_view::npos || s.find("\xEF\xBF\xBF") != std::string_view::npos))
        return out.put(xml_escape(s));
    for (char ch : s) {
        const unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
        case '&': out.put("&amp;"); break;
        case '<': out.put("&lt;"); break;
        case '>': out.put("&gt;"); break;
        default: out.put(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : ch);
        }
    }
}

template <class T>
void real(output_buffer& out, T v) {
    if (std::isnan(v)) out.put("NaN");
    else if (std::isinf(v)) out.put(v > 0 ? "+Inf" : "-Inf");
    else out.number(v);
}

template <class T>
void numbers(output_buffer& out, const void* data, std::size_t n, std::size_t per) {
    const T* v = static_cast<const T*>(data);
    for (std::size_t i = 0; i < n * per; ++i) {
        if (i) out.put(' ');
        if constexpr (std::is_floating_point_v<T>) real(out, v[i]);
        else out.number(static_cast<std::int64_t>(v[i]));
    }
}

std::size_t clamp_count(const field_plan& p, std::size_t n) {
    if (!p.shape.variable) return std::min<std::size_t>(n, static_cast<std::size_t>(p.fixed));
    if (p.bound) return std::min<std::size_t>(n, static_cast<std::size_t>(p.bound));
    return n;
}

// ---- BINARY ----

template <class T>
void be(std::string& out, T v) {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    char b[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>((u >> (8 * (sizeof(T) - 1 - i))) & 0xFF);
    out.append(b, sizeof(T));
}

void be_float(std::string& out, float v) { be(out, std::bit_cast<std::uint32_t>(v)); }
void be_double(std::string& out, double v) { be(out, std::bit_cast<std::uint64_t>(v)); }

}  // namespace

std::int64_t default_null(datatype t) {
    switch (t) {
    case datatype::unsigned_byte: return 255;
    case datatype::short_: return std::numeric_limits<std::int16_t>::min();
    case datatype::int_: return std::numeric_limits<std::int32_t>::min();
    default: return std::numeric_limits<std::int64_t>::min();
    }
}

namespace {

void scalar_integer(std::string& out, datatype t, std::int64_t v) {
    switch (t) {
    case datatype::unsigned_byte: out.push_back(static_cast<char>(v)); break;
    case datatype::short_: be(out, static_cast<std::int16_t>(v)); break;
    case datatype::int_: be(out, static_cast<std::int32_t>(v)); break;
    default: be(out, static_cast<std::int64_t>(v)); break;
    }
}

// One element of a numeric array from native data (or a null filler when data is null).
void element(std::string& out, datatype t, const void* data, std::size_t i, std::int64_t int_null = 0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    switch (t) {
    case datatype::boolean: out.push_back(data ? static_cast<const char*>(data)[i] : '?'); break;
    case datatype::unsigned_byte: out.push_back(data ? static_cast<const char*>(data)[i] : static_cast<char>(int_null)); break;
    case datatype::short_: be(out, data ? static_cast<const std::int16_t*>(data)[i] : static_cast<std::int16_t>(int_null)); break;
    case datatype::int_: be(out, data ? static_cast<const std::int32_t*>(data)[i] : static_cast<std::int32_t>(int_null)); break;
    case datatype::long_: be(out, data ? static_cast<const std::int64_t*>(data)[i] : int_null); break;
    case datatype::float_: be_float(out, data ? static_cast<const float*>(data)[i] : static_cast<float>(nan)); break;
    case datatype::double_: be_double(out, data ? static_cast<const double*>(data)[i] : nan); break;
    case datatype::float_complex:
        be_float(out, data ? static_cast<const float*>(data)[2 * i] : static_cast<float>(nan));
        be_float(out, data ? static_cast<const float*>(data)[2 * i + 1] : static_cast<float>(nan));
        break;
    case datatype::double_complex:
        be_double(out, data ? static_cast<const double*>(data)[2 * i] : nan);
        be_double(out, data ? static_cast<const double*>(data)[2 * i + 1] : nan);
        break;
    default: break;
    }
}

void bits(std::string& out, const unsigned char* v, std::size_t n, std::size_t width) {
    for (std::size_t byte = 0; byte < (width + 7) / 8; ++byte) {
        unsigned char b = 0;
        for (int k = 0; k < 8; ++k) {
            const std::size_t i = byte * 8 + static_cast<std::size_t>(k);
            if (i < n && v && v[i]) b |= static_cast<unsigned char>(0x80 >> k);
        }
        out.push_back(static_cast<char>(b));
    }
}

// UTF-8 to UCS-2 code units (code points beyond the BMP become '?').
void ucs2(std::string_view s, std::u16string& out) {
    out.clear();
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        char32_t cp;
        int len;
        if (c < 0x80) { cp = c; len = 1; }
        else if ((c >> 5) == 6) { cp = c & 0x1F; len = 2; }
        else if ((c >> 4) == 14) { cp = c & 0x0F; len = 3; }
        else if ((c >> 3) == 30) { cp = c & 0x07; len = 4; }
        else { out.push_back(u'?'); ++i; continue; }
        if (i + static_cast<size_t>(len) > s.size()) { out.push_back(u'?'); break; }
        for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3F);
        out.push_back(cp > 0xFFFF ? u'?' : static_cast<char16_t>(cp));
        i += static_cast<size_t>(len);
    }
}

}  // namespace

void tabledata_cell(output_buffer& out, const field_plan& p, const cell& c) {
    if (p.text) {
        std::string_view s = c.s;
        if (!p.array) s = s.substr(0, 1);
        else if (p.type == datatype::char_ && (!p.shape.variable || p.bound)) {
            const std::size_t limit = p.shape.variable ? static_cast<std::size_t>(p.bound) : static_cast<std::size_t>(p.fixed);
            if (s.size() > limit) s = s.substr(0, limit);
        }
        escaped(out, s);
        return;
    }
    if (!p.array) {
        switch (p.type) {
        case datatype::boolean: out.put(c.i ? 'T' : 'F'); return;
        case datatype::bit: out.put(c.i ? '1' : '0'); return;
        case datatype::float_: real(out, static_cast<float>(c.d)); return;
        case datatype::double_: real(out, c.d); return;
        case datatype::float_complex:
            real(out, static_cast<float>(c.d));
            out.put(' ');
            real(out, static_cast<float>(c.im));
            return;
        case datatype::double_complex:
            real(out, c.d);
            out.put(' ');
            real(out, c.im);
            return;
        default: out.number(c.i); return;
        }
    }
    const std::size_t n = clamp_count(p, c.count);
    switch (p.type) {
    case datatype::boolean:
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out.put(' ');
            const char v = static_cast<const char*>(c.data)[i];
            out.put(v == 'T' || v == 't' || v == '1' ? 'T' : v == 'F' || v == 'f' || v == '0' ? 'F' : '?');
        }
        return;
    case datatype::bit:
        for (std::size_t i = 0; i < n; ++i) out.put(static_cast<const unsigned char*>(c.data)[i] ? '1' : '0');
        return;
    case datatype::unsigned_byte: numbers<unsigned char>(out, c.data, n, 1); return;
    case datatype::short_: numbers<std::int16_t>(out, c.data, n, 1); return;
    case datatype::int_: numbers<std::int32_t>(out, c.data, n, 1); return;
    case datatype::long_: numbers<std::int64_t>(out, c.data, n, 1); return;
    case datatype::float_: numbers<float>(out, c.data, n, 1); return;
    case datatype::double_: numbers<double>(out, c.data, n, 1); return;
    case datatype::float_complex: numbers<float>(out, c.data, n, 2); return;
    case datatype::double_complex: numbers<double>(out, c.data, n, 2); return;
    default: return;
    }
}

void binary_cell(std::string& out, const field_plan& p, const cell& c) {
    if (p.text) {
        thread_local std::u16string units;
        std::string_view s = c.null ? std::string_view() : c.s;
        std::size_t n;
        if (p.type == datatype::unicode_char) {
            ucs2(s, units);
            n = units.size();
        } else {
            n = s.size();
        }
        std::size_t width;
        if (!p.array) width = 1;
        else if (!p.shape.variable) width = static_cast<std::size_t>(p.fixed);
        else {
            if (p.bound) n = std::min(n, static_cast<std::size_t>(p.bound));
            be(out, static_cast<std::int32_t>(n));
            width = n;
        }
        for (std::size_t i = 0; i < width; ++i) {
            if (p.type == datatype::unicode_char) be(out, static_cast<std::uint16_t>(i < n ? units[i] : 0));
            else out.push_back(i < n ? s[i] : '\0');
        }
        return;
    }
    if (!p.array) {
        switch (p.type) {
        case datatype::boolean: out.push_back(c.null ? '?' : c.i ? 'T' : 'F'); return;
        case datatype::bit: out.push_back(static_cast<char>(!c.null && c.i ? 0x80 : 0)); return;
        case datatype::float_: be_float(out, c.null ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(c.d)); return;
        case datatype::double_: be_double(out, c.null ? std::numeric_limits<double>::quiet_NaN() : c.d); return;
        case datatype::float_complex:
            be_float(out, c.null ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(c.d));
            be_float(out, c.null ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(c.im));
            return;
        case datatype::double_complex:
            be_double(out, c.null ? std::numeric_limits<double>::quiet_NaN() : c.d);
            be_double(out, c.null ? std::numeric_limits<double>::quiet_NaN() : c.im);
            return;
        default:
            scalar_integer(out, p.type, c.null ? p.null_value.value_or(default_null(p.type)) : c.i);
            return;
        }
    }
    const void* data = c.null ? nullptr : c.data;
    std::size_t n = c.null ? 0 : c.count;
    std::size_t width;
    if (p.shape.variable) {
        if (p.bound) n = std::min(n, static_cast<std::size_t>(p.bound));
        be(out, static_cast<std::int32_t>(n));
        width = n;
    } else {
        width = static_cast<std::size_t>(p.fixed);
        n = std::min(n, width);
    }
    if (p.type == datatype::bit) {
        bits(out, static_cast<const unsigned char*>(data), n, width);
        return;
    }
    // A null fixed-size array is written whole: NaN, '?' or the declared null value.
    const std::int64_t int_null = c.null && p.magic_null ? *p.null_value : 0;
    for (std::size_t i = 0; i < width; ++i) element(out, p.type, i < n ? data : nullptr, i, int_null);
}

void tabledata_null_array(output_buffer& out, const field_plan& p) {
    const std::size_t n = p.array ? static_cast<std::size_t>(p.fixed) : 1;
    for (std::size_t i = 0; i < n; ++i) {
        if (i && p.type != datatype::bit) out.put(' ');
        switch (p.type) {
        case datatype::boolean: out.put('?'); break;
        case datatype::bit: out.put('0'); break;
        case datatype::float_: case datatype::double_: out.put("NaN"); break;
        case datatype::float_complex: case datatype::double_complex: out.put("NaN NaN"); break;
        default: out.number(p.null_value.value_or(0)); break;
        }
    }
}

std::optional<bool> boolean_of(std::string_view text) {
    const std::string l = ascii_lower(text);
    if (l == "t" || l == "true" || l == "1") return true;
    if (l == "f" || l == "false" || l == "0") return false;
    return std::nullopt;
}

}  // namespace dax::votable::detail
