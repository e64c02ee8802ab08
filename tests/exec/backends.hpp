#pragma once
// The backends the execution tests run on: SQLite always; PostgreSQL+pgSphere and MariaDB when
// tests/exec/with_servers.sh has started them (DAX_TEST_PG, DAX_TEST_MYSQL).
#include <dax/adql/translate.hpp>
#include <dax/sqlite/functions.hpp>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

struct backend {
    std::string name;
    dax::adql::dialect dialect;
    std::unique_ptr<soci::session> sql;
};

inline backend open_backend(const std::string& name) {
    backend b;
    b.name = name;
    if (name == "sqlite") {
        b.dialect = dax::adql::dialect::sqlite;
        b.sql = std::make_unique<soci::session>(*soci::factory_sqlite3(), ":memory:");
        auto* be = static_cast<soci::sqlite3_session_backend*>(b.sql->get_backend());
        if (dax::sqlite::register_functions(be->conn_) != 0) throw std::runtime_error("register_functions failed");
        return b;
    }
    const char* env = std::getenv(name == "postgres" ? "DAX_TEST_PG" : "DAX_TEST_MYSQL");
    if (!env || !*env)
        throw std::runtime_error("the " + name + " tests need a server: run them through tests/exec/with_servers.sh");
    b.dialect = name == "postgres" ? dax::adql::dialect::postgres : dax::adql::dialect::mysql;
    b.sql = std::make_unique<soci::session>(name == "postgres" ? "postgresql" : "mysql", env);
    if (name == "postgres") *b.sql << "SET client_min_messages = warning";
    return b;
}

/// Runs a query to completion. Server backends compute the whole result on execute; SQLite
/// computes rows as they are stepped, so its rows are fetched. (Values are not read: Debian's
/// SOCI 4.0.3 cannot describe pgSphere or NULL-typed columns, a client limitation.)
inline void run_query(backend& b, const std::string& q) {
    if (b.name == "sqlite") {
        soci::rowset<soci::row> rs = (b.sql->prepare << q);
        for (auto it = rs.begin(); it != rs.end(); ++it) {
        }
        return;
    }
    soci::statement st = (b.sql->prepare << q);
    st.execute(false);
}

/// Reads column i of a row as a 64-bit integer or a double, whatever type the backend chose.
inline double number_at(const soci::row& r, std::size_t i) {
    if (r.get_indicator(i) == soci::i_null) return 0;
    switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return static_cast<double>(r.get<long long>(i));
    case soci::dt_unsigned_long_long: return static_cast<double>(r.get<unsigned long long>(i));
    case soci::dt_double: return r.get<double>(i);
    case soci::dt_string: return std::stod(r.get<std::string>(i));
    default: throw std::runtime_error("unexpected column type");
    }
}
