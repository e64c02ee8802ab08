// The PostgreSQL+pgSphere backend (libpq: SOCI 4.0.3 cannot describe pgSphere columns).
// Results stream with COPY (...) TO STDOUT in text form: one buffer per row, memory flat.
#include <dax/tap/backend.hpp>

#include <dax/dali/shapes.hpp>

#include "connection_pool.hpp"
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

std::string quote(std::string_view id) { return sql_quoted(id, '"'); }

using kind = value_kind;

std::string sql_type(const votable::field& f) {
    if (f.xtype == "adql:REGION" || f.xtype == "polygon") return "spoly";
    if (f.xtype == "point") return "spoint";
    if (f.xtype == "circle") return "scircle";
    return sql_type_of(f, {"boolean", "smallint", "integer", "bigint", "real", "double precision", "text"});
}

// DALI numbers -> pgSphere input in degrees.
std::string pgsphere_of_dali(std::string_view xtype, std::string_view value) {
    std::vector<double> n;
    dali::scan_numbers(value, n);
    if (xtype == "point" && n.size() == 2) return fmt::format("({}d,{}d)", n[0], n[1]);
    if (xtype == "circle" && n.size() == 3) return fmt::format("<({}d,{}d),{}d>", n[0], n[1], n[2]);
    if (n.size() < 6 || n.size() % 2) throw error(fmt::format("not a DALI polygon: '{}'", value.substr(0, 60)));
    std::string s = "{";
    for (std::size_t i = 0; i < n.size(); i += 2) s += fmt::format("{}({}d,{}d)", i ? "," : "", n[i], n[i + 1]);
    return s + "}";
}

// COPY text format: backslash escapes (PostgreSQL docs, COPY, "Text Format").
void copy_escape(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
        }
    }
}
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

