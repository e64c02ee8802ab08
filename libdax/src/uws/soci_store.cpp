// Job stores on SOCI: one implementation, with the SQL that differs between SQLite and
// PostgreSQL in small hooks (claiming with FOR UPDATE SKIP LOCKED on PostgreSQL).
#include <dax/uws/store.hpp>

#include <soci/soci.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace dax::uws {

namespace {

// ---- compact text encodings for the list-valued columns ------------------------------------

std::string esc(std::string_view s) {
    std::string o;
    for (char c : s) {
        if (c == '%' || c == '\t' || c == '\n' || c == '=') o += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else o += c;
    }
    return o;
}

std::string unesc(std::string_view s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            o += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            o += s[i];
        }
    }
    return o;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t b = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            out.push_back(s.substr(b, i - b));
            b = i + 1;
        }
    return out;
}

std::string encode_pairs(const std::vector<std::pair<std::string, std::string>>& v) {
    std::string o;
    for (const auto& [k, x] : v) o += esc(k) + "=" + esc(x) + "\n";
    return o;
}

std::vector<std::pair<std::string, std::string>> decode_pairs(std::string_view s) {
    std::vector<std::pair<std::string, std::string>> v;
    for (auto line : split(s, '\n')) {
        if (line.empty()) continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        v.push_back({unesc(line.substr(0, eq)), unesc(line.substr(eq + 1))});
    }
    return v;
}

std::string encode_results(const std::vector<result_ref>& v) {
    std::string o;
    for (const auto& r : v) o += esc(r.id) + "\t" + esc(r.href) + "\t" + esc(r.mime_type) + "\t" + std::to_string(r.size) + "\n";
    return o;
}

std::vector<result_ref> decode_results(std::string_view s) {
    std::vector<result_ref> v;
    for (auto line : split(s, '\n')) {
        auto f = split(line, '\t');
        if (f.size() != 4) continue;
        v.push_back({unesc(f[0]), unesc(f[1]), unesc(f[2]), std::stoull(std::string(f[3]))});
    }
    return v;
}

std::string encode_error(const std::optional<error_summary>& e) {
    if (!e) return "";
    return std::string(e->fatal ? "fatal" : "transient") + "\t" + esc(e->message) + "\t" + esc(e->detail);
}

std::optional<error_summary> decode_error(std::string_view s) {
    if (s.empty()) return std::nullopt;
    auto f = split(s, '\t');
    if (f.size() != 3) return std::nullopt;
    return error_summary{f[0] == "fatal", unesc(f[1]), unesc(f[2])};
}

long long ms(time_point t) { return t.time_since_epoch().count(); }
time_point tp(long long v) { return time_point(std::chrono::milliseconds(v)); }

constexpr const char* columns =
    "id, run_id, owner, task, phase, version, created, started, ended, quote, queued, execution_duration, "
    "destruction, parameters, results, error, info, worker, visibility";

double number(const soci::row& r, std::size_t i) {
    switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return static_cast<double>(r.get<long long>(i));
    case soci::dt_unsigned_long_long: return static_cast<double>(r.get<unsigned long long>(i));
    case soci::dt_double: return r.get<double>(i);
    case soci::dt_string: return std::stod(r.get<std::string>(i));
    default: throw error("job store: unexpected column type");
    }
}

long long integer(const soci::row& r, std::size_t i) {
    if (r.get_properties(i).get_data_type() == soci::dt_long_long) return r.get<long long>(i);
    return static_cast<long long>(number(r, i));
}

std::string text(const soci::row& r, std::size_t i) {
    return r.get_indicator(i) == soci::i_null ? std::string() : r.get<std::string>(i);
}

std::optional<time_point> maybe_time(const soci::row& r, std::size_t i) {
    if (r.get_indicator(i) == soci::i_null) return std::nullopt;
    return tp(integer(r, i));
}

job from_row(const soci::row& r) {
    job j;
    j.id = text(r, 0);
    j.run_id = text(r, 1);
    j.owner = text(r, 2);
    j.task = text(r, 3);
    j.ph = phase_from_name(text(r, 4)).value_or(phase::unknown);
    j.version = integer(r, 5);
    j.creation = tp(integer(r, 6));
    j.start = maybe_time(r, 7);
    j.end = maybe_time(r, 8);
    j.quote = maybe_time(r, 9);
    j.queued = maybe_time(r, 10);
    j.execution_duration = integer(r, 11);
    j.destruction = tp(integer(r, 12));
    j.parameters = decode_pairs(text(r, 13));
    j.results = decode_results(text(r, 14));
    j.error = decode_error(text(r, 15));
    j.info = decode_pairs(text(r, 16));
    j.worker = text(r, 17);
    j.visibility = text(r, 18);
    return j;
}

