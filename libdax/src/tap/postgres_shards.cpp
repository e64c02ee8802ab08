// Loading a table sharded by declination band over PostgreSQL servers (postgres_shards.hpp).
#include <dax/tap/postgres_shards.hpp>

#include "postgres_util.hpp"
#include "values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <regex>

namespace dax::tap {

std::vector<double> equal_area_edges(std::size_t n) {
    std::vector<double> e;
    for (std::size_t k = 1; k < n; ++k)
        e.push_back(std::asin(-1.0 + 2.0 * static_cast<double>(k) / static_cast<double>(n)) * 180.0 / M_PI);
    return e;
}

namespace {
using namespace pg;

std::string literal(std::string_view v) { return sql_quoted(v, '\''); }

// A shard's conninfo as postgres_fdw takes it: the server's options, the user mapping's, a
// name for messages (no credentials) and a key naming the foreign server (every option: a
// changed password or user makes a new server rather than silently keeping the old one).
struct shard_address {
    std::string server_options, user_options, where, key;
};

shard_address address_of(const std::string& conninfo, std::size_t k) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (err) PQfreemem(err);  // libpq's text may quote the conninfo, password included
    if (!opts) throw error(fmt::format("shard {}: not a libpq conninfo (\"host=... port=... dbname=... user=...\")", k + 1));
    shard_address a;
    std::string host, port = "5432", dbname, refused;
    for (PQconninfoOption* p = opts; p->keyword; ++p) {
        if (!p->val || !*p->val) continue;
        const std::string key = p->keyword, v = p->val;
        const bool user = key == "user" || key == "password";
        if (!user && key != "host" && key != "hostaddr" && key != "port" && key != "dbname" && key != "sslmode" &&
            key != "sslrootcert" && key != "connect_timeout") {
            refused = key;  // service, passfile, options, client certificates: not passed on by postgres_fdw
            continue;
        }
        auto& list = user ? a.user_options : a.server_options;
        list += fmt::format("{}{} {}", list.empty() ? "" : ", ", key, literal(v));
        a.key += key + "=" + v + ";";
        if (key == "host" || key == "hostaddr") host = v;
        else if (key == "port") port = v;
        else if (key == "dbname") dbname = v;
    }
    PQconninfoFree(opts);
    if (!refused.empty())
        throw error(fmt::format("shard {}: '{}' cannot be passed to the coordinator's postgres_fdw; give host, port, dbname, "
                                "user and password (sslmode, sslrootcert, connect_timeout)", k + 1, refused));
    if (host.empty()) throw error(fmt::format("shard {}: its conninfo needs a host (the coordinator connects to it)", k + 1));
    a.where = fmt::format("shard {} ({}:{}/{})", k + 1, host, port, dbname);
    return a;
}

std::string server_name(const std::string& key) {
    return fmt::format("dax_shard_{:012x}", std::hash<std::string>{}(key) & 0xffffffffffffULL);
}

// A name part unique to this load: the shards' new tables sit beside the old ones until the
// coordinator has switched to them.
std::string load_id() {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::random_device rd;
    std::string id;
    for (int i = 0; i < 8; ++i) id += alphabet[rd() % 32];
    return id;
}

// One destination of rows: a shard server's new band table, or the coordinator's parent table
// (local bands and rows without a declination, routed there by PostgreSQL).
struct destination {
    pg::connection conn{nullptr, PQfinish};
    std::string table;  // quoted schema.table
    std::string name;   // the band table's own name (shards)
    std::string where;  // for messages
    std::string buf;
    bool copying = false;
};

// Runs `f`; an error names the server.
template <class F>
void at(const destination& d, F f) {
    try {
        f();
    } catch (const std::exception& e) {
        throw error(fmt::format("{}: {}", d.where, e.what()));
    }
}

}  // namespace

