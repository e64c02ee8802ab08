#include "values.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace dax::tap {

position_columns find_position(const adql::table_info& t) {
    position_columns p;
    for (const auto& c : t.columns) {
        if (c.ucd.rfind("pos.eq.ra;meta.main", 0) == 0) p.ra = &c;
        if (c.ucd.rfind("pos.eq.dec;meta.main", 0) == 0) p.dec = &c;
    }
    if (!p.ra || !p.dec) p = {};
    return p;
}

std::string array_text(const votable::field& f, const votable::cell& c) {
    std::string out;
    for (std::size_t i = 0; i < c.count; ++i) {
        if (i) out += ' ';
        switch (f.type) {
        case votable::datatype::double_: fmt::format_to(std::back_inserter(out), "{}", static_cast<const double*>(c.data)[i]); break;
        case votable::datatype::float_: fmt::format_to(std::back_inserter(out), "{}", static_cast<const float*>(c.data)[i]); break;
        case votable::datatype::short_: fmt::format_to(std::back_inserter(out), "{}", static_cast<const std::int16_t*>(c.data)[i]); break;
        case votable::datatype::int_: fmt::format_to(std::back_inserter(out), "{}", static_cast<const std::int32_t*>(c.data)[i]); break;
        case votable::datatype::long_: fmt::format_to(std::back_inserter(out), "{}", static_cast<const std::int64_t*>(c.data)[i]); break;
        default: fmt::format_to(std::back_inserter(out), "{}", static_cast<const std::uint8_t*>(c.data)[i]); break;
        }
    }
    return out;
}

void scan_numbers(std::string_view v, std::vector<double>& out) {
    out.clear();
    const char* p = v.data();
    const char* end = p + v.size();
    while (p < end) {
        if (*p == '+') ++p;  // from_chars takes no leading '+'
        if (p < end && (std::isdigit(static_cast<unsigned char>(*p)) || *p == '-' || *p == '.')) {
            double d;
            auto [q, ec] = std::from_chars(p, end, d);
            if (ec != std::errc() || q == p) {
                ++p;
                continue;
            }
            out.push_back(d);
            p = q;
        } else if (p < end) {
            ++p;
        }
    }
}

std::vector<votable::field> table_fields(const adql::table_info& t) {
    std::vector<votable::field> f;
    for (const auto& c : t.columns) f.push_back(to_field(c));
    return f;
}

std::string stcs_from_numbers(const std::vector<double>& n) {
    std::string t = n.size() == 2 ? "POSITION ICRS" : n.size() == 3 ? "CIRCLE ICRS" : "POLYGON ICRS";
    for (double d : n) fmt::format_to(std::back_inserter(t), " {}", d);
    return t;
}

std::string region_text(std::string_view value) {
    if (value.empty() || std::isalpha(static_cast<unsigned char>(value[0]))) return std::string(value);
    std::size_t n = 0;
    bool in = false;
    for (char ch : value) {
        const bool sep = ch == ' ' || ch == '\t' || ch == ',';
        if (!sep && !in) ++n;
        in = !sep;
    }
    // The numbers are kept as written (no reformatting of the catalogue's digits).
    return fmt::format("{} ICRS {}", n == 2 ? "POSITION" : n == 3 ? "CIRCLE" : "POLYGON", value);
}

}  // namespace dax::tap