// Bind values for an insert or update, kept alive during the statement.
struct job_values {
    std::string id, run_id, owner, task, phase, parameters, results, error, info, worker, visibility;
    long long version, created, started, ended, quote, queued, execution_duration, destruction;
    soci::indicator i_started, i_ended, i_quote, i_queued;

    explicit job_values(const job& j)
        : id(j.id), run_id(j.run_id), owner(j.owner), task(j.task), phase(phase_name(j.ph)),
          parameters(encode_pairs(j.parameters)), results(encode_results(j.results)), error(encode_error(j.error)),
          info(encode_pairs(j.info)), worker(j.worker), visibility(j.visibility), version(j.version),
          created(ms(j.creation)), started(j.start ? ms(*j.start) : 0), ended(j.end ? ms(*j.end) : 0),
          quote(j.quote ? ms(*j.quote) : 0), queued(j.queued ? ms(*j.queued) : 0),
          execution_duration(j.execution_duration), destruction(ms(j.destruction)),
          i_started(j.start ? soci::i_ok : soci::i_null), i_ended(j.end ? soci::i_ok : soci::i_null),
          i_quote(j.quote ? soci::i_ok : soci::i_null), i_queued(j.queued ? soci::i_ok : soci::i_null) {}
};

enum class flavour { sqlite, postgres };

class soci_store final : public job_store {
public:
    soci_store(flavour f, const std::string& backend, const std::string& conn, std::size_t n)
        : flavour_(f), pool_(n) {
        for (std::size_t i = 0; i < n; ++i) {
            soci::session& s = pool_.at(i);
            s.open(backend, conn);
            if (f == flavour::sqlite) {
                s << "PRAGMA busy_timeout = 10000";
                s << "PRAGMA journal_mode = WAL";
                s << "PRAGMA synchronous = NORMAL";
            }
        }
        soci::session s(pool_);
        s << "CREATE TABLE IF NOT EXISTS uws_job ("
             "id VARCHAR(64) PRIMARY KEY, run_id TEXT, owner TEXT NOT NULL, task TEXT NOT NULL, phase VARCHAR(16) NOT NULL, "
             "version BIGINT NOT NULL, created BIGINT NOT NULL, started BIGINT, ended BIGINT, quote BIGINT, queued BIGINT, "
             "execution_duration BIGINT NOT NULL, destruction BIGINT NOT NULL, parameters TEXT, results TEXT, error TEXT, "
             "info TEXT, worker TEXT, visibility VARCHAR(16))";
        s << "CREATE INDEX IF NOT EXISTS uws_job_queue ON uws_job (phase, queued)";
        s << "CREATE INDEX IF NOT EXISTS uws_job_owner ON uws_job (owner, created)";
        s << "CREATE INDEX IF NOT EXISTS uws_job_destruction ON uws_job (destruction)";
        s << "CREATE TABLE IF NOT EXISTS uws_worker (id VARCHAR(64) PRIMARY KEY, heartbeat BIGINT NOT NULL)";
    }

    void insert(const job& j) override {
        soci::session s(pool_);
        job_values v(j);
        s << std::string("INSERT INTO uws_job (") + columns +
                 ") VALUES (:id, :run_id, :owner, :task, :phase, :version, :created, :started, :ended, :quote, :queued, "
                 ":duration, :destruction, :parameters, :results, :error, :info, :worker, :visibility)",
            soci::use(v.id), soci::use(v.run_id), soci::use(v.owner), soci::use(v.task), soci::use(v.phase),
            soci::use(v.version), soci::use(v.created), soci::use(v.started, v.i_started), soci::use(v.ended, v.i_ended),
            soci::use(v.quote, v.i_quote), soci::use(v.queued, v.i_queued), soci::use(v.execution_duration),
            soci::use(v.destruction), soci::use(v.parameters), soci::use(v.results), soci::use(v.error), soci::use(v.info),
            soci::use(v.worker), soci::use(v.visibility);
    }

    std::optional<job> get(std::string_view id) override {
        soci::session s(pool_);
        return get_in(s, std::string(id));
    }

