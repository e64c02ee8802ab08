#include "values.hpp"

#include <atomic>

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

value_kind kind_of(const votable::field& f) {
    using votable::datatype;
    if (f.xtype == "adql:REGION") return value_kind::region;
    if (f.xtype == "point" || f.xtype == "circle" || f.xtype == "polygon") return value_kind::shape;
    const bool scalar = f.arraysize.empty();
    switch (f.type) {
    case datatype::boolean: case datatype::unsigned_byte: case datatype::short_: case datatype::int_: case datatype::long_:
        return scalar ? value_kind::integer : value_kind::other_array;
    case datatype::float_: case datatype::double_: return scalar ? value_kind::real : value_kind::real_array;
    case datatype::char_: case datatype::unicode_char: return value_kind::text;
    default: return value_kind::other_array;
    }
}

const char* sql_type_of(const votable::field& f, const sql_type_names& n) {
    using votable::datatype;
    if (!f.arraysize.empty()) return n.text;
    switch (f.type) {
    case datatype::boolean: return n.boolean;
    case datatype::unsigned_byte: case datatype::short_: return n.smallint;
    case datatype::int_: return n.integer;
    case datatype::long_: return n.bigint;
    case datatype::float_: return n.real;
    case datatype::double_: return n.double_;
    default: return n.text;
    }
}

// A catalog column as a result field: a char without arraysize is a string unless the
// catalog said "char" (one character), as TAP_SCHEMA's "varchar"-like types arrive.
votable::field to_field(const adql::column_info& c) {
    votable::field f;
    f.name = c.name;
    f.type = votable::datatype_from_name(c.datatype).value_or(votable::datatype::char_);
    f.arraysize = c.arraysize;
    if (f.type == votable::datatype::char_ && f.arraysize.empty() && c.datatype != "char") f.arraysize = "*";
    f.xtype = c.xtype;
    f.unit = c.unit;
    f.ucd = c.ucd;
    f.utype = c.utype;
    f.description = c.description;
    return f;
}

std::vector<votable::field> table_fields(const adql::table_info& t) {
    std::vector<votable::field> f;
    for (const auto& c : t.columns) f.push_back(to_field(c));
    return f;
}

namespace {
std::atomic<std::uint64_t> rows_written{0};
}  // namespace
void add_rows_written(std::uint64_t n) { rows_written.fetch_add(n, std::memory_order_relaxed); }
std::uint64_t rows_written_total() { return rows_written.load(std::memory_order_relaxed); }

}  // namespace dax::tap
