// The SQLite backend: the embedded demo database and small single-file deployments.
// One file per schema, attached under the schema name, so ADQL's schema.table maps 1:1.
#include <dax/sqlite/functions.hpp>

#include <dax/dali/shapes.hpp>
#include <dax/tap/backend.hpp>

#include "connection_pool.hpp"
#include "values.hpp"

#include <dax/sqlite/region_index.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace dax::tap {
namespace fs = std::filesystem;

namespace {

// Servers of one site share the data directory: one creating the demo tables or TAP_SCHEMA
// while another starts waits for it instead of failing with "database is locked".
constexpr int busy_wait_ms = 30000;

std::string quote(std::string_view id) { return sql_quoted(id, '"'); }
std::string literal(std::string_view v) { return sql_quoted(v, '\''); }


using kind = value_kind;

const char* sql_type(kind k) {
    switch (k) {
    case kind::integer: return "INTEGER";
    case kind::real: return "REAL";
    default: return "TEXT";
    }
}

void check(int rc, sqlite3* db, std::string_view what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw error(fmt::format("{}: {}", what, sqlite3_errmsg(db)));
}
void exec(sqlite3* db, const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string m = msg ? msg : "unknown error";
        sqlite3_free(msg);
        throw error(fmt::format("SQLite: {}", m));
    }
}

struct stmt {
    sqlite3_stmt* s = nullptr;
    stmt(sqlite3* db, const std::string& sql) {
        check(sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr), db, "SQLite");
    }
    ~stmt() { sqlite3_finalize(s); }
};

struct query_guard {
    const run_limits* limits;
    static int check(void* p) {
        const auto* l = static_cast<const query_guard*>(p)->limits;
        if (l->cancelled && l->cancelled->load(std::memory_order_relaxed)) return 1;
        return std::chrono::steady_clock::now() > l->deadline ? 1 : 0;
    }
};

bool region_column(const adql::table_info& t, const adql::column_info& c) {
    return sqlite::has_region_index(db_table(t), db_column(c), c.xtype);
}

// The region indexes of a table (dax/sqlite/region_index.hpp), built anew from its rows; the
// connection has the dax_* functions. Rows with a NULL region are left out (they never match).
void build_region_indexes(sqlite3* db, const adql::table_info& t) {
    if (!sqlite::row_id_visible(t.columns)) return;
    const std::string& schema = db_schema(t);
    const std::string& table = db_table(t);
    for (const auto& c : t.columns) {
        if (!region_column(t, c)) continue;
        const std::string idx = quote(schema) + "." + quote(sqlite::region_index_table(table, db_column(c)));
        exec(db, "DROP TABLE IF EXISTS " + idx);
        exec(db, fmt::format("CREATE VIRTUAL TABLE {} USING rtree(id, lat_lo, lat_hi)", idx));
        exec(db, fmt::format("INSERT INTO {0} SELECT rowid, dax_lat_bound({1}, 0), dax_lat_bound({1}, 1) FROM {2}.{3} "
                             "WHERE {1} IS NOT NULL", idx, quote(db_column(c)), quote(schema), quote(table)));
    }
}

class sqlite_backend final : public backend {
public:
    explicit sqlite_backend(std::string dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }
    ~sqlite_backend() override {
        for (auto& c : idle_) sqlite3_close(c.db);
    }
    adql::dialect dialect() const override { return adql::dialect::sqlite; }

