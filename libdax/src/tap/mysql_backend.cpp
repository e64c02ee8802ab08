// The MySQL/MariaDB backend (libmariadb). Results are read row by row from the server
// (mysql_use_result), so memory stays flat.
#include <dax/tap/backend.hpp>

#include <dax/dali/shapes.hpp>

#include "connection_pool.hpp"
#include "values.hpp"

#include <fmt/format.h>
#include <mysql.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

namespace dax::tap {
namespace {

std::string quote(std::string_view id) { return sql_quoted(id, '`'); }

using kind = value_kind;

std::string sql_type(const votable::field& f) {
    static constexpr sql_type_names names{"BOOLEAN", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "LONGTEXT"};
    return kind_of(f) == kind::shape ? names.text : sql_type_of(f, names);
}

struct conninfo {
    std::string host = "127.0.0.1", user, password, db;
    unsigned port = 3306;
};

conninfo parse_conninfo(const std::string& text) {
    conninfo c;
    std::istringstream in(text);
    for (std::string kv; in >> kv;) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) throw error(fmt::format("MySQL conninfo: '{}' is not key=value", kv));
        const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        if (k == "host") c.host = v;
        else if (k == "port") c.port = static_cast<unsigned>(std::stoul(v));
        else if (k == "user") c.user = v;
        else if (k == "password") c.password = v;
        else if (k == "db" || k == "dbname") c.db = v;
        else throw error(fmt::format("MySQL conninfo: unknown key '{}'", k));
    }
    return c;
}

class mysql_backend final : public backend {
public:
    mysql_backend(const std::string& info, std::size_t n)
        : info_(parse_conninfo(info)), pool_({[this] { return connect(); }, [](MYSQL* c) { mysql_close(c); }}, n) {
        pool_.release(pool_.acquire());  // fail early on a bad conninfo
    }
    adql::dialect dialect() const override { return adql::dialect::mysql; }

