// The TAP query path: parameters (TAP 1.1 section 2.3, DALI 1.1 section 3) -> parsed,
// resolved query -> the one backend holding its tables -> SQL -> rows in the asked format.
#include <dax/adql/felis.hpp>
#include <dax/ascii.hpp>
#include <dax/adql/parser.hpp>
#include <dax/adql/translate.hpp>
#include <dax/fits/fits_writer.hpp>
#include <dax/tap/service.hpp>
#include <dax/tap/tap_schema.hpp>
#include <dax/votable/reader.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

namespace dax::tap {
namespace {

using dali::iequals;
using dali::trim;
std::string lower(std::string_view s) { return ascii_lower(s); }

// Published tables plus this query's uploads (TAP_UPLOAD.*).
class layered_catalog final : public adql::catalog {
public:
    layered_catalog(const adql::catalog& base, const std::vector<upload_table>& uploads) : base_(base), uploads_(uploads) {}
    std::vector<const adql::table_info*> tables_named(std::string_view folded) const override {
        auto r = base_.tables_named(folded);
        for (const auto& u : uploads_)
            if (lower(u.table.name) == folded) r.push_back(&u.table);
        return r;
    }
    const adql::function_info* function_named(std::string_view n) const override { return base_.function_named(n); }

private:
    const adql::catalog& base_;
    const std::vector<upload_table>& uploads_;
};

// Every catalog table a resolved query reads.
void collect(const adql::query& q, std::set<const adql::table_info*>& out);
void collect(const adql::expr* e, std::set<const adql::table_info*>& out) {
    if (!e) return;
    if (e->sub) collect(*e->sub, out);
    for (const auto& a : e->args) collect(a.get(), out);
}
void collect(const adql::table_ref* t, std::set<const adql::table_info*>& out) {
    if (!t) return;
    if (t->table) out.insert(t->table);
    if (t->sub) collect(*t->sub, out);
    collect(t->left.get(), out);
    collect(t->right.get(), out);
    collect(t->on.get(), out);
}
void collect(const adql::set_expr* s, std::set<const adql::table_info*>& out) {
    if (!s) return;
    if (s->nested) collect(*s->nested, out);
    if (const auto* c = s->select.get()) {
        for (const auto& i : c->items) collect(i.value.get(), out);
        for (const auto& f : c->from) collect(f.get(), out);
        collect(c->where.get(), out);
        for (const auto& g : c->group_by) collect(g.get(), out);
        collect(c->having.get(), out);
    }
    collect(s->left.get(), out);
    collect(s->right.get(), out);
}
void collect(const adql::query& q, std::set<const adql::table_info*>& out) {
    for (const auto& w : q.with) collect(*w.body, out);
    collect(q.body.get(), out);
    for (const auto& o : q.order_by) collect(o.value.get(), out);
}


// DALI text of a cell read from an uploaded VOTable.
std::string cell_text(const votable::field& f, const votable::cell& c) {
    if (c.null) return "";
    using votable::datatype;
    if (f.arraysize.empty()) {
        switch (f.type) {
        case datatype::float_: case datatype::double_: return std::isnan(c.d) ? "" : fmt::format("{}", c.d);
        case datatype::char_: case datatype::unicode_char: return std::string(c.s);
        case datatype::float_complex: case datatype::double_complex: return fmt::format("{} {}", c.d, c.im);
        default: return std::to_string(c.i);
        }
    }
    if (f.type == datatype::char_ || f.type == datatype::unicode_char) return std::string(c.s);
    std::string out;
    for (std::size_t i = 0; i < c.count; ++i) {
        if (i) out += ' ';
        switch (f.type) {
        case datatype::double_: out += fmt::format("{}", static_cast<const double*>(c.data)[i]); break;
        case datatype::float_: out += fmt::format("{}", static_cast<const float*>(c.data)[i]); break;
        case datatype::short_: out += std::to_string(static_cast<const std::int16_t*>(c.data)[i]); break;
        case datatype::int_: out += std::to_string(static_cast<const std::int32_t*>(c.data)[i]); break;
        case datatype::long_: out += std::to_string(static_cast<const std::int64_t*>(c.data)[i]); break;
        default: out += std::to_string(static_cast<const std::uint8_t*>(c.data)[i]); break;
        }
    }
    return out;
}

// One UPLOAD table (TAP 1.1 section 2.5.8; DALI 1.1 section 3.4.5 "name,param:part").
// A CSV upload (header line of column names): values kept as text, each column typed long,
// double or char from what all its values parse as.
result<upload_table> read_csv_upload(const std::string& name, const std::string& content, const limits& lim) {
    std::vector<std::string> names;
    {
        std::string cur;
        bool quoted = false;
        for (std::size_t i = 0; i < content.size(); ++i) {
            const char ch = content[i];
            if (quoted) {
                if (ch == '"' && i + 1 < content.size() && content[i + 1] == '"') cur += content[++i];
                else if (ch == '"') quoted = false;
                else cur += ch;
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',' || ch == '\n' || ch == '\r') {
                names.push_back(trim(cur));
                cur.clear();
                if (ch != ',') break;
            } else {
                cur += ch;
            }
        }
    }
    std::vector<votable::field> fields;
    std::set<std::string> seen;
    for (const auto& n : names) {
        if (!adql::is_regular_identifier(n) || !seen.insert(lower(n)).second)
            return error(fmt::format("UPLOAD {}: CSV column name '{}' is not a unique ADQL regular identifier", name, n));
        votable::field f;
        f.name = n;
        f.type = votable::datatype::char_;
        f.arraysize = "*";
        fields.push_back(f);
    }
    auto r = votable::open_csv_reader(content, fields);
    if (!r) return error(fmt::format("UPLOAD {}: {}", name, r.err().what()));
    upload_table u;
    u.table.schema = "TAP_UPLOAD";
    u.table.name = name;
    std::vector<bool> integer(fields.size(), true), real(fields.size(), true);
    try {
        while ((*r)->next()) {
            if (u.rows.size() >= lim.max_upload_rows) return error(fmt::format("UPLOAD {}: more than {} rows", name, lim.max_upload_rows));
            auto row = (*r)->row();
            std::vector<std::string> values;
            for (std::size_t i = 0; i < fields.size(); ++i) {
                std::string v = row[i].null ? "" : std::string(row[i].s);
                if (!v.empty()) {
                    long long iv;
                    double dv;
                    const char* e = v.data() + v.size();
                    if (integer[i] && !(std::from_chars(v.data(), e, iv).ptr == e)) integer[i] = false;
                    if (real[i] && !(std::from_chars(v.data(), e, dv).ptr == e)) real[i] = false;
                }
                values.push_back(std::move(v));
            }
            u.rows.push_back(std::move(values));
        }
    } catch (const std::exception& e) {
        return error(fmt::format("UPLOAD {}: {}", name, e.what()));
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
        adql::column_info c;
        c.name = fields[i].name;
        c.datatype = integer[i] ? "long" : real[i] ? "double" : "char";
        if (!integer[i] && !real[i]) c.arraysize = "*";
        u.table.columns.push_back(std::move(c));
    }
    return u;
}

result<upload_table> read_upload(const std::string& name, const std::string& content, const limits& lim) {
    // DALI 1.1 section 3.4.5: a VOTable, or here also CSV with a header line.
    const auto first = content.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (first == std::string::npos) return error(fmt::format("UPLOAD {}: the table is empty", name));
    if (content[first] != '<') return read_csv_upload(name, content, lim);
    votable::reader_limits rl;
    rl.max_document_bytes = lim.max_upload_bytes;
    rl.max_rows = lim.max_upload_rows;
    auto r = votable::open_reader(content, rl);
    if (!r) return error(fmt::format("UPLOAD {}: {}", name, r.err().what()));
    upload_table u;
    u.table.schema = "TAP_UPLOAD";
    u.table.name = name;
    std::set<std::string> seen;
    for (const auto& f : (*r)->fields()) {
        adql::column_info c;
        c.name = f.name;
        if (!adql::is_regular_identifier(c.name) || !seen.insert(lower(c.name)).second)
            return error(fmt::format("UPLOAD {}: column name '{}' is not a unique ADQL regular identifier", name, f.name));
        c.datatype = std::string(votable::datatype_name(f.type));
        c.arraysize = f.arraysize == "1" ? "" : f.arraysize;  // "1" is the scalar (VOTable 1.3 erratum 3)
        c.xtype = f.xtype;
        c.unit = f.unit;
        c.ucd = f.ucd;
        u.table.columns.push_back(std::move(c));
    }
    if (u.table.columns.empty()) return error(fmt::format("UPLOAD {}: the table has no columns", name));
    try {
        const auto& fields = (*r)->fields();
        while ((*r)->next()) {
            auto row = (*r)->row();
            std::vector<std::string> values;
            for (std::size_t i = 0; i < fields.size(); ++i) values.push_back(cell_text(fields[i], row[i]));
            u.rows.push_back(std::move(values));
        }
    } catch (const std::exception& e) {
        return error(fmt::format("UPLOAD {}: {}", name, e.what()));
    }
    return u;
}

std::string schema_description(const std::string& felis, std::string* name) {
    try {
        for (const auto& doc : YAML::LoadAll(felis)) {
            if (doc["name"]) *name = doc["name"].as<std::string>();
            if (doc["description"]) return doc["description"].as<std::string>();
        }
    } catch (const std::exception&) {
    }
    return "";
}

}  // namespace

const std::vector<output_format>& output_formats() {
    // Never destroyed: a UWS worker may still be finishing a query (and read its format) while
    // the process exits (a fuzzer's run found the use after free).
    static const auto& formats = *new std::vector<output_format>{
        {"votable", "application/x-votable+xml", {"votable", "application/x-votable+xml", "text/xml", "application/x-votable+xml;serialization=binary2", "votable/b2", "votableb2"}, "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2"},
        {"votable/td", "application/x-votable+xml;serialization=TABLEDATA", {"votable/td", "votabletd", "application/x-votable+xml;serialization=tabledata"}, "ivo://ivoa.net/std/TAPRegExt#output-votable-td"},
        {"votable/b", "application/x-votable+xml;serialization=BINARY", {"votable/b", "votableb", "application/x-votable+xml;serialization=binary"}, "ivo://ivoa.net/std/TAPRegExt#output-votable-binary"},
        {"csv", "text/csv;header=present", {"csv", "text/csv", "text/csv;header=present"}, ""},
        {"tsv", "text/tab-separated-values", {"tsv", "text/tab-separated-values"}, ""},
        {"fits", "application/fits", {"fits", "application/fits"}, ""},
    };
    return formats;
}

const output_format* find_output_format(std::string_view value) { return dali::find_format(output_formats(), value); }

std::unique_ptr<votable::table_writer> make_table_writer(const output_format& format, sink& out, const votable::result_info& info) {
    const std::string& f = format.name;
    if (f == "csv") return votable::make_csv_writer(out, ',');
    if (f == "tsv") return votable::make_csv_writer(out, '\t');
    if (f == "fits") return fits::make_fits_writer(out);
    if (f == "votable/td") return votable::make_votable_writer(out, votable::serialization::tabledata, info);
    if (f == "votable/b") return votable::make_votable_writer(out, votable::serialization::binary, info);
    return votable::make_votable_writer(out, votable::serialization::binary2, info);
}

result<std::unique_ptr<service>> service::open(service_config config) {
    std::unique_ptr<service> s(new service(std::move(config)));
    auto& cfg = s->config_;
    if (!cfg.backends.count("sqlite")) cfg.backends["sqlite"] = open_sqlite_backend(cfg.data_dir + "/sqlite");
    for (const auto& src : cfg.schemas) {
        if (!cfg.backends.count(src.backend)) return error(fmt::format("schema refers to unknown backend '{}'", src.backend));
        const std::size_t before = s->catalog_.tables().size();
        auto r = adql::load_felis_text(src.felis_text, s->catalog_);
        if (!r) return r.err();
        for (std::size_t i = before; i < s->catalog_.tables().size(); ++i) s->table_backend_[s->catalog_.tables()[i].get()] = src.backend;
        std::string name;
        const std::string d = schema_description(src.felis_text, &name);
        if (!name.empty()) s->schema_descriptions_[name] = d;
    }
    const std::size_t before = s->catalog_.tables().size();
    add_tap_schema_tables(s->catalog_);
    for (std::size_t i = before; i < s->catalog_.tables().size(); ++i) s->table_backend_[s->catalog_.tables()[i].get()] = "sqlite";
    s->schema_descriptions_["TAP_SCHEMA"] = "Metadata of the tables published by this service (TAP 1.1 section 4).";
    for (const auto& t : s->catalog_.tables()) s->note_prepared(*t);
    // TAP_SCHEMA always reflects the configured schemas: rebuilt on every start.
    for (const auto& [table, csv] : tap_schema_csv(s->catalog_, s->schema_descriptions_)) {
        auto r = s->load_csv("TAP_SCHEMA." + table, csv);
        if (!r) return error(fmt::format("building TAP_SCHEMA.{}: {}", table, r.err().what()));
    }
    return s;
}

const adql::table_info* service::table(std::string_view qualified) const {
    for (const auto& t : catalog_.tables())
        if (iequals(t->schema + "." + t->name, qualified)) return t.get();
    return nullptr;
}

backend* service::backend_of(const adql::table_info& t) const {
    auto it = table_backend_.find(&t);
    return config_.backends.at(it == table_backend_.end() ? "sqlite" : it->second).get();
}

result<std::uint64_t> service::load_csv(const std::string& qualified_table, std::string_view csv,
                                        const std::function<void(std::uint64_t)>& progress) {
    const auto* t = table(qualified_table);
    if (!t) return error(fmt::format("no published table '{}' (describe it in a Felis schema first)", qualified_table));
    auto n = backend_of(*t)->load_csv(*t, csv, progress);
    if (n) note_prepared(*t);
    return n;
}

void service::note_prepared(const adql::table_info& t) {
    const bool indexed = backend_of(t)->prepare_table(t);
    std::lock_guard lock(indexed_mutex_);
    if (indexed) prepared_.insert(&t);
    else prepared_.erase(&t);
}

bool service::has_data(const std::string& qualified_table) const {
    const auto* t = table(qualified_table);
    return t && backend_of(*t)->has_table(*t);
}

result<prepared_query> service::prepare(const parameters& p, const upload_fetcher& fetch) const {
    query_request q;
    if (auto r = parameter(p, "REQUEST"); r && !iequals(*r, "doQuery"))
        return error(fmt::format("REQUEST={} is not supported: the only request is doQuery", *r));
    const auto lang = parameter(p, "LANG");
    if (!lang || trim(*lang).empty()) return error("missing parameter LANG: use LANG=ADQL");
    if (!iequals(*lang, "ADQL") && !iequals(*lang, "ADQL-2.0") && !iequals(*lang, "ADQL-2.1"))
        return error(fmt::format("LANG={} is not supported: use ADQL, ADQL-2.0 or ADQL-2.1", *lang));
    const auto query = parameter(p, "QUERY");
    if (!query || trim(*query).empty()) return error("missing parameter QUERY: give an ADQL query");
    q.adql = *query;

    auto format = dali::response_format(p, output_formats(), "FORMAT");
    if (!format) return format.err();
    q.format = *format;
    auto maxrec = dali::maxrec(p, config_.lim.default_maxrec, config_.lim.hard_maxrec);
    if (!maxrec) return maxrec.err();
    q.maxrec = *maxrec;

    if (auto up = parameter(p, "UPLOAD"); up && !trim(*up).empty()) {
        auto u = read_uploads(*up, fetch);
        if (!u) return u.err();
        q.uploads = std::move(*u);
    }
    return prepare_query(std::move(q));
}

result<std::vector<upload_table>> service::read_uploads(const std::string& spec, const upload_fetcher& fetch) const {
    std::vector<upload_table> uploads;
    std::size_t total = 0;
    std::set<std::string> names;
    std::size_t start = 0;
    while (start <= spec.size()) {
        std::size_t end = spec.find(';', start);
        if (end == std::string::npos) end = spec.size();
        const std::string item = trim(std::string_view(spec).substr(start, end - start));
        start = end + 1;
        if (item.empty()) continue;
        const auto comma = item.find(',');
        if (comma == std::string::npos) return error(fmt::format("UPLOAD '{}' is not of the form name,URI", item));
        const std::string name = trim(item.substr(0, comma)), uri = trim(item.substr(comma + 1));
        if (!adql::is_regular_identifier(name))
            return error(fmt::format("UPLOAD table name '{}' is not an ADQL regular identifier", name));
        if (!names.insert(lower(name)).second) return error(fmt::format("UPLOAD table name '{}' is given twice", name));
        if (names.size() > config_.lim.max_uploads) return error(fmt::format("more than {} UPLOAD tables", config_.lim.max_uploads));
        auto content = fetch(uri);
        if (!content) return error(content.err().kind(), fmt::format("UPLOAD {}: {}", name, content.err().what()));
        total += content->size();
        if (total > config_.lim.max_upload_bytes)
            return error(fmt::format("UPLOAD: more than {} bytes uploaded", config_.lim.max_upload_bytes));
        auto u = read_upload(name, *content, config_.lim);
        if (!u) return u.err();
        uploads.push_back(std::move(*u));
    }
    return uploads;
}

result<prepared_query> service::prepare_query(query_request request) const {
    prepared_query q;
    static_cast<query_request&>(q) = std::move(request);
    if (!q.format) q.format = &output_formats().front();
    if (q.maxrec < 0) q.maxrec = config_.lim.default_maxrec;
    q.maxrec = std::min(q.maxrec, config_.lim.hard_maxrec);
    layered_catalog names(catalog_, q.uploads);
    auto parsed = adql::parse(q.adql, config_.lim.query);
    if (!parsed) return parsed.err();
    auto& ast = *parsed.value();
    backend* target = config_.backends.at("sqlite").get();
    try {
        adql::translate_options opt{target->dialect(), &names, q.maxrec, config_.lim.query, {}, {}};
        opt.prepared_tables = [this](const adql::table_info& t) {
            std::lock_guard lock(indexed_mutex_);
            return prepared_.count(&t) > 0;
        };
        adql::run_passes(ast, opt);
        // Seed 000 ("Database Service"): a query runs on exactly one backend.
        std::set<const adql::table_info*> used;
        collect(ast, used);
        std::map<backend*, std::vector<std::string>> by_backend;
        for (const auto* t : used) {
            if (t->schema == "TAP_UPLOAD") continue;  // uploads go wherever the query runs
            by_backend[backend_of(*t)].push_back(t->schema + "." + t->name);
        }
        if (by_backend.size() > 1) {
            std::string list;
            for (const auto& [b, ts] : by_backend) {
                for (const auto& t : ts) list += (list.empty() ? "" : ", ") + t;
                list += " (" + std::string(b->dialect() == adql::dialect::sqlite ? "sqlite" : "server") + ")";
            }
            return error(fmt::format("the query joins tables held by different databases, which cannot run as one query: {}", list));
        }
        if (!by_backend.empty() && by_backend.begin()->first != target) {
            target = by_backend.begin()->first;
            for (auto& u : q.uploads) u.table.db_schema = target->upload_schema();
            parsed = adql::parse(q.adql, config_.lim.query);
            opt.target = target->dialect();
            adql::run_passes(*parsed.value(), opt);
        }
        q.sql = adql::print_sql(*parsed.value(), target->dialect());
        for (const auto& c : adql::result_columns(*parsed.value())) {
            q.fields.push_back(to_field(c));
            q.sources.push_back(c.source);
        }
    } catch (const error& e) {
        return e;
    }
    q.target = target;
    if (config_.decorate) config_.decorate(q);
    return q;
}

std::uint64_t service::run_fits(const prepared_query& q, const std::string& path, const run_limits& lim) const {
    run_limits l = lim;
    l.max_rows = q.maxrec;
    auto w = fits::make_fits_writer(path);
    return q.target->run(q.sql, q.fields, *w, l, q.uploads);
}

std::uint64_t service::run(const prepared_query& q, votable::sink& out, const run_limits& lim) const {
    run_limits l = lim;
    l.max_rows = q.maxrec;
    votable::result_info info;
    info.query = q.adql;
    info.trailing_resources = q.trailing_resources;
    const std::string& f = q.format->name;
    if (f == "fits") {
        // CFITSIO writes files: spool, then copy into the sink.
        namespace fs = std::filesystem;
        fs::create_directories(config_.data_dir + "/tmp");
        const std::string path = fmt::format("{}/tmp/result-{}.fits", config_.data_dir, std::random_device{}());
        struct remover {
            std::string p;
            ~remover() { std::error_code ec; fs::remove(p, ec); }
        } rm{path};
        const auto n = run_fits(q, path, lim);
        std::ifstream in(path, std::ios::binary);
        std::vector<char> buf(1 << 16);
        while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
            out.write(buf.data(), static_cast<std::size_t>(in.gcount()));
        return n;
    }
    auto w = make_table_writer(*q.format, out, info);
    return q.target->run(q.sql, q.fields, *w, l, q.uploads);
}

}  // namespace dax::tap