    std::vector<job> list(std::string_view owner, const job_filter& f) override {
        std::string sql = std::string("SELECT ") + columns + " FROM uws_job WHERE owner = :owner";
        if (!f.phases.empty()) {
            sql += " AND phase IN (";
            for (size_t i = 0; i < f.phases.size(); ++i) sql += fmt::format("{}'{}'", i ? "," : "", phase_name(f.phases[i]));
            sql += ")";
        } else if (!f.include_archived) {
            sql += " AND phase <> 'ARCHIVED'";
        }
        if (f.after) sql += fmt::format(" AND created > {}", ms(*f.after));
        sql += task_clause(f.tasks);
        if (f.visibility.empty()) sql += " AND visibility = 'normal'";
        else {
            sql += " AND visibility IN (";
            for (size_t i = 0; i < f.visibility.size(); ++i) {
                const auto& v = f.visibility[i];
                if (v != "normal" && v != "user-hidden" && v != "system-hidden") throw error("bad visibility filter");
                sql += fmt::format("{}'{}'", i ? "," : "", v);
            }
            sql += ")";
        }
        if (f.last) sql = fmt::format("SELECT * FROM ({} ORDER BY created DESC, id DESC LIMIT {}) AS recent", sql, *f.last);
        sql += " ORDER BY created, id";
        soci::session s(pool_);
        std::string o(owner);
        soci::rowset<soci::row> rs = (s.prepare << sql, soci::use(o));
        std::vector<job> out;
        for (const auto& r : rs) out.push_back(from_row(r));
        return out;
    }

    bool update(job& j) override {
        soci::session s(pool_);
        job_values v(j);
        long long expected = j.version;
        soci::statement st =
            (s.prepare << "UPDATE uws_job SET run_id = :run_id, phase = :phase, version = version + 1, started = :started, "
                          "ended = :ended, quote = :quote, queued = :queued, execution_duration = :duration, "
                          "destruction = :destruction, parameters = :parameters, results = :results, error = :error, "
                          "info = :info, worker = :worker, visibility = :visibility WHERE id = :id AND version = :version",
             soci::use(v.run_id), soci::use(v.phase), soci::use(v.started, v.i_started), soci::use(v.ended, v.i_ended),
             soci::use(v.quote, v.i_quote), soci::use(v.queued, v.i_queued), soci::use(v.execution_duration),
             soci::use(v.destruction), soci::use(v.parameters), soci::use(v.results), soci::use(v.error), soci::use(v.info),
             soci::use(v.worker), soci::use(v.visibility), soci::use(v.id), soci::use(expected));
        st.execute(true);
        if (st.get_affected_rows() != 1) return false;
        ++j.version;
        return true;
    }

    std::optional<job> claim(std::string_view worker, time_point now, const task_scope& tasks) override {
        soci::session s(pool_);
        std::string w(worker);
        long long t = ms(now);
        std::string id;
        soci::indicator ind = soci::i_null;
        const std::string pick = flavour_ == flavour::postgres
                                     ? "SELECT id FROM uws_job WHERE phase = 'QUEUED'" + task_clause(tasks) + " ORDER BY queued, created LIMIT 1 FOR UPDATE SKIP LOCKED"
                                     : "SELECT id FROM uws_job WHERE phase = 'QUEUED'" + task_clause(tasks) + " ORDER BY queued, created LIMIT 1";
        s << "UPDATE uws_job SET phase = 'EXECUTING', worker = :w, started = :t, version = version + 1 "
             "WHERE id = (" + pick + ") AND phase = 'QUEUED' RETURNING id",
            soci::use(w), soci::use(t), soci::into(id, ind);
        if (ind != soci::i_ok || id.empty() || !s.got_data()) return std::nullopt;
        return get_in(s, id);
    }

    void set_info(std::string_view id, const std::vector<std::pair<std::string, std::string>>& info) override {
        soci::session s(pool_);
        std::string i(id), v = encode_pairs(info);
        s << "UPDATE uws_job SET info = :info WHERE id = :id AND phase = 'EXECUTING'", soci::use(v), soci::use(i);
    }

    bool remove(std::string_view id) override {
        soci::session s(pool_);
        std::string i(id);
        soci::statement st = (s.prepare << "DELETE FROM uws_job WHERE id = :id", soci::use(i));
        st.execute(true);
        return st.get_affected_rows() == 1;
    }

    std::vector<job> due_for_destruction(time_point now, std::size_t limit, const task_scope& tasks) override {
        soci::session s(pool_);
        long long t = ms(now);
        soci::rowset<soci::row> rs =
            (s.prepare << std::string("SELECT ") + columns +
                              fmt::format(" FROM uws_job WHERE destruction <= :t AND phase <> 'ARCHIVED'{} ORDER BY destruction LIMIT {}",
                                          task_clause(tasks), limit),
             soci::use(t));
        std::vector<job> out;
        for (const auto& r : rs) out.push_back(from_row(r));
        return out;
    }