    // Watches `cancelled` while a query runs and sends KILL QUERY for thread `tid` from a second
    // connection when it is set; stops watching when destroyed.
    class query_killer {
    public:
        query_killer(mysql_backend& b, unsigned long tid, const std::atomic<bool>* cancelled) {
            if (!cancelled) return;
            watcher_ = std::thread([this, &b, tid, cancelled] {
                while (!done_.load()) {
                    if (cancelled->load()) {
                        try {
                            MYSQL* k = b.connect();
                            mysql_query(k, fmt::format("KILL QUERY {}", tid).c_str());
                            mysql_close(k);
                        } catch (const std::exception&) {
                        }
                        return;
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
            });
        }
        ~query_killer() {
            done_ = true;
            if (watcher_.joinable()) watcher_.join();
        }

    private:
        std::atomic<bool> done_{false};
        std::thread watcher_;
    };

    // One row of text values (MySQL's text protocol) into cells.
    static void decode_row(MYSQL_ROW row, const unsigned long* len, std::span<const kind> kinds, std::vector<votable::cell>& cells,
                           std::vector<std::vector<double>>& arrays) {
        for (std::size_t i = 0; i < kinds.size(); ++i) {
            votable::cell& cl = cells[i];
            cl = votable::cell{};
            if (!row[i]) {
                cl.null = true;
                continue;
            }
            const std::string_view v(row[i], len[i]);
            switch (kinds[i]) {
            case kind::integer: std::from_chars(v.data(), v.data() + v.size(), cl.i); break;
            case kind::real: cl.d = std::strtod(row[i], nullptr); break;
            case kind::shape: case kind::real_array:
                dali::scan_numbers(v, arrays[i]);
                cl.data = arrays[i].data();
                cl.count = arrays[i].size();
                break;
            case kind::text: case kind::region: case kind::other_array: cl.s = v; break;
            }
        }
    }

    std::uint64_t run(const std::string& sql, std::span<const votable::field> fields, votable::table_writer& out,
                      const run_limits& limits, std::span<const upload_table> uploads) override {
        connection_pool<MYSQL>::lease lease(pool_, [uploads](MYSQL* c) {
            mysql_query(c, "ROLLBACK");
            for (const auto& u : uploads)
                mysql_query(c, ("DROP TEMPORARY TABLE IF EXISTS `TAP_UPLOAD`." + quote(u.table.name)).c_str());
        });
        MYSQL* c = lease.get();
        bool& healthy = lease.healthy;  // false: the connection is in an unknown state, dropped
        for (const auto& u : uploads) load_upload(c, u);
        exec(c, "START TRANSACTION READ ONLY");
        // MariaDB's per-statement time limit (seconds).
        std::string prefix;
        if (limits.deadline != std::chrono::steady_clock::time_point::max()) {
            const auto left = std::chrono::duration<double>(limits.deadline - std::chrono::steady_clock::now()).count();
            prefix = fmt::format("SET STATEMENT max_statement_time = {:.3f} FOR ", std::max(0.001, left));
        }
        // ABORT: KILL QUERY from a second connection while this one waits for rows.
        const query_killer killer(*this, mysql_thread_id(c), limits.cancelled);
        const std::string stmt = prefix + sql;
        if (mysql_real_query(c, stmt.data(), stmt.size()) != 0) throw error(message(c, limits));
        MYSQL_RES* res = mysql_use_result(c);
        if (!res) throw error(message(c, limits));
        struct freer {
            MYSQL_RES* r;
            ~freer() { mysql_free_result(r); }
        } fr{res};
        if (mysql_num_fields(res) != fields.size())
            throw error(fmt::format("internal: the query returns {} columns, the metadata describes {}", mysql_num_fields(res), fields.size()));
        std::vector<kind> kinds;
        for (const auto& f : fields) kinds.push_back(kind_of(f));
        std::vector<votable::cell> cells(fields.size());
        std::vector<std::vector<double>> arrays(fields.size());
        result_stream rs(out, fields, limits);
        try {
            while (MYSQL_ROW row = mysql_fetch_row(res)) {
                if (!rs.accept()) continue;  // the MAXREC+1st row: drained, not written
                decode_row(row, mysql_fetch_lengths(res), kinds, cells, arrays);
                rs.write(cells);
            }
            if (mysql_errno(c)) throw error(message(c, limits));
        } catch (const std::exception& e) {
            healthy = false;
            rs.fail(e.what());
            throw;
        }
        return rs.finish();
    }

    /// One value of an INSERT ... VALUES list.
    static void append_value(MYSQL* c, std::string& out, const votable::field& f, const votable::cell& v) {
        if (v.null) {
            out += "NULL";
            return;
        }
        switch (kind_of(f)) {
        case kind::integer: out += std::to_string(v.i); break;
        case kind::real: fmt::format_to(std::back_inserter(out), "{}", v.d); break;
        default: {
            std::string text = v.data ? array_text(f, v) : std::string(v.s);
            if (kind_of(f) == kind::region) text = dali::stcs_of_text(text);
            std::string esc(text.size() * 2 + 1, '\0');
            esc.resize(mysql_real_escape_string(c, esc.data(), text.data(), text.size()));
            out += '\'' + esc + '\'';
        }
        }
    }

    result<std::uint64_t> load_csv(const adql::table_info& t, std::string_view csv,
                                   const std::function<void(std::uint64_t)>& progress) override {
        return load_table(t, csv, [&](std::span<const votable::field> fields, votable::csv_reader& reader) {
            const std::unique_ptr<MYSQL, void (*)(MYSQL*)> conn(connect(), mysql_close);
            MYSQL* c = conn.get();
            const std::string &schema = db_schema(t), &name = db_table(t);
            const std::string table = quote(schema) + "." + quote(name), staging = quote(schema) + "." + quote(name + "__loading");
            exec(c, "CREATE DATABASE IF NOT EXISTS " + quote(schema));
            exec(c, "DROP TABLE IF EXISTS " + staging);
            const auto cols = column_lists_of(t, fields, quote, sql_type);
            // Loaded into a staging table, renamed over the old one at the end: a failed load
            // leaves the published table as it was.
            exec(c, fmt::format("CREATE TABLE {} ({}) ENGINE=InnoDB", staging, cols.definitions));
            exec(c, "START TRANSACTION");
            std::string batch;
            std::uint64_t in_batch = 0;
            auto flush = [&] {
                if (!in_batch) return;
                exec(c, fmt::format("INSERT INTO {} ({}) VALUES {}", staging, cols.names, batch));
                batch.clear();
                in_batch = 0;
            };
            const std::uint64_t rows = load_records(reader, progress, [&](std::span<const votable::cell> row) {
                batch += in_batch ? ",(" : "(";
                for (std::size_t i = 0; i < fields.size(); ++i) {
                    if (i) batch += ',';
                    append_value(c, batch, fields[i], row[i]);
                }
                batch += ')';
                ++in_batch;
                if (batch.size() > (1 << 20)) flush();
            });
            flush();
            exec(c, "COMMIT");
            auto db = [](const adql::column_info& col) { return quote(db_column(col)); };
            const auto pos = find_position(t);
            if (pos.ra) exec(c, fmt::format("CREATE INDEX `pos_idx` ON {} ({}, {})", staging, db(*pos.dec), db(*pos.ra)));
            for (std::size_t i = 0; i < t.columns.size(); ++i)
                if (t.columns[i].indexed && sql_type(fields[i]) != "LONGTEXT" && &t.columns[i] != pos.dec)
                    exec(c, fmt::format("CREATE INDEX {} ON {} ({})", quote(t.columns[i].name + "_idx"), staging, db(t.columns[i])));
            exec(c, "DROP TABLE IF EXISTS " + table);
            exec(c, fmt::format("RENAME TABLE {} TO {}", staging, table));
            if (progress) progress(rows);
            return rows;
        });
    }

    bool has_table(const adql::table_info& t) override {
        connection_pool<MYSQL>::lease lease(pool_, {});
        MYSQL* c = lease.get();
        const std::string &schema = db_schema(t), &name = db_table(t);
        const std::string q = fmt::format("SELECT 1 FROM information_schema.tables WHERE table_schema = '{}' AND table_name = '{}'",
                                          escape(c, schema), escape(c, name));
        bool yes = false;
        if (mysql_real_query(c, q.data(), q.size()) == 0) {
            if (MYSQL_RES* r = mysql_store_result(c)) {
                yes = mysql_num_rows(r) == 1;
                mysql_free_result(r);
            }
        }
        return yes;
    }

private:
    MYSQL* connect() {
        MYSQL* c = mysql_init(nullptr);
        unsigned timeout = 10;
        mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
        if (!mysql_real_connect(c, info_.host.c_str(), info_.user.c_str(), info_.password.c_str(),
                                info_.db.empty() ? nullptr : info_.db.c_str(), info_.port, nullptr, 0)) {
            std::string m = mysql_error(c);
            mysql_close(c);
            throw error(fmt::format("MySQL: cannot connect: {}", m));
        }
        mysql_set_character_set(c, "utf8mb4");
        // ANSI quotes off, PIPES_AS_CONCAT off: the MySQL translation uses backticks and CONCAT.
        exec(c, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
        exec(c, "CREATE DATABASE IF NOT EXISTS `TAP_UPLOAD`");
        return c;
    }
    static void exec(MYSQL* c, const std::string& sql) {
        if (mysql_real_query(c, sql.data(), sql.size()) != 0) throw error(fmt::format("MySQL: {}", mysql_error(c)));
        if (MYSQL_RES* r = mysql_store_result(c)) mysql_free_result(r);
    }
    static std::string escape(MYSQL* c, const std::string& v) {
        std::string esc(v.size() * 2 + 1, '\0');
        esc.resize(mysql_real_escape_string(c, esc.data(), v.data(), v.size()));
        return esc;
    }
    static std::string message(MYSQL* c, const run_limits& limits) {
        const unsigned e = mysql_errno(c);
        if (e == 1317 /* ER_QUERY_INTERRUPTED */ || e == 1969 /* ER_STATEMENT_TIMEOUT */ || e == 3024) {
            return stopped_message(limits);
        }
        return fmt::format("query failed: {}", mysql_error(c));
    }
    void load_upload(MYSQL* c, const upload_table& u) {
        const auto fields = table_fields(u.table);
        const std::string cols = column_lists_of(u.table, fields, quote, sql_type).definitions;
        const std::string table = "`TAP_UPLOAD`." + quote(u.table.name);
        exec(c, fmt::format("CREATE TEMPORARY TABLE {} ({})", table, cols));
        std::string batch;
        std::size_t in_batch = 0;
        for (const auto& r : u.rows) {
            batch += in_batch++ ? ",(" : "(";
            for (std::size_t i = 0; i < r.size(); ++i) {
                if (i) batch += ',';
                if (r[i].empty()) batch += "NULL";
                else batch += '\'' + escape(c, r[i]) + '\'';
            }
            batch += ')';
            if (batch.size() > (1 << 20)) {
                exec(c, fmt::format("INSERT INTO {} VALUES {}", table, batch));
                batch.clear();
                in_batch = 0;
            }
        }
        if (in_batch) exec(c, fmt::format("INSERT INTO {} VALUES {}", table, batch));
    }

    conninfo info_;
    connection_pool<MYSQL> pool_;
};

}  // namespace

std::unique_ptr<backend> open_mysql_backend(const std::string& conninfo, std::size_t connections) {
    return std::make_unique<mysql_backend>(conninfo, connections);
}

}  // namespace dax::tap
