// The PostgreSQL+pgSphere backend (libpq: SOCI 4.0.3 cannot describe pgSphere columns).
// Results stream with COPY (...) TO STDOUT in text form: one buffer per row, memory flat.
#include <dax/tap/backend.hpp>

#include <dax/dali/shapes.hpp>

#include "connection_pool.hpp"
#include "postgres_util.hpp"
#include "values.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>


#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

namespace dax::tap {
namespace {

using namespace pg;
using kind = value_kind;

std::uint16_t be16(const char* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}
std::uint32_t be32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
std::uint64_t be64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

// The translated query inside a binary COPY, each column cast to the one binary form the
// decoder reads for its field (numeric, smallint, real... all arrive as int8/float8; pgSphere
// values as their degree text). The subquery keeps its ORDER BY order: the outer query is a
// plain projection.
std::string copy_statement(const std::string& sql, std::span<const votable::field> fields) {
    std::string cols, names;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const char* cast = "::text";
        switch (kind_of(fields[i])) {
        case kind::integer: cast = fields[i].type == votable::datatype::boolean ? "::int4" : "::int8"; break;
        case kind::real: cast = "::float8"; break;
        default: break;
        }
        cols += fmt::format("{}q.c{}{}", i ? ", " : "", i, cast);
        names += fmt::format("{}c{}", i ? ", " : "", i);
    }
    return fmt::format("COPY (SELECT {} FROM ({}) AS q({})) TO STDOUT (FORMAT binary)", cols, sql, names);
}

// Waits until the connection's socket has data, at most `ms` milliseconds.
void wait_readable(PGconn* c, int ms) {
    pollfd p{PQsocket(c), POLLIN, 0};
    ::poll(&p, 1, ms);
}

class postgres_backend final : public backend {
public:
    postgres_backend(std::string conninfo, std::size_t n)
        : conninfo_(std::move(conninfo)),
          pool_({[this] { return connect(); }, [this](PGconn* c) { close(c); },
                 [](PGconn* c) { return PQstatus(c) == CONNECTION_OK; }},
                n) {
        pool_.release(pool_.acquire());  // fail early on a bad conninfo
    }
    adql::dialect dialect() const override { return adql::dialect::postgres; }
    std::string upload_schema() const override { return "pg_temp"; }

    // A read-only transaction with the uploads as temporary tables and the time limit left.
    void begin_transaction(PGconn* c, const run_limits& limits, std::span<const upload_table> uploads) {
        degrees(c);
        if (uploads.empty()) {
            exec(c, "BEGIN READ ONLY");
        } else {
            exec(c, "BEGIN");
            for (const auto& u : uploads) load_upload(c, u);
            exec(c, "SET TRANSACTION READ ONLY");  // allowed after the temp tables were filled
        }
        const auto left = limits.deadline - std::chrono::steady_clock::now();
        if (limits.deadline != std::chrono::steady_clock::time_point::max())
            exec(c, fmt::format("SET LOCAL statement_timeout = {}",
                                std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(left).count())));
    }

    // Sends the query as a binary COPY and waits until its rows begin.
    void start_copy(PGconn* c, const std::string& sql, std::span<const votable::field> fields, const run_limits& limits,
                    bool& healthy) {
        if (!PQsendQuery(c, copy_statement(sql, fields).c_str())) {
            healthy = false;
            throw error(fmt::format("query failed: {}", PQerrorMessage(c)));
        }
        // COPY OUT starts once the query has run to its first row; errors arrive as a result.
        // Until then the query runs in the server (an aggregate may run long before its one
        // row): a cancellation is watched here too, and sent as a cancel request.
        for (bool cancel_sent = false; PQisBusy(c);) {
            if (!cancel_sent && limits.cancelled && limits.cancelled->load()) {
                cancel(c);
                cancel_sent = true;
            }
            wait_readable(c, 100);
            if (!PQconsumeInput(c)) break;
        }
        PGresult* first = PQgetResult(c);
        const auto st = PQresultStatus(first);
        if (st != PGRES_COPY_OUT) {
            std::string m = message(first, limits);
            PQclear(first);
            while (PGresult* r = PQgetResult(c)) PQclear(r);
            throw error(m);
        }
        PQclear(first);
    }