result<sharded_load> load_sharded_csv(const shard_layout& layout, const adql::table_info& t, std::string_view csv,
                                      const std::function<void(std::uint64_t)>& progress) {
    const std::size_t n = layout.shards.size();
    if (n == 0) return error("a sharded table needs at least one shard");
    if (n > 99) return error("at most 99 shards");
    std::vector<double> edges = layout.edges.empty() ? equal_area_edges(n) : layout.edges;
    if (edges.size() != n - 1) return error(fmt::format("{} shards need {} band edges, not {}", n, n - 1, edges.size()));
    const auto pos = find_position(t);
    if (!pos.dec)
        return error(fmt::format("{}.{} has no main declination column (UCD pos.eq.dec;meta.main) to shard by", t.schema, t.name));
    std::size_t dec_index = 0;
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        if (&t.columns[i] == pos.dec) dec_index = i;
    const auto all_fields = table_fields(t);
    const auto dec_type = all_fields[dec_index].type;
    if (dec_type != votable::datatype::double_ && dec_type != votable::datatype::float_)
        return error(fmt::format("the declination column {} must be float or double to shard by", pos.dec->name));
    // A float column holds the edges as PostgreSQL rounds them: rows are routed by the same values.
    const bool single_precision = dec_type == votable::datatype::float_;
    if (single_precision)
        for (auto& e : edges) e = static_cast<double>(static_cast<float>(e));
    for (std::size_t i = 0; i < edges.size(); ++i)
        if (!std::isfinite(edges[i]) || edges[i] <= -90 || edges[i] >= 90 || (i && edges[i] <= edges[i - 1]))
            return error("band edges must be increasing declinations between -90 and 90 degrees");
    const std::string &schema = db_schema(t), &name = db_table(t);
    if (name.size() > 45) return error(fmt::format("table name '{}' is too long for its band tables (at most 45 bytes)", name));
    std::vector<shard_address> addresses(n);
    try {
        for (std::size_t k = 0; k < n; ++k)
            if (layout.shards[k] != "local") addresses[k] = address_of(layout.shards[k], k);
    } catch (const error& e) {
        return e;
    }
    const std::string parent = quote(schema) + "." + quote(name), id = load_id();
    auto partition = [&](std::size_t k) { return fmt::format("{}_band{}", name, k + 1); };   // on the coordinator
    auto remote = [&](std::size_t k) { return fmt::format("{}_band{}_{}", name, k + 1, id); };  // on a shard
    auto bound = [&](std::size_t k, bool upper) {
        if (!upper && k == 0) return std::string("MINVALUE");
        if (upper && k + 1 == n) return std::string("MAXVALUE");
        return fmt::format("{:.17g}", edges[upper ? k : k - 1]);
    };

    return load_table(t, csv, [&](std::span<const votable::field> fields, votable::csv_reader& reader) -> sharded_load {
        const auto cols = column_lists_of(t, fields, quote, sql_type);
        // The coordinator: the partitioned table, its bands and a default partition, in one
        // transaction that stays open while the shards load. Schemas and extensions are made
        // outside the transactions, so that two connections to one server never wait on each other.
        destination coordinator;
        coordinator.where = "the coordinator";
        coordinator.table = parent;
        at(coordinator, [&] {
            coordinator.conn = connect_owned(layout.coordinator);
            PGconn* cc = coordinator.conn.get();
            create_pgsphere(cc);
            exec(cc, "CREATE EXTENSION IF NOT EXISTS postgres_fdw");
            exec(cc, "CREATE SCHEMA IF NOT EXISTS " + quote(schema));
            exec(cc, "BEGIN");
            exec(cc, "DROP TABLE IF EXISTS " + parent);  // its partitions go with it; a view on it stops the load
            exec(cc, fmt::format("CREATE TABLE {} ({}) PARTITION BY RANGE ({})", parent, cols.definitions, quote(db_column(*pos.dec))));
        });
        PGconn* cc = coordinator.conn.get();
        std::vector<destination> shards(n);
        std::vector<destination*> all{&coordinator};
        for (std::size_t k = 0; k < n; ++k) {
            const std::string band = quote(schema) + "." + quote(partition(k));
            const std::string range = fmt::format("FOR VALUES FROM ({}) TO ({})", bound(k, false), bound(k, true));
            if (layout.shards[k] == "local") {
                at(coordinator, [&] { exec(cc, fmt::format("CREATE TABLE {} PARTITION OF {} {}", band, parent, range)); });
                continue;
            }
            const auto& a = addresses[k];
            const std::string server = server_name(a.key);
            // pg_sphere shippable: the cone test runs on the shard, against its GiST index;
            // async_capable: the bands of one query are read at the same time.
            at(coordinator, [&] {
                exec(cc, fmt::format("CREATE SERVER IF NOT EXISTS {} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({}, extensions "
                                     "'pg_sphere', fetch_size '10000', async_capable 'true')",
                                     server, a.server_options));
                exec(cc, fmt::format("CREATE USER MAPPING IF NOT EXISTS FOR PUBLIC SERVER {}{}", server,
                                     a.user_options.empty() ? "" : " OPTIONS (" + a.user_options + ")"));
                exec(cc, fmt::format("CREATE FOREIGN TABLE {} PARTITION OF {} {} SERVER {} OPTIONS (schema_name {}, table_name {})",
                                     band, parent, range, server, literal(schema), literal(remote(k))));
            });
            destination& d = shards[k];
            d.where = a.where;
            d.name = remote(k);
            d.table = quote(schema) + "." + quote(d.name);
            at(d, [&] {
                d.conn = connect_owned(layout.shards[k]);
                PGconn* c = d.conn.get();
                create_pgsphere(c);
                exec(c, "CREATE SCHEMA IF NOT EXISTS " + quote(schema));
                exec(c, "BEGIN");
                exec(c, fmt::format("CREATE TABLE {} ({})", d.table, cols.definitions));
            });
            all.push_back(&d);
        }
        at(coordinator, [&] { exec(cc, fmt::format("CREATE TABLE {} PARTITION OF {} DEFAULT", quote(schema) + "." + quote(name + "_nodec"), parent)); });
        for (auto* d : all)
            at(*d, [&] {
                copy_begin(d->conn.get(), d->table, cols.names);
                d->copying = true;
            });
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
                    const double dec = single_precision ? static_cast<double>(static_cast<float>(v.d)) : v.d;
                    // Range partitions hold [lower, upper): a row on an edge belongs to the band above;
                    // NaN sorts above every number in PostgreSQL, and here.
                    const auto k = std::isnan(dec) ? n - 1
                                                   : static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), dec) - edges.begin());
                    ++report.per_band[k];
                    if (shards[k].conn) d = &shards[k];
                }
                append_copy_row(d->buf, fields, row);
                if (d->buf.size() > (1 << 20)) at(*d, [&] { copy_flush(d->conn.get(), d->buf); });
            });
            for (auto* d : all)
                at(*d, [&] {
                    copy_flush(d->conn.get(), d->buf);
                    d->copying = false;
                    copy_end(d->conn.get());
                });
            for (std::size_t k = 0; k < n; ++k) {
                if (shards[k].conn) at(shards[k], [&] { create_indexes(shards[k].conn.get(), t, fields, schema, shards[k].name); });
                else at(coordinator, [&] { create_indexes(cc, t, fields, schema, partition(k)); });
            }
        } catch (const std::exception&) {
            for (auto* d : all)
                if (d->copying) PQputCopyEnd(d->conn.get(), "load failed");
            throw;  // connections closed: every transaction rolls back
        }
        // Shards first, then the coordinator switches to the new bands in one COMMIT. A shard
        // failing to commit leaves the previous table as it was: the coordinator rolls back and
        // the new tables already committed elsewhere are dropped.
        std::vector<destination*> committed;
        auto drop_new = [&] {
            for (auto* d : committed) {
                pgresult r(PQexec(d->conn.get(), ("DROP TABLE IF EXISTS " + d->table).c_str()));
            }
        };
        for (auto& d : shards) {
            if (!d.conn) continue;
            try {
                at(d, [&] { exec(d.conn.get(), "COMMIT"); });
            } catch (const error& e) {
                drop_new();
                throw error(fmt::format("{}; nothing was changed: the previous {}.{} is still published", e.what(), schema, name));
            }
            committed.push_back(&d);
        }
        try {
            at(coordinator, [&] { exec(cc, "COMMIT"); });
        } catch (const error& e) {
            drop_new();
            throw error(fmt::format("{}; nothing was changed: the previous {}.{} is still published", e.what(), schema, name));
        }
        // Done. What follows only tidies up and gathers statistics: a failure is a warning.
        const std::regex old_band("^" + std::regex_replace(name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                                  R"(_band[0-9]+_[a-z2-7]{8}$)");
        for (auto& d : shards) {
            if (!d.conn) continue;
            try {
                PGconn* c = d.conn.get();
                const char* params[] = {schema.c_str()};
                pgresult r(PQexecParams(c, "SELECT tablename FROM pg_tables WHERE schemaname = $1", 1, nullptr, params, nullptr, nullptr, 0));
                for (int i = 0; i < PQntuples(r.r); ++i) {
                    const std::string tn = PQgetvalue(r.r, i, 0);
                    const bool current = std::any_of(shards.begin(), shards.end(), [&](const destination& x) { return x.name == tn; });
                    if (!current && std::regex_match(tn, old_band)) exec(c, "DROP TABLE IF EXISTS " + quote(schema) + "." + quote(tn));
                }
                exec(c, "ANALYZE " + d.table);
            } catch (const std::exception& e) {
                report.warnings.push_back(fmt::format("{}: {}", d.where, e.what()));
            }
        }
        try {
            exec(cc, "ANALYZE " + parent);  // samples the foreign bands: the coordinator's estimates
        } catch (const std::exception& e) {
            report.warnings.push_back(fmt::format("the coordinator's ANALYZE (through postgres_fdw): {}", e.what()));
        }
        if (progress) progress(report.rows);
        return report;
    });
}

}  // namespace dax::tap