    std::uint64_t run(const std::string& sql, std::span<const votable::field> fields, votable::table_writer& out,
                      const run_limits& limits, std::span<const upload_table> uploads) override {
        lease l(*this);
        sqlite3* db = l.c.db;
        struct detach_uploads {
            sqlite3* db;
            bool on = false;
            ~detach_uploads() {
                if (on) sqlite3_exec(db, "DETACH DATABASE \"TAP_UPLOAD\"", nullptr, nullptr, nullptr);
            }
        } du{db};
        if (!uploads.empty()) {
            exec(db, "ATTACH DATABASE ':memory:' AS \"TAP_UPLOAD\"");
            du.on = true;
            for (const auto& u : uploads) load_upload(db, u);
        }
        query_guard guard{&limits};
        sqlite3_progress_handler(db, 2000, &query_guard::check, &guard);
        struct clear_handler {
            sqlite3* db;
            ~clear_handler() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
        } ch{db};

        stmt st(db, sql);
        std::vector<kind> kinds;
        for (const auto& f : fields) kinds.push_back(kind_of(f));
        const int ncol = sqlite3_column_count(st.s);
        if (ncol != static_cast<int>(fields.size()))
            throw error(fmt::format("internal: the query returns {} columns, the metadata describes {}", ncol, fields.size()));
        result_stream rs(out, fields, limits);
        std::vector<votable::cell> cells(fields.size());
        std::vector<std::vector<double>> arrays(fields.size());
        int rc;
        while ((rc = sqlite3_step(st.s)) == SQLITE_ROW && rs.accept()) {
            for (int i = 0; i < ncol; ++i) {
                votable::cell& c = cells[i];
                c = votable::cell{};
                if (sqlite3_column_type(st.s, i) == SQLITE_NULL) {
                    c.null = true;
                    continue;
                }
                switch (kinds[i]) {
                case kind::integer: c.i = sqlite3_column_int64(st.s, i); break;
                case kind::real: c.d = sqlite3_column_double(st.s, i); break;
                case kind::text: case kind::region:
                    c.s = std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(st.s, i)),
                                           static_cast<std::size_t>(sqlite3_column_bytes(st.s, i)));
                    break;
                case kind::real_array: case kind::shape: {
                    auto& a = arrays[i];
                    dali::scan_numbers(std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(st.s, i)),
                                                  static_cast<std::size_t>(sqlite3_column_bytes(st.s, i))), a);
                    if (fields[i].type == votable::datatype::double_) {
                        c.data = a.data();
                        c.count = a.size();
                    } else {
                        c.null = true;  // float arrays: not produced by the translator
                    }
                    break;
                }
                case kind::other_array: c.null = true; break;
                }
            }
            rs.write(cells);
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            const std::string m = step_message(db, rc, limits);
            rs.fail(m);
            throw error(m);
        }
        return rs.finish();
    }

    result<std::uint64_t> load_csv(const adql::table_info& t, std::string_view csv,
                                   const std::function<void(std::uint64_t)>& progress) override {
        return load_table(t, csv, [&](std::span<const votable::field> fields, votable::csv_reader& reader) {
            std::lock_guard lock(write_mutex_);
            sqlite3* db = nullptr;
            sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr);
            sqlite3_busy_timeout(db, busy_wait_ms);
            struct closer {
                sqlite3* db;
                ~closer() { sqlite3_close(db); }
            } cl{db};
            if (sqlite::register_functions(db) != SQLITE_OK) throw error("SQLite: cannot register the geometry functions");
            const std::string& schema = db_schema(t);
            exec(db, fmt::format("ATTACH DATABASE {} AS {}", literal(file_of(schema)), quote(schema)));
            exec(db, fmt::format("PRAGMA {}.journal_mode=WAL", quote(schema)));
            const std::string table = quote(schema) + "." + quote(db_table(t));
            const auto cols = column_lists_of(t, fields, quote, [](const votable::field& f) { return sql_type(kind_of(f)); });
            std::string marks;
            for (std::size_t i = 0; i < fields.size(); ++i) marks += i ? ", ?" : "?";
            exec(db, "BEGIN IMMEDIATE");  // the write lock first: waiting for it honours the busy timeout
            exec(db, "DROP TABLE IF EXISTS " + table);
            exec(db, fmt::format("CREATE TABLE {} ({})", table, cols.definitions));
            std::uint64_t rows = 0;
            {
                stmt ins(db, fmt::format("INSERT INTO {} ({}) VALUES ({})", table, cols.names, marks));
                std::string scratch;
                rows = load_records(reader, progress, [&](std::span<const votable::cell> row) {
                    bind_row(ins.s, fields, row, scratch);
                    if (sqlite3_step(ins.s) != SQLITE_DONE) throw error(sqlite3_errmsg(db));
                    sqlite3_reset(ins.s);
                });
            }
            // Positions get one index on (dec, ra) instead of one on dec: cone searches scan the
            // dec band in the index and test ra there, reading only the rows that match.
            const auto pos = find_position(t);
            for (const auto& c : t.columns)
                if (c.indexed && kind_of(to_field(c)) != kind::real_array && kind_of(to_field(c)) != kind::shape && &c != pos.dec)
                    exec(db, fmt::format("CREATE INDEX {}.{} ON {} ({})", quote(schema), quote(t.name + "_" + c.name + "_idx"),
                                         quote(db_table(t)), quote(db_column(c))));
            if (pos.ra)
                exec(db, fmt::format("CREATE INDEX {}.{} ON {} ({}, {})", quote(schema), quote(t.name + "_pos_idx"),
                                     quote(db_table(t)), quote(db_column(*pos.dec)), quote(db_column(*pos.ra))));
            build_region_indexes(db, t);
            exec(db, "COMMIT");
            exec(db, fmt::format("ANALYZE {}", quote(schema)));
            if (progress) progress(rows);
            ++generation_;  // pooled connections re-attach (a new schema file may exist)
            return rows;
        });
    }

    bool has_table(const adql::table_info& t) override {
        const std::string& schema = db_schema(t);
        if (!fs::exists(file_of(schema))) return false;
        lease l(*this);
        try {
            stmt st(l.c.db, fmt::format("SELECT 1 FROM {}.sqlite_master WHERE type='table' AND name={}", quote(schema),
                                        literal(db_table(t))));
            return sqlite3_step(st.s) == SQLITE_ROW;
        } catch (const error&) {
            return false;
        }
    }

    bool prepare_table(const adql::table_info& t) override {
        try {
            return ensure_region_indexes(t);
        } catch (const std::exception&) {
            return false;  // e.g. a read-only file: queries test every row
        }
    }