    std::uint64_t run(const std::string& sql, std::span<const votable::field> fields, votable::table_writer& out,
                      const run_limits& limits, std::span<const upload_table> uploads) override {
        connection_pool<PGconn>::lease lease(pool_, [](PGconn* c) { pgresult r(PQexec(c, "ROLLBACK")); });
        PGconn* c = lease.get();
        bool& healthy = lease.healthy;  // false: the connection is in an unknown state, dropped
        begin_transaction(c, limits, uploads);
        start_copy(c, sql, fields, limits, healthy);
        std::vector<kind> kinds;
        for (const auto& f : fields) kinds.push_back(kind_of(f));
        std::vector<votable::cell> cells(fields.size());
        std::vector<std::string> texts(fields.size());
        std::vector<std::vector<double>> arrays(fields.size());
        result_stream rs(out, fields, limits);
        bool header_seen = false, copy_open = true;
        try {
            for (;;) {
                char* line = nullptr;
                int len = PQgetCopyData(c, &line, 1);
                if (len == 0) {  // nothing yet: wait for data or cancellation
                    if (limits.cancelled && limits.cancelled->load()) {
                        cancel(c);
                        healthy = false;
                        throw error("query aborted");
                    }
                    wait_readable(c, 100);
                    PQconsumeInput(c);
                    continue;
                }
                if (len == -1) {  // done
                    copy_open = false;
                    break;
                }
                if (len < 0) {
                    healthy = false;
                    throw error(fmt::format("query failed: {}", PQerrorMessage(c)));
                }
                struct freer {
                    char* p;
                    ~freer() { PQfreemem(p); }
                } fr{line};
                std::string_view msg(line, static_cast<std::size_t>(len));
                if (!header_seen) {  // binary COPY header: signature, flags, extension area
                    if (msg.size() < 19 || msg.compare(0, 11, std::string_view("PGCOPY\n\377\r\n\0", 11)) != 0)
                        throw error("internal: not a binary COPY stream");
                    const std::size_t ext = be32(msg.data() + 15);
                    msg.remove_prefix(19 + ext);
                    header_seen = true;
                }
                if (msg.size() < 2 || be16(msg.data()) == 0xffff) continue;  // trailer
                if (!rs.accept()) continue;  // the MAXREC+1st row: drained, not written
                decode_row(msg, fields, kinds, cells, texts, arrays);
                rs.write(cells);
            }
            PGresult* r = PQgetResult(c);
            const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            std::string m = ok ? "" : message(r, limits);
            PQclear(r);
            while (PGresult* x = PQgetResult(c)) PQclear(x);
            if (!ok) throw error(m);
        } catch (const std::exception& e) {
            if (copy_open) {  // e.g. the client went away mid-result: stop the query, drop the connection
                cancel(c);
                healthy = false;
            }
            rs.fail(e.what());
            throw;
        }
        return rs.finish();
    }

    result<std::uint64_t> load_csv(const adql::table_info& t, std::string_view csv,
                                   const std::function<void(std::uint64_t)>& progress) override {
        return load_table(t, csv, [&](std::span<const votable::field> fields, votable::csv_reader& reader) {
            // Closed on any error: the transaction rolls back, nothing is half-loaded.
            const std::unique_ptr<PGconn, void (*)(PGconn*)> conn(connect(), PQfinish);
            PGconn* c = conn.get();
            const std::string &schema = db_schema(t), &name = db_table(t);
            const std::string table = quote(schema) + "." + quote(name);
            create_pgsphere(c);
            exec(c, "BEGIN");
            exec(c, "CREATE SCHEMA IF NOT EXISTS " + quote(schema));
            exec(c, "DROP TABLE IF EXISTS " + table);
            const auto cols = column_lists_of(t, fields, quote, sql_type);
            exec(c, fmt::format("CREATE TABLE {} ({})", table, cols.definitions));
            copy_begin(c, table, cols.names);
            std::string buf;
            std::uint64_t rows = 0;
            try {
                rows = load_records(reader, progress, [&](std::span<const votable::cell> row) {
                    append_copy_row(buf, fields, row);
                    if (buf.size() > (1 << 20)) copy_flush(c, buf);
                });
            } catch (const std::exception&) {
                PQputCopyEnd(c, "bad input");
                throw;
            }
            copy_flush(c, buf);
            copy_end(c);
            create_indexes(c, t, fields, schema, name);
            exec(c, "COMMIT");
            exec(c, "ANALYZE " + table);
            if (progress) progress(rows);
            return rows;
        });
    }

    // A table partitioned by range of its main declination (dax-admin shard): translations
    // bound the declination of spatial restrictions, so that partitions are pruned.
    bool prepare_table(const adql::table_info& t) override {
        const auto pos = find_position(t);
        if (!pos.dec) return false;
        try {
            connection_pool<PGconn>::lease lease(pool_, {});
            PGconn* c = lease.get();
            const char* params[] = {db_schema(t).c_str(), db_table(t).c_str()};
            pgresult r(PQexecParams(c,
                                    "SELECT pg_get_partkeydef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'p'",
                                    2, nullptr, params, nullptr, nullptr, 0));
            if (PQresultStatus(r.r) != PGRES_TUPLES_OK || PQntuples(r.r) != 1) return false;
            const std::string key = PQgetvalue(r.r, 0, 0), col = db_column(*pos.dec);
            return key == "RANGE (" + col + ")" || key == "RANGE (" + quote(col) + ")";
        } catch (const std::exception&) {
            return false;
        }
    }

