#include <dax/image/store.hpp>

#include <dax/image/obscore.hpp>

#include <sqlite3.h>

#include <fmt/format.h>

#include <filesystem>
#include <mutex>

namespace dax::image {

struct image_store::impl {
    sqlite3* db = nullptr;
    mutable std::mutex m;
    ~impl() { sqlite3_close(db); }
    void exec(const char* sql) const {
        char* msg = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
            const std::string m = msg ? msg : "unknown error";
            sqlite3_free(msg);
            throw error(error_kind::internal, fmt::format("image store: {}", m));
        }
    }
};

namespace {

struct statement {
    sqlite3_stmt* s = nullptr;
    statement(sqlite3* db, const char* sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
            throw error(error_kind::internal, fmt::format("image store: {}", sqlite3_errmsg(db)));
    }
    ~statement() { sqlite3_finalize(s); }
    void bind(int i, const std::string& v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
    std::string text(int i) const {
        const auto* p = sqlite3_column_text(s, i);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : "";
    }
    stored_file file() const {
        return {text(0), text(1), text(2), sqlite3_column_int(s, 3), text(4), static_cast<std::uint64_t>(sqlite3_column_int64(s, 5)), text(6)};
    }
};

}  // namespace

image_store::image_store(const std::string& path) : impl_(std::make_unique<impl>()) {
    if (sqlite3_open_v2(path.c_str(), &impl_->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
        throw error(error_kind::internal, fmt::format("image store {}: {}", path, sqlite3_errmsg(impl_->db)));
    sqlite3_busy_timeout(impl_->db, 5000);
    impl_->exec("PRAGMA journal_mode=WAL");
    impl_->exec(
        "CREATE TABLE IF NOT EXISTS datasets (did TEXT PRIMARY KEY, obs_id TEXT NOT NULL, path TEXT NOT NULL, "
        "hdu INTEGER NOT NULL, format TEXT NOT NULL, bytes INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS datasets_obs_id ON datasets (obs_id COLLATE NOCASE)");
    // Virtual datasets (seed 000): how the file is made again; '' for a stored file. Added to
    // stores made before it existed.
    bool has_recipe = false;
    {
        statement st(impl_->db, "SELECT name FROM pragma_table_info('datasets')");
        while (sqlite3_step(st.s) == SQLITE_ROW) has_recipe = has_recipe || st.text(0) == "recipe";
    }
    if (!has_recipe) {
        try {
            impl_->exec("ALTER TABLE datasets ADD COLUMN recipe TEXT NOT NULL DEFAULT ''");
        } catch (const error&) {  // another process added it meanwhile
        }
    }
}

image_store::~image_store() = default;

void image_store::put(const dataset& d) {
    std::lock_guard lock(impl_->m);
    statement st(impl_->db, "INSERT OR REPLACE INTO datasets (did, obs_id, path, hdu, format, bytes, recipe) VALUES (?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, d.did);
    st.bind(2, d.obs_id);
    st.bind(3, std::filesystem::absolute(d.path).lexically_normal().string());
    sqlite3_bind_int(st.s, 4, d.hdu);
    st.bind(5, d.format);
    sqlite3_bind_int64(st.s, 6, static_cast<sqlite3_int64>(d.bytes));
    st.bind(7, d.recipe);
    if (sqlite3_step(st.s) != SQLITE_DONE) throw error(error_kind::internal, fmt::format("image store: {}", sqlite3_errmsg(impl_->db)));
}

std::optional<stored_file> image_store::find(const std::string& id) const {
    std::lock_guard lock(impl_->m);
    for (const char* sql : {"SELECT did, obs_id, path, hdu, format, bytes, recipe FROM datasets WHERE did = ?", "SELECT did, obs_id, path, hdu, format, bytes, recipe FROM datasets WHERE did = ? COLLATE NOCASE ORDER BY did LIMIT 1",
                            "SELECT did, obs_id, path, hdu, format, bytes, recipe FROM datasets WHERE obs_id = ? ORDER BY did LIMIT 1"}) {
        statement st(impl_->db, sql);
        st.bind(1, id);
        if (sqlite3_step(st.s) == SQLITE_ROW) return st.file();
    }
    return std::nullopt;
}

std::vector<stored_file> image_store::all() const {
    std::lock_guard lock(impl_->m);
    statement st(impl_->db, "SELECT did, obs_id, path, hdu, format, bytes, recipe FROM datasets ORDER BY did");
    std::vector<stored_file> out;
    while (sqlite3_step(st.s) == SQLITE_ROW) out.push_back(st.file());
    return out;
}

}  // namespace dax::image
