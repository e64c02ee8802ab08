// Loading a table sharded by declination band over PostgreSQL servers (postgres_shards.hpp).
#include <dax/tap/postgres_shards.hpp>

#include "postgres_util.hpp"
#include "values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

namespace dax::tap {

std::vector<double> equal_area_edges(std::size_t n) {
    std::vector<double> e;
    for (std::size_t k = 1; k < n; ++k)
        e.push_back(std::asin(-1.0 + 2.0 * static_cast<double>(k) / static_cast<double>(n)) * 180.0 / M_PI);
    return e;
}

namespace {
using namespace pg;

// A conninfo split into what a postgres_fdw server takes and what its user mapping takes.
struct fdw_options {
    std::string server, user;  // "k 'v', ..." lists
    std::string key;           // the server's address, which names it
};

std::string literal(std::string_view v) { return sql_quoted(v, '\''); }

fdw_options fdw_options_of(const std::string& conninfo) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        std::string m = err ? err : "cannot parse";
        if (err) PQfreemem(err);
        throw error(fmt::format("shard conninfo '{}': {}", conninfo, m));
    }
    fdw_options o;
    for (PQconninfoOption* p = opts; p->keyword; ++p) {
        if (!p->val || !*p->val) continue;
        const std::string k = p->keyword;
        auto& list = (k == "user" || k == "password") ? o.user : o.server;
        if (k == "user" || k == "password" || k == "host" || k == "hostaddr" || k == "port" || k == "dbname" || k == "sslmode" ||
            k == "sslrootcert" || k == "connect_timeout") {
            list += fmt::format("{}{} {}", list.empty() ? "" : ", ", k, literal(p->val));
            if (k != "user" && k != "password") o.key += k + "=" + p->val + ";";
        }
    }
    PQconninfoFree(opts);
    return o;
}

std::string server_name(const std::string& key) {
    return fmt::format("dax_shard_{:012x}", std::hash<std::string>{}(key) & 0xffffffffffffULL);
}

// One destination of rows: a shard server's band table, or the coordinator's parent table
// (local bands and rows without a declination, routed there by PostgreSQL).
struct destination {
    pg::connection conn{nullptr, PQfinish};
    std::string table;  // quoted schema.table
    std::string buf;
    bool copying = false;
};

void abort_copies(std::vector<destination*>& all) {
    for (auto* d : all)
        if (d->copying && d->conn) PQputCopyEnd(d->conn.get(), "load failed");
}

}  // namespace

