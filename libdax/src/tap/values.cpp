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

std::vector<votable::field> table_fields(const adql::table_info& t) {
    std::vector<votable::field> f;
    for (const auto& c : t.columns) f.push_back(to_field(c));
    return f;
}

}  // namespace dax::tap