    std::vector<std::string> expired_history(time_point cutoff, std::size_t limit, const task_scope& tasks) override {
        soci::session s(pool_);
        long long t = ms(cutoff);
        soci::rowset<std::string> rs =
            (s.prepare << fmt::format("SELECT id FROM uws_job WHERE phase = 'ARCHIVED' AND destruction < :t{} LIMIT {}", task_clause(tasks), limit), soci::use(t));
        return {rs.begin(), rs.end()};
    }

    std::vector<std::tuple<std::string, std::string, std::size_t>> count_by_phase() override {
        soci::session s(pool_);
        soci::rowset<soci::row> rs = (s.prepare << "SELECT task, phase, COUNT(*) FROM uws_job WHERE phase <> 'ARCHIVED' GROUP BY task, phase");
        std::vector<std::tuple<std::string, std::string, std::size_t>> out;
        for (const auto& r : rs) {
            // COUNT(*) comes as whatever the backend says (SQLite: text without a declared type).
            long long n = 0;
            switch (r.get_properties(2).get_data_type()) {
            case soci::dt_long_long: n = r.get<long long>(2); break;
            case soci::dt_unsigned_long_long: n = static_cast<long long>(r.get<unsigned long long>(2)); break;
            case soci::dt_integer: n = r.get<int>(2); break;
            case soci::dt_double: n = static_cast<long long>(r.get<double>(2)); break;
            default: n = std::stoll(r.get<std::string>(2));
            }
            out.emplace_back(r.get<std::string>(0), r.get<std::string>(1), static_cast<std::size_t>(n));
        }
        return out;
    }

    void heartbeat(std::string_view worker, time_point now) override {
        soci::session s(pool_);
        std::string w(worker);
        long long t = ms(now);
        s << "INSERT INTO uws_worker (id, heartbeat) VALUES (:w, :t) ON CONFLICT (id) DO UPDATE SET heartbeat = :t2",
            soci::use(w), soci::use(t), soci::use(t);
    }

    std::vector<job> orphaned(time_point stale_before, const task_scope& tasks) override {
        soci::session s(pool_);
        long long t = ms(stale_before);
        soci::rowset<soci::row> rs =
            (s.prepare << std::string("SELECT ") + columns +
                              " FROM uws_job WHERE phase = 'EXECUTING' AND (worker IS NULL OR worker NOT IN "
                              "(SELECT id FROM uws_worker WHERE heartbeat >= :t))" + task_clause(tasks),
             soci::use(t));
        std::vector<job> out;
        for (const auto& r : rs) out.push_back(from_row(r));
        return out;
    }

private:
    // " AND task IN ('a', 'b')" for a non-empty scope; names are checked, not escaped.
    static std::string task_clause(const task_scope& tasks) {
        if (tasks.empty()) return "";
        std::string sql = " AND task IN (";
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            const auto& t = tasks[i];
            if (t.empty() || t.size() > 64 ||
                !std::all_of(t.begin(), t.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
                throw error(fmt::format("bad task name '{}' in a job store scope", t));
            sql += fmt::format("{}'{}'", i ? ", " : "", t);
        }
        return sql + ")";
    }

    std::optional<job> get_in(soci::session& s, const std::string& id) {
        soci::rowset<soci::row> rs = (s.prepare << std::string("SELECT ") + columns + " FROM uws_job WHERE id = :id", soci::use(id));
        for (const auto& r : rs) return from_row(r);
        return std::nullopt;
    }

    flavour flavour_;
    soci::connection_pool pool_;
};

}  // namespace

std::unique_ptr<job_store> open_sqlite_job_store(const std::string& path) {
    try {
        return std::make_unique<soci_store>(flavour::sqlite, "sqlite3", "db=" + path + " timeout=10", 4);
    } catch (const soci::soci_error& e) {
        throw error(fmt::format("cannot open the job store '{}': {}", path, e.what()));
    }
}

std::unique_ptr<job_store> open_postgres_job_store(const std::string& conninfo, std::size_t connections) {
    try {
        return std::make_unique<soci_store>(flavour::postgres, "postgresql", conninfo, connections);
    } catch (const soci::soci_error& e) {
        throw error(fmt::format("cannot open the PostgreSQL job store: {}", e.what()));
    }
}

}  // namespace dax::uws