result<sharded_load> load_sharded_csv(const shard_layout& layout, const adql::table_info& t, std::string_view csv,
                                      const std::function<void(std::uint64_t)>& progress) {
    const std::size_t n = layout.shards.size();
    if (n == 0) return error("a sharded table needs at least one shard");
    std::vector<double> edges = layout.edges.empty() ? equal_area_edges(n) : layout.edges;
    if (edges.size() != n - 1) return error(fmt::format("{} shards need {} band edges, not {}", n, n - 1, edges.size()));
    for (std::size_t i = 0; i < edges.size(); ++i)
        if (!std::isfinite(edges[i]) || edges[i] <= -90 || edges[i] >= 90 || (i && edges[i] <= edges[i - 1]))
            return error("band edges must be increasing declinations between -90 and 90 degrees");
    const auto pos = find_position(t);
    if (!pos.dec)
        return error(fmt::format("{}.{} has no main declination column (UCD pos.eq.dec;meta.main) to shard by", t.schema, t.name));
    const std::string &schema = db_schema(t), &name = db_table(t);
    if (name.size() + 10 > 63) return error(fmt::format("table name '{}' is too long for its band tables (at most 53 bytes)", name));
    const std::string parent = quote(schema) + "." + quote(name);
    auto band_name = [&](std::size_t k) { return fmt::format("{}_band{}", name, k + 1); };
    auto bound = [&](std::size_t k, bool upper) {
        if (!upper && k == 0) return std::string("MINVALUE");
        if (upper && k + 1 == n) return std::string("MAXVALUE");
        return fmt::format("{:.17g}", edges[upper ? k : k - 1]);
    };
    std::size_t dec_index = 0;
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        if (&t.columns[i] == pos.dec) dec_index = i;

    return load_table(t, csv, [&](std::span<const votable::field> fields, votable::csv_reader& reader) -> sharded_load {
        const auto cols = column_lists_of(t, fields, quote, sql_type);
        // The coordinator: the partitioned table, its bands and a default partition, in one
        // transaction that stays open while the shards load.
        destination coordinator;
        coordinator.conn = connect_owned(layout.coordinator);
        coordinator.table = parent;
        PGconn* cc = coordinator.conn.get();
        create_pgsphere(cc);
        exec(cc, "CREATE EXTENSION IF NOT EXISTS postgres_fdw");
        exec(cc, "BEGIN");
        exec(cc, "CREATE SCHEMA IF NOT EXISTS " + quote(schema));
        exec(cc, "DROP TABLE IF EXISTS " + parent + " CASCADE");
        exec(cc, fmt::format("CREATE TABLE {} ({}) PARTITION BY RANGE ({})", parent, cols.definitions, quote(db_column(*pos.dec))));
        std::vector<destination> shards(n);
        std::vector<destination*> all{&coordinator};
        for (std::size_t k = 0; k < n; ++k) {
            const std::string band = quote(schema) + "." + quote(band_name(k));
            const std::string range = fmt::format("FOR VALUES FROM ({}) TO ({})", bound(k, false), bound(k, true));
            if (layout.shards[k] == "local") {
                exec(cc, fmt::format("CREATE TABLE {} PARTITION OF {} {}", band, parent, range));
                continue;
            }
            const auto o = fdw_options_of(layout.shards[k]);
            const std::string server = server_name(o.key);
            // pg_sphere shippable: the cone test runs on the shard, against its GiST index;
            // async_capable: the bands of one query are scanned at the same time.
            exec(cc, fmt::format("CREATE SERVER IF NOT EXISTS {} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({}{}extensions "
                                 "'pg_sphere', fetch_size '10000', async_capable 'true')",
                                 server, o.server, o.server.empty() ? "" : ", "));
            exec(cc, fmt::format("CREATE USER MAPPING IF NOT EXISTS FOR PUBLIC SERVER {}{}", server,
                                 o.user.empty() ? "" : " OPTIONS (" + o.user + ")"));
            exec(cc, fmt::format("CREATE FOREIGN TABLE {} PARTITION OF {} {} SERVER {} OPTIONS (schema_name {}, table_name {})", band,
                                 parent, range, server, literal(schema), literal(band_name(k))));
            destination& d = shards[k];
            d.conn = connect_owned(layout.shards[k]);
            d.table = band;
            PGconn* c = d.conn.get();
            create_pgsphere(c);
            exec(c, "BEGIN");
            exec(c, "CREATE SCHEMA IF NOT EXISTS " + quote(schema));
            exec(c, "DROP TABLE IF EXISTS " + band);
            exec(c, fmt::format("CREATE TABLE {} ({})", band, cols.definitions));
            all.push_back(&d);
        }
        exec(cc, fmt::format("CREATE TABLE {} PARTITION OF {} DEFAULT", quote(schema) + "." + quote(name + "_nodec"), parent));
        for (auto* d : all) {
            copy_begin(d->conn.get(), d->table, cols.names);
            d->copying = true;
        }
        sharded_load report;
        report.per_band.assign(n, 0);
        report.edges = edges;
        try {
            report.rows = load_records(reader, progress, [&](std::span<const votable::cell> row) {
                const auto& v = row[dec_index];
                destination* d = &coordinator;
                if (v.null) {
                    ++report.null_dec;
                } else {
                    const double dec = kind_of(fields[dec_index]) == value_kind::integer ? static_cast<double>(v.i) : v.d;
                    // Range partitions hold [lower, upper): a row on an edge belongs to the band above.
                    const auto k = static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), dec) - edges.begin());
                    ++report.per_band[k];
                    if (shards[k].conn) d = &shards[k];
                }
                append_copy_row(d->buf, fields, row);
                if (d->buf.size() > (1 << 20)) copy_flush(d->conn.get(), d->buf);
            });
            for (auto* d : all) {
                copy_flush(d->conn.get(), d->buf);
                d->copying = false;
                copy_end(d->conn.get());
            }
        } catch (const std::exception&) {
            abort_copies(all);
            throw;
        }
        for (std::size_t k = 0; k < n; ++k) {
            PGconn* c = shards[k].conn ? shards[k].conn.get() : cc;
            create_indexes(c, t, fields, schema, band_name(k));
        }
        // Shards first: the coordinator's table appears only once every band is there.
        for (auto& d : shards)
            if (d.conn) exec(d.conn.get(), "COMMIT");
        exec(cc, "COMMIT");
        for (std::size_t k = 0; k < n; ++k)
            if (shards[k].conn) exec(shards[k].conn.get(), "ANALYZE " + shards[k].table);
        exec(cc, "ANALYZE " + parent);  // samples the foreign bands: the coordinator's estimates
        if (progress) progress(report.rows);
        return report;
    });
}

}  // namespace dax::tap
