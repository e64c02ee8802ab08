#include "obscore_ingest.hpp"

#include <dax/votable/csv_reader.hpp>
#include <dax/votable/writer.hpp>

#include <fmt/format.h>

#include <map>
#include <set>

namespace dax::http {

namespace {

// The rows of ivoa.ObsCore as text, with the table's column names.
struct table_text {
    std::vector<votable::field> fields;  // every column, as text
    std::vector<std::vector<std::string>> rows;
};

result<std::int64_t> obscore_rows(const tap::service& svc) {
    if (!svc.has_data("ivoa.ObsCore")) return std::int64_t{0};
    tap::query_request r;
    r.adql = "SELECT COUNT(*) AS n FROM ivoa.ObsCore";
    r.format = tap::find_output_format("csv");
    auto q = svc.prepare_query(r);
    if (!q) return q.err();
    string_sink out;
    svc.run(*q, out, {});
    const auto nl = out.out.find('\n');
    return std::stoll(out.out.substr(nl == std::string::npos ? 0 : nl + 1));
}

// The whole table is read and loaded again: refused (nothing changed) when it holds more rows
// than one query may return, so that no row is ever dropped.
result<table_text> current_obscore(const tap::service& svc) {
    auto count = obscore_rows(svc);
    if (!count) return count.err();
    if (*count >= svc.lim().hard_maxrec)
        return error(fmt::format("the table has {} rows, more than limits.hard_maxrec ({}) lets one query read: raise it for "
                                 "the ingest", *count, svc.lim().hard_maxrec));
    tap::query_request r;
    r.adql = "SELECT * FROM ivoa.ObsCore";
    r.format = tap::find_output_format("csv");
    r.maxrec = svc.lim().hard_maxrec;
    auto q = svc.prepare_query(r);
    if (!q) return q.err();
    table_text t;
    for (auto f : q->fields) {
        f.type = votable::datatype::char_;
        f.arraysize = "*";
        f.xtype.clear();
        t.fields.push_back(f);
    }
    string_sink csv;
    if (svc.has_data("ivoa.ObsCore")) svc.run(*q, csv, {});
    if (csv.out.empty()) return t;
    auto reader = votable::open_csv_reader(csv.out, t.fields);
    if (!reader) return reader.err();
    while ((*reader)->next()) {
        std::vector<std::string> row;
        for (const auto& c : (*reader)->row()) row.emplace_back(c.null ? std::string() : std::string(c.s));
        t.rows.push_back(std::move(row));
    }
    if (static_cast<std::int64_t>(t.rows.size()) != *count)
        return error(fmt::format("read {} of the table's {} rows; nothing was changed", t.rows.size(), *count));
    return t;
}

// The merged table as CSV: the old rows whose DID was not ingested again, then the new ones.
std::string merged_csv(const table_text& t, const std::vector<image::dataset>& ds, const image::ingest_settings& s,
                       std::size_t& replaced) {
    std::map<std::string, std::size_t> column;
    for (std::size_t i = 0; i < t.fields.size(); ++i) column[t.fields[i].name] = i;
    const auto did_col = column.at("obs_publisher_did");
    std::set<std::string> dids;
    for (const auto& d : ds) dids.insert(d.did);
    string_sink out;
    auto w = votable::make_csv_writer(out);
    w->begin(t.fields);
    std::vector<votable::cell> cells(t.fields.size());
    auto write = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size(); ++i) cells[i] = row[i].empty() ? votable::cell::none() : votable::cell::text(row[i]);
        w->row(cells);
    };
    for (const auto& row : t.rows)
        if (dids.count(row[did_col])) ++replaced;
        else write(row);
    const auto& names = image::obscore_columns();
    for (const auto& d : ds) {
        std::vector<std::string> row(t.fields.size());
        const auto values = image::obscore_values(d, s);
        for (std::size_t i = 0; i < names.size(); ++i)
            if (auto c = column.find(names[i]); c != column.end()) row[c->second] = values[i];
        write(row);
    }
    w->finish();
    return out.out;
}

}  // namespace

result<merged_rows> merge_into_obscore(tap::service& svc, const std::vector<image::dataset>& ds,
                                       const image::ingest_settings& settings) {
    auto table = current_obscore(svc);
    if (!table) return table.err();
    merged_rows m;
    const std::string csv = merged_csv(*table, ds, settings, m.updated);
    m.added = ds.size() - m.updated;
    auto n = svc.load_csv("ivoa.ObsCore", csv);
    if (!n) return n.err();
    m.rows = static_cast<std::int64_t>(*n);
    return m;
}

}  // namespace dax::http
