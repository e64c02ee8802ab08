// TAP_SCHEMA is described in Felis like every other schema and filled through the same CSV
// loader as user tables: one path for metadata and data.
#include <dax/adql/felis.hpp>
#include <dax/tap/backend.hpp>
#include <dax/tap/tap_schema.hpp>

#include <dax/adql/parser.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <tuple>

namespace dax::tap {

/// libdax/schema/tap_schema.yaml, built in (libdax/CMakeLists.txt).
extern const char* const tap_schema_felis;

namespace {

// Writes rows of text through the CSV writer (so quoting follows RFC 4180).
class csv_table {
public:
    explicit csv_table(const adql::table_info& t) : w_(votable::make_csv_writer(sink_)) {
        for (const auto& c : t.columns) fields_.push_back(to_field(c));
        w_->begin(fields_);
    }
    // Values as text; "" is NULL for numbers and the empty string for text.
    void row(const std::vector<std::string>& values) {
        std::vector<votable::cell> cells;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (fields_[i].type == votable::datatype::int_) cells.push_back(values[i].empty() ? votable::cell::none() : votable::cell::integer(std::stoll(values[i])));
            else cells.push_back(votable::cell::text(values[i]));
        }
        w_->row(cells);
    }
    std::string done() {
        w_->finish();
        return std::move(sink_.out);
    }

private:
    votable::string_sink sink_;
    std::vector<votable::field> fields_;
    std::unique_ptr<votable::table_writer> w_;
};

const adql::table_info& find(const adql::memory_catalog& c, std::string_view name) {
    for (const auto& t : c.tables())
        if (t->schema == "TAP_SCHEMA" && t->name == name) return *t;
    throw error(fmt::format("internal: TAP_SCHEMA.{} is not in the catalog", name));
}

}  // namespace

std::string published_column_name(std::string_view name) {
    if (adql::is_regular_identifier(name)) return std::string(name);
    std::string s = "\"";
    for (char c : name) s += c == '"' ? std::string("\"\"") : std::string(1, c);
    return s + "\"";
}

std::vector<adql::foreign_key_info> foreign_keys(const adql::memory_catalog& published) {
    // TAP_SCHEMA's own foreign keys (TAP 1.1 section 4).
    const std::tuple<const char*, const char*, const char*, const char*, const char*> own[] = {
        {"tap_schema_tables_schemas", "TAP_SCHEMA.tables", "TAP_SCHEMA.schemas", "schema_name", "schema_name"},
        {"tap_schema_columns_tables", "TAP_SCHEMA.columns", "TAP_SCHEMA.tables", "table_name", "table_name"},
        {"tap_schema_keys_from", "TAP_SCHEMA.keys", "TAP_SCHEMA.tables", "from_table", "table_name"},
        {"tap_schema_keys_target", "TAP_SCHEMA.keys", "TAP_SCHEMA.tables", "target_table", "table_name"},
        {"tap_schema_key_columns_keys", "TAP_SCHEMA.key_columns", "TAP_SCHEMA.keys", "key_id", "key_id"},
    };
    std::vector<adql::foreign_key_info> keys;
    for (const auto& [id, from, target, fc, tc] : own)
        keys.push_back({id, from, target, {{fc, tc}}, fmt::format("{}.{} refers to {}.{}", from, fc, target, tc)});
    for (const auto& k : published.foreign_keys()) keys.push_back(k);
    return keys;
}

void add_tap_schema_tables(adql::memory_catalog& into) {
    auto r = adql::load_felis_text(tap_schema_felis, into);
    if (!r) throw r.err();
}

std::vector<std::pair<std::string, std::string>> tap_schema_csv(
    const adql::memory_catalog& published, const std::map<std::string, std::string>& schema_descriptions) {
    csv_table schemas(find(published, "schemas")), tables(find(published, "tables")),
        columns(find(published, "columns")), keys(find(published, "keys")), key_columns(find(published, "key_columns"));
    std::vector<std::string> seen;
    int table_index = 0;
    for (const auto& t : published.tables()) {
        if (std::find(seen.begin(), seen.end(), t->schema) == seen.end()) {
            seen.push_back(t->schema);
            auto d = schema_descriptions.find(t->schema);
            schemas.row({t->schema, "", d == schema_descriptions.end() ? "" : d->second, std::to_string(seen.size())});
        }
        const std::string qualified = t->schema + "." + t->name;
        tables.row({t->schema, qualified, "table", "", t->description, std::to_string(++table_index)});
        int column_index = 0;
        for (const auto& c : t->columns) {
            ++column_index;
            const auto f = to_field(c);
            std::string size;  // the deprecated "size": the bound of a 1-D arraysize
            if (!f.arraysize.empty() && f.arraysize.find('x') == std::string::npos && f.arraysize != "*") {
                size = f.arraysize;
                if (size.back() == '*') size.pop_back();
            }
            columns.row({qualified, published_column_name(c.name), std::string(votable::datatype_name(f.type)), f.arraysize, c.xtype, size,
                         c.description, c.utype, c.unit, c.ucd, c.indexed ? "1" : "0", c.principal ? "1" : "0",
                         c.std ? "1" : "0", std::to_string(c.column_index ? c.column_index : column_index)});
        }
    }
    for (const auto& k : foreign_keys(published)) {
        keys.row({k.id, k.from_table, k.target_table, "", k.description});
        for (const auto& [from, target] : k.columns) key_columns.row({k.id, from, target});
    }
    return {{"schemas", schemas.done()}, {"tables", tables.done()}, {"columns", columns.done()},
            {"keys", keys.done()}, {"key_columns", key_columns.done()}};
}

}  // namespace dax::tap