private:
    struct conn {
        sqlite3* db = nullptr;
        std::uint64_t generation = 0;
    };
    // A pooled read-only connection for the duration of one query.
    struct lease {
        sqlite_backend& b;
        conn c;
        explicit lease(sqlite_backend& owner) : b(owner), c(owner.acquire()) {}
        ~lease() { b.release(c); }
    };

    std::string file_of(const std::string& schema) const { return dir_ + "/" + schema + ".db"; }

    // True when every region column of the table has an index holding as many rows as the
    // column has values, after building the missing or stale ones (a table loaded by an older
    // libdax, or changed by another program). Not for views or tables whose row id is hidden.
    bool ensure_region_indexes(const adql::table_info& t) {
        if (std::none_of(t.columns.begin(), t.columns.end(), [&](const auto& c) { return region_column(t, c); }) ||
            !sqlite::row_id_visible(t.columns) || !has_table(t))
            return false;
        const std::string& schema = db_schema(t);
        auto current = [&](sqlite3* db) {
            for (const auto& c : t.columns) {
                if (!region_column(t, c)) continue;
                const std::string idx = sqlite::region_index_table(db_table(t), db_column(c));
                stmt exists(db, fmt::format("SELECT 1 FROM {}.sqlite_master WHERE type='table' AND name={}", quote(schema), literal(idx)));
                if (sqlite3_step(exists.s) != SQLITE_ROW) return false;
                stmt counts(db, fmt::format("SELECT (SELECT count(*) FROM {0}.{1}), (SELECT count(*) FROM {0}.{2} WHERE {3} IS NOT NULL)",
                                            quote(schema), quote(idx), quote(db_table(t)), quote(db_column(c))));
                if (sqlite3_step(counts.s) != SQLITE_ROW || sqlite3_column_int64(counts.s, 0) != sqlite3_column_int64(counts.s, 1))
                    return false;
            }
            return true;
        };
        {
            lease l(*this);
            if (current(l.c.db)) return true;
        }
        std::lock_guard lock(write_mutex_);
        sqlite3* db = nullptr;
        sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, nullptr);
        struct closer {
            sqlite3* db;
            ~closer() { sqlite3_close(db); }
        } cl{db};
        sqlite3_busy_timeout(db, busy_wait_ms);
        if (sqlite::register_functions(db) != SQLITE_OK) return false;
        exec(db, fmt::format("ATTACH DATABASE {} AS {}", literal(file_of(schema)), quote(schema)));
        exec(db, "BEGIN IMMEDIATE");
        if (!current(db)) build_region_indexes(db, t);  // unless another process just did
        exec(db, "COMMIT");
        ++generation_;
        return current(db);
    }

    conn acquire() {
        {
            std::lock_guard lock(pool_mutex_);
            while (!idle_.empty()) {
                conn c = idle_.back();
                idle_.pop_back();
                if (c.generation == generation_) return c;
                sqlite3_close(c.db);
            }
        }
        conn c;
        c.generation = generation_;
        if (sqlite3_open_v2(":memory:", &c.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
            throw error("SQLite: cannot open a connection");
        sqlite3_busy_timeout(c.db, busy_wait_ms);
        if (sqlite::register_functions(c.db) != SQLITE_OK) throw error("SQLite: cannot register the geometry functions");
        for (const auto& e : fs::directory_iterator(dir_)) {
            if (e.path().extension() != ".db") continue;
            const std::string schema = e.path().stem().string();
            exec(c.db, fmt::format("ATTACH DATABASE {} AS {}", literal("file:" + e.path().string() + "?mode=ro"), quote(schema)));
        }
        return c;
    }
    void release(conn c) {
        std::lock_guard lock(pool_mutex_);
        if (c.generation == generation_ && idle_.size() < 64) idle_.push_back(c);
        else sqlite3_close(c.db);
    }

    static std::string step_message(sqlite3* db, int rc, const run_limits& limits) {
        if (rc == SQLITE_INTERRUPT) {
            return stopped_message(limits);
        }
        return fmt::format("query failed: {}", sqlite3_errmsg(db));
    }

    static void bind_row(sqlite3_stmt* s, std::span<const votable::field> fields, std::span<const votable::cell> row,
                         std::string& scratch) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const int p = static_cast<int>(i) + 1;
            const auto& c = row[i];
            if (c.null) {
                sqlite3_bind_null(s, p);
                continue;
            }
            switch (kind_of(fields[i])) {
            case kind::integer: sqlite3_bind_int64(s, p, c.i); break;
            case kind::real: sqlite3_bind_double(s, p, c.d); break;
            case kind::text: sqlite3_bind_text(s, p, c.s.data(), static_cast<int>(c.s.size()), SQLITE_TRANSIENT); break;
            case kind::region:
                scratch = dali::stcs_of_text(c.s);
                sqlite3_bind_text(s, p, scratch.data(), static_cast<int>(scratch.size()), SQLITE_TRANSIENT);
                break;
            default:
                scratch = array_text(fields[i], c);
                sqlite3_bind_text(s, p, scratch.data(), static_cast<int>(scratch.size()), SQLITE_TRANSIENT);
            }
        }
    }

    void load_upload(sqlite3* db, const upload_table& u) {
        std::string cols, marks;
        for (std::size_t i = 0; i < u.table.columns.size(); ++i) {
            const auto f = to_field(u.table.columns[i]);
            cols += (i ? ", " : "") + quote(u.table.columns[i].name) + " " + sql_type(kind_of(f));
            marks += i ? ", ?" : "?";
        }
        const std::string table = "\"TAP_UPLOAD\"." + quote(u.table.name);
        exec(db, fmt::format("CREATE TABLE {} ({})", table, cols));
        stmt ins(db, fmt::format("INSERT INTO {} VALUES ({})", table, marks));
        std::vector<kind> kinds;
        for (const auto& c : u.table.columns) kinds.push_back(kind_of(to_field(c)));
        for (const auto& r : u.rows) {
            for (std::size_t i = 0; i < r.size(); ++i) {
                const auto k = kinds[i];
                if (r[i].empty()) sqlite3_bind_null(ins.s, int(i) + 1);
                else if (k == kind::integer) sqlite3_bind_int64(ins.s, int(i) + 1, std::strtoll(r[i].c_str(), nullptr, 10));
                else if (k == kind::real) sqlite3_bind_double(ins.s, int(i) + 1, std::strtod(r[i].c_str(), nullptr));
                else sqlite3_bind_text(ins.s, int(i) + 1, r[i].data(), int(r[i].size()), SQLITE_TRANSIENT);
            }
            check(sqlite3_step(ins.s), db, "upload");
            sqlite3_reset(ins.s);
        }
    }

    std::string dir_;
    std::mutex pool_mutex_, write_mutex_;
    std::vector<conn> idle_;
    std::atomic<std::uint64_t> generation_{0};
};

}  // namespace

std::unique_ptr<backend> open_sqlite_backend(const std::string& directory) {
    return std::make_unique<sqlite_backend>(directory);
}

}  // namespace dax::tap