    bool has_table(const adql::table_info& t) override {
        connection_pool<PGconn>::lease lease(pool_, {});
        PGconn* c = lease.get();
        const char* params[] = {db_schema(t).c_str(), db_table(t).c_str()};
        pgresult r(PQexecParams(c, "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2", 2, nullptr, params,
                                nullptr, nullptr, 0));
        return PQresultStatus(r.r) == PGRES_TUPLES_OK && PQntuples(r.r) == 1;
    }

private:
    PGconn* connect() { return pg::connect(conninfo_); }
    // pgSphere prints degrees on this connection (a session setting; pg_sphere may be created
    // after the connection was opened, so it is set on first use).
    void degrees(PGconn* c) {
        {
            std::lock_guard lock(mutex_);
            if (degrees_.count(c)) return;
        }
        pgresult r(PQexec(c, "SELECT set_sphere_output('DEG')"));
        if (PQresultStatus(r.r) != PGRES_TUPLES_OK) return;  // no pg_sphere: no geometry to print
        std::lock_guard lock(mutex_);
        degrees_.insert(c);
    }
    void close(PGconn* c) {
        {
            std::lock_guard lock(mutex_);
            degrees_.erase(c);
        }
        PQfinish(c);
    }
    static void cancel(PGconn* c) {
        if (PGcancel* k = PQgetCancel(c)) {
            char buf[256];
            PQcancel(k, buf, sizeof buf);
            PQfreeCancel(k);
        }
    }
    static std::string message(PGresult* r, const run_limits& limits) {
        const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (code && std::strcmp(code, "57014") == 0)
            return stopped_message(limits);
        std::string m = PQresultErrorMessage(r);
        while (!m.empty() && std::isspace(static_cast<unsigned char>(m.back()))) m.pop_back();
        return "query failed: " + m;
    }
    void load_upload(PGconn* c, const upload_table& u) {
        const auto fields = table_fields(u.table);
        const std::string cols = column_lists_of(u.table, fields, quote, sql_type).definitions;
        const std::string table = "pg_temp." + quote(u.table.name);
        exec(c, fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", table, cols));
        copy_begin(c, table, column_lists_of(u.table, fields, quote, sql_type).names);
        std::string buf;
        for (const auto& r : u.rows) {
            for (std::size_t i = 0; i < r.size(); ++i) {
                if (i) buf += '\t';
                if (r[i].empty()) buf += "\\N";
                else if (const auto k = kind_of(fields[i]); k == kind::shape || k == kind::real_array || k == kind::region)
                    buf += pgsphere_of_dali(k == kind::region ? "polygon" : fields[i].xtype, strip_stcs(r[i]));
                else copy_escape(buf, r[i]);
            }
            buf += '\n';
            if (buf.size() > (1 << 20)) copy_flush(c, buf);
        }
        copy_flush(c, buf);
        try {
            copy_end(c);
        } catch (const error& e) {
            throw error(fmt::format("upload {}: {}", u.table.name, e.what()));
        }
    }

    // One tuple of binary COPY: int16 field count, then per field an int32 length (-1: NULL)
    // and the value in the type copy_statement() cast it to: int8/int4, float8 or text.
    static void decode_row(std::string_view msg, std::span<const votable::field> fields, const std::vector<kind>& kinds,
                           std::vector<votable::cell>& cells, std::vector<std::string>& texts,
                           std::vector<std::vector<double>>& arrays) {
        const char* p = msg.data() + 2;
        const char* end = msg.data() + msg.size();
        if (be16(msg.data()) != fields.size()) throw error("internal: COPY row has the wrong number of fields");
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (p + 4 > end) throw error("internal: truncated COPY row");
            const std::int32_t len = static_cast<std::int32_t>(be32(p));
            p += 4;
            votable::cell& c = cells[i];
            c = votable::cell{};
            if (len < 0) {
                c.null = true;
                continue;
            }
            if (p + len > end) throw error("internal: truncated COPY field");
            const std::string_view v(p, static_cast<std::size_t>(len));
            p += len;
            switch (kinds[i]) {
            case kind::integer:
                c.i = len == 8 ? static_cast<std::int64_t>(be64(v.data())) : static_cast<std::int32_t>(be32(v.data()));
                break;
            case kind::real: {
                const std::uint64_t bits = be64(v.data());
                std::memcpy(&c.d, &bits, 8);
                break;
            }
            case kind::shape: case kind::real_array:
                dali::scan_numbers(v, arrays[i]);
                c.data = arrays[i].data();
                c.count = arrays[i].size();
                break;
            case kind::region:
                dali::scan_numbers(v, arrays[i]);
                texts[i] = dali::stcs_of(arrays[i]);
                c.s = texts[i];
                break;
            case kind::text: case kind::other_array: c.s = v; break;
            }
        }
    }

    std::string conninfo_;
    std::mutex mutex_;  // guards degrees_
    std::set<PGconn*> degrees_;
    connection_pool<PGconn> pool_;  // last: its idle connections close while degrees_ lives
};

}  // namespace

std::unique_ptr<backend> open_postgres_backend(const std::string& conninfo, std::size_t connections) {
    return std::make_unique<postgres_backend>(conninfo, connections);
}

}  // namespace dax::tap
