#include <dax/tap/timeseries.hpp>

#include <dax/adql/parser.hpp>
#include <dax/ascii.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace dax::tap {

namespace {

error usage(const std::string& m) { return error(error_kind::usage, "UsageFault: " + m); }

// A catalog name in ADQL: delimited when it is reserved or not regular ("time", "value", mixed
// case), its quotes doubled (ADQL 2.1 section 2.1.3).
std::string name(std::string_view n) {
    if (adql::is_regular_identifier(n)) return std::string(n);
    std::string q = "\"";
    for (char c : n) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}
std::string table_name(const adql::table_info& t) { return name(t.schema) + "." + name(t.name); }

const adql::table_info* find_table(const adql::memory_catalog& c, const std::string& qualified) {
    for (const auto& t : c.tables())
        if (ascii_iequals(t->schema + "." + t->name, qualified)) return t.get();
    return nullptr;
}

const adql::column_info* find_column(const adql::table_info& t, std::string_view name) {
    for (const auto& c : t.columns)
        if (ascii_iequals(c.name, name)) return &c;
    return nullptr;
}

bool integer_type(const std::string& datatype) {
    return datatype == "short" || datatype == "int" || datatype == "long" || datatype == "unsignedByte";
}

// A literal of the column's type: an integer checked as one, text quoted ('' doubled).
result<std::string> literal(const adql::column_info& c, const std::string& value, const char* what) {
    if (integer_type(c.datatype)) {
        long long v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (value.empty() || ec != std::errc() || p != value.data() + value.size())
            return usage(fmt::format("{} '{}' is not an integer, as {} is", what, value, c.name));
        return std::to_string(v);
    }
    if (c.datatype != "char" && c.datatype != "unicodeChar") return usage(fmt::format("{} cannot be compared with {} ({})", what, c.name, c.datatype));
    if (value.size() > 256 || std::any_of(value.begin(), value.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
        return usage(fmt::format("{} is not a plain text of at most 256 characters", what));
    std::string q = "'";
    for (char ch : value) q += ch == '\'' ? std::string("''") : std::string(1, ch);
    return q + "'";
}

}  // namespace

result<std::string> timeseries_adql(const adql::memory_catalog& catalog, const timeseries_request& r) {
    const auto* t = find_table(catalog, r.table);
    if (!t) return usage(fmt::format("table '{}' is not a published table (see TAP_SCHEMA.tables)", r.table));
    const std::string tname = t->schema + "." + t->name, tsql = table_name(*t);
    const auto* idc = find_column(*t, r.id_column);
    if (!idc) return usage(fmt::format("id_column '{}' is not a column of {}", r.id_column, tname));
    auto id = literal(*idc, r.id, "id");
    if (!id) return id.err();

    // The time: in the table itself, or in a table one of its foreign keys points at.
    std::string time_expr, join;
    const adql::column_info* timec = nullptr;
    const auto dot = r.join_time_column.rfind('.');
    if (dot == std::string::npos || ascii_iequals(r.join_time_column.substr(0, dot), tname)) {
        timec = find_column(*t, dot == std::string::npos ? r.join_time_column : r.join_time_column.substr(dot + 1));
        if (!timec) return usage(fmt::format("join_time_column '{}' is not a column of {}", r.join_time_column, tname));
        time_expr = "s." + name(timec->name);
    } else {
        const auto* other = find_table(catalog, r.join_time_column.substr(0, dot));
        if (!other) return usage(fmt::format("join_time_column '{}': no published table {}", r.join_time_column, r.join_time_column.substr(0, dot)));
        timec = find_column(*other, r.join_time_column.substr(dot + 1));
        if (!timec) return usage(fmt::format("join_time_column '{}' is not a column of {}", r.join_time_column, other->schema + "." + other->name));
        const std::string oname = other->schema + "." + other->name;
        const adql::foreign_key_info* key = nullptr;
        for (const auto& k : catalog.foreign_keys())
            if (ascii_iequals(k.from_table, tname) && ascii_iequals(k.target_table, oname) && !k.columns.empty()) key = &k;
        if (!key) return usage(fmt::format("join_time_column '{}': {} has no foreign key to {} (TAP_SCHEMA.keys)", r.join_time_column, tname, oname));
        join = fmt::format(" JOIN {} AS j ON ", table_name(*other));
        for (std::size_t i = 0; i < key->columns.size(); ++i)
            join += fmt::format("{}s.{} = j.{}", i ? " AND " : "", name(key->columns[i].first), name(key->columns[i].second));
        time_expr = "j." + name(timec->name);
    }
    if (!integer_type(timec->datatype) && timec->datatype != "double" && timec->datatype != "float" && timec->xtype != "timestamp")
        return usage(fmt::format("join_time_column '{}' is not a time (a number or a timestamp)", r.join_time_column));

    std::string where = fmt::format("s.{} = {}", name(idc->name), *id);
    const auto* bandc = find_column(*t, "band");
    if (!r.band.empty() && !ascii_iequals(r.band, "all")) {
        if (!bandc) return usage(fmt::format("band '{}': {} has no band column (give band=all)", r.band, tname));
        auto b = literal(*bandc, r.band, "band");
        if (!b) return b.err();
        where += fmt::format(" AND s.{} = {}", name(bandc->name), *b);
    }

    std::vector<const adql::column_info*> cols;
    const std::string detail = ascii_lower(r.detail.empty() ? "full" : r.detail);
    if (detail == "principal" || detail == "minimal") {
        for (const auto& c : t->columns)
            if (detail == "principal" ? c.principal : c.minimal) cols.push_back(&c);
        if (detail == "minimal" && cols.empty())
            for (const auto* c : {idc, bandc})
                if (c) cols.push_back(c);
        std::stable_sort(cols.begin(), cols.end(), [](const auto* a, const auto* b) {
            return (a->column_index ? a->column_index : 1 << 30) < (b->column_index ? b->column_index : 1 << 30);
        });
        if (cols.empty()) return usage(fmt::format("detail=principal: {} has no principal column", tname));
    } else if (detail != "full") {
        return usage(fmt::format("detail '{}' is not full, principal or minimal", r.detail));
    }
    std::string select;
    if (cols.empty()) select = "s.*";
    for (const auto* c : cols) select += (select.empty() ? "s." : ", s.") + name(c->name);
    // The time is always there, named as the column it comes from; a joined time whose name the
    // table also has is named after its table too (no two result columns share a name).
    if (!join.empty()) {
        const auto* other = find_table(catalog, r.join_time_column.substr(0, dot));
        const bool clash = find_column(*t, timec->name) != nullptr;
        select += ", " + time_expr + " AS " + name(clash ? other->name + "_" + timec->name : timec->name);
    } else if (!cols.empty() && std::find(cols.begin(), cols.end(), timec) == cols.end()) {
        select += ", " + time_expr;
    }
    return fmt::format("SELECT {} FROM {} AS s{} WHERE {} ORDER BY {}", select, tsql, join, where, time_expr);
}

}  // namespace dax::tap