struct pgresult {
    PGresult* r;
    explicit pgresult(PGresult* x) : r(x) {}
    ~pgresult() { PQclear(r); }
};

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

    /// One value of a COPY ... FROM STDIN text row.
    static void append_copy_value(std::string& buf, const votable::field& f, const votable::cell& v) {
        if (v.null) {
            buf += "\\N";
            return;
        }
        switch (kind_of(f)) {
        case kind::integer: buf += std::to_string(v.i); break;
        case kind::real: fmt::format_to(std::back_inserter(buf), "{}", v.d); break;
        case kind::region: buf += pgsphere_of_dali("polygon", strip_stcs(v.s)); break;
        case kind::shape: case kind::real_array: buf += pgsphere_of_dali(f.xtype, v.data ? array_text(f, v) : std::string(v.s)); break;
        default: copy_escape(buf, v.s);
        }
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
            pgresult cr(PQexec(c, fmt::format("COPY {} ({}) FROM STDIN", table, cols.names).c_str()));
            if (PQresultStatus(cr.r) != PGRES_COPY_IN) throw error(PQerrorMessage(c));
            std::string buf;
            std::uint64_t rows = 0;
            try {
                rows = load_records(reader, progress, [&](std::span<const votable::cell> row) {
                    for (std::size_t i = 0; i < fields.size(); ++i) {
                        if (i) buf += '\t';
                        append_copy_value(buf, fields[i], row[i]);
                    }
                    buf += '\n';
                    if (buf.size() > (1 << 20)) flush_copy(c, buf);
                });
            } catch (const std::exception&) {
                PQputCopyEnd(c, "bad input");
                throw;
            }
            flush_copy(c, buf);
            if (PQputCopyEnd(c, nullptr) != 1) throw error(PQerrorMessage(c));
            pgresult done(PQgetResult(c));
            if (PQresultStatus(done.r) != PGRES_COMMAND_OK) throw error(PQresultErrorMessage(done.r));
            while (PGresult* x = PQgetResult(c)) PQclear(x);
            index(c, t, fields, schema, name);
            exec(c, "COMMIT");
            exec(c, "ANALYZE " + table);
            if (progress) progress(rows);
            return rows;
        });
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
    PGconn* connect() {
        PGconn* c = PQconnectdb(conninfo_.c_str());
        if (PQstatus(c) != CONNECTION_OK) {
            std::string m = PQerrorMessage(c);
            PQfinish(c);
            throw error(fmt::format("PostgreSQL: cannot connect: {}", m));
        }
        exec(c, "SET client_min_messages = warning");
        // The translator writes SQL-standard literals ('' doubles a quote, a backslash is just a
        // backslash): a server or database configured otherwise must not change their meaning.
        exec(c, "SET standard_conforming_strings = on");
        return c;
    }
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
    static void exec(PGconn* c, const std::string& sql) {
        pgresult r(PQexec(c, sql.c_str()));
        const auto st = PQresultStatus(r.r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            throw error(fmt::format("PostgreSQL: {}", PQresultErrorMessage(r.r)));
    }
    // pgSphere 1.1.1 cannot be created on PostgreSQL 15.20 (Debian's security update): say so,
    // and how to fix it, instead of PostgreSQL's "commutator operator ... " message alone.
    static void create_pgsphere(PGconn* c) {
        try {
            exec(c, "CREATE EXTENSION IF NOT EXISTS pg_sphere");
        } catch (const error& e) {
            const std::string m = e.what();
            if (m.find("commutator") == std::string::npos) throw;
            throw error(fmt::format("{} -- pgSphere cannot be created on this PostgreSQL ({}): pgSphere 1.1.1 works on "
                                    "15.18, not 15.20. Install postgresql-15=15.18-0+deb12u1 (scripts/deps.sh test holds it "
                                    "with an apt preference)", m, PQparameterStatus(c, "server_version") ? PQparameterStatus(c, "server_version") : "?"));
        }
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
    static void flush_copy(PGconn* c, std::string& buf) {
        if (!buf.empty() && PQputCopyData(c, buf.data(), static_cast<int>(buf.size())) != 1) throw error(PQerrorMessage(c));
        buf.clear();
    }
    static std::string_view strip_stcs(std::string_view v) {  // "POLYGON ICRS 1 2 ..." -> "1 2 ..."
        while (!v.empty() && (std::isalpha(static_cast<unsigned char>(v.front())) || v.front() == ' ')) v.remove_prefix(1);
        return v;
    }

    void index(PGconn* c, const adql::table_info& t, std::span<const votable::field> fields, const std::string& schema,
               const std::string& name) {
        auto db = [](const adql::column_info& col) { return quote(db_column(col)); };
        // The translator's cone test is spoint(radians(ra), radians(dec)) <@ shape: index that.
        if (const auto pos = find_position(t); pos.ra)
            exec(c, fmt::format("CREATE INDEX ON {}.{} USING gist (spoint(radians({}), radians({})))", quote(schema), quote(name),
                                db(*pos.ra), db(*pos.dec)));
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            const auto& col = t.columns[i];
            const std::string type = sql_type(fields[i]);
            if (type == "spoly" || type == "spoint" || type == "scircle")
                exec(c, fmt::format("CREATE INDEX ON {}.{} USING gist ({})", quote(schema), quote(name), db(col)));
            else if (col.indexed)
                exec(c, fmt::format("CREATE INDEX ON {}.{} ({})", quote(schema), quote(name), db(col)));
        }
    }

    void load_upload(PGconn* c, const upload_table& u) {
        const auto fields = table_fields(u.table);
        const std::string cols = column_lists_of(u.table, fields, quote, sql_type).definitions;
        const std::string table = "pg_temp." + quote(u.table.name);
        exec(c, fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", table, cols));
        pgresult cr(PQexec(c, fmt::format("COPY {} FROM STDIN", table).c_str()));
        if (PQresultStatus(cr.r) != PGRES_COPY_IN) throw error(PQerrorMessage(c));
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
            if (buf.size() > (1 << 20)) flush_copy(c, buf);
        }
        flush_copy(c, buf);
        if (PQputCopyEnd(c, nullptr) != 1) throw error(PQerrorMessage(c));
        pgresult done(PQgetResult(c));
        if (PQresultStatus(done.r) != PGRES_COMMAND_OK) throw error(fmt::format("upload {}: {}", u.table.name, PQresultErrorMessage(done.r)));
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
