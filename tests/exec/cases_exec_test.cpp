// Every valid query of the ADQL case files, translated for a backend, runs on that real backend
// over tables created from the same catalogue (SQLite, PostgreSQL+pgSphere, MariaDB).
#include "../adql/case_file.hpp"
#include "../adql/test_catalog.hpp"
#include "backends.hpp"

#include <dax/adql/felis.hpp>
#include <dax/adql/translate.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;
using namespace dax::adql;

namespace {

const memory_catalog& catalog() { return test_catalog(); }

// Column names differing only in case cannot coexist in SQLite or MySQL tables.
bool creatable(const table_info& t, const std::string& backend) {
    return backend == "postgres" || t.name != "Mixed";
}

std::string column_type(const column_info& c, const std::string& be) {
    if (c.xtype == "point") return be == "postgres" ? "spoint" : "TEXT";
    if (c.xtype == "polygon") return be == "postgres" ? "spoly" : "TEXT";
    if (c.datatype == "long") return "BIGINT";
    if (c.datatype == "int") return "INTEGER";
    if (c.datatype == "short") return "SMALLINT";
    if (c.datatype == "float") return "REAL";
    if (c.datatype == "double") return be == "mysql" ? "DOUBLE" : "DOUBLE PRECISION";
    return be == "mysql" ? "VARCHAR(255)" : "TEXT";
}

std::string value(const column_info& c, int i, const std::string& be) {
    if (c.xtype == "point") return be == "postgres" ? fmt::format("spoint '({}d,{}d)'", 10 + i, 20 + i % 5) : fmt::format("'{} {}'", 10 + i, 20 + i % 5);
    if (c.xtype == "polygon") {
        double a = 9 + i * 0.1, b = 19 + i * 0.1;
        if (be == "postgres") return fmt::format("spoly '{{({}d,{}d),({}d,{}d),({}d,{}d)}}'", a, b, a + 2, b, a + 1, b + 2);
        return fmt::format("'{} {} {} {} {} {}'", a, b, a + 2, b, a + 1, b + 2);
    }
    if (c.datatype == "long" || c.datatype == "int" || c.datatype == "short") return std::to_string(i);
    if (c.datatype == "float" || c.datatype == "double") return fmt::format("{}", 1.5 + i * 0.37);
    return fmt::format("'{}_{}'", c.name, i % 7);
}

std::string q(const std::string& name, const std::string& be) {
    return be == "mysql" ? "`" + name + "`" : "\"" + name + "\"";
}

void create_tables(backend& b) {
    auto& sql = *b.sql;
    std::vector<std::string> schemas;
    for (const auto& t : catalog().tables())
        if (std::find(schemas.begin(), schemas.end(), t->schema) == schemas.end()) schemas.push_back(t->schema);
    for (const auto& s : schemas) {
        if (b.name == "postgres") {
            sql << "CREATE EXTENSION IF NOT EXISTS pg_sphere";
            sql << "DROP SCHEMA IF EXISTS " + q(s, b.name) + " CASCADE";
            sql << "CREATE SCHEMA " + q(s, b.name);
        } else if (b.name == "mysql") {
            sql << "DROP DATABASE IF EXISTS " + q(s, b.name);
            sql << "CREATE DATABASE " + q(s, b.name) + " CHARACTER SET utf8mb4";
        } else {
            sql << "ATTACH DATABASE ':memory:' AS " + q(s, b.name);
        }
    }
    for (const auto& t : catalog().tables()) {
        if (!creatable(*t, b.name)) continue;
        std::string cols, names;
        for (const auto& c : t->columns) {
            cols += (cols.empty() ? "" : ", ") + q(c.name, b.name) + " " + column_type(c, b.name);
            names += (names.empty() ? "" : ", ") + q(c.name, b.name);
        }
        std::string full = q(t->schema, b.name) + "." + q(t->name, b.name);
        sql << "CREATE TABLE " + full + " (" + cols + ")";
        for (int i = 1; i <= 30; ++i) {
            std::string vals;
            for (const auto& c : t->columns) vals += (vals.empty() ? "" : ", ") + value(c, i, b.name);
            sql << "INSERT INTO " + full + " (" + names + ") VALUES (" + vals + ")";
        }
    }
}

void run_all(const std::string& name) {
    auto b = open_backend(name);
    create_tables(b);
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(DAX_TEST_DIR "/adql/cases"))
        if (e.path().extension() == ".case") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    size_t ran = 0;
    for (const auto& f : files) {
        for (const auto& c : read_cases(f)) {
            bool expected_sql = false;
            for (const auto& [key, text] : c.expect)
                if (key == name) expected_sql = true;
            if (!expected_sql || c.syntax_only) continue;
            // Declared UDFs are not installed in these test databases.
            if (c.query.find("ivo_") != std::string::npos || c.query.find("IVO_") != std::string::npos) continue;
            if (name != "postgres" && c.query.find("Mixed") != std::string::npos) continue;
            auto t = translate(c.query, {b.dialect, &catalog()});
            INFO(fs::path(f).filename().string() << ":" << c.line << " " << c.name << "\n" << c.query);
            REQUIRE(t.ok());
            INFO(t->sql);
            try {
                run_query(b, t->sql);
                ++ran;
            } catch (const std::exception& e) {
                FAIL_CHECK("backend error: " << std::string(e.what()));
            }
        }
    }
    MESSAGE(ran << " case queries ran on " << name);
    CHECK(ran > 200);
}

}  // namespace

TEST_CASE("exec: every valid case query runs on sqlite") { run_all("sqlite"); }
TEST_CASE("exec: every valid case query runs on postgres") { run_all("postgres"); }
TEST_CASE("exec: every valid case query runs on mariadb") { run_all("mysql"); }
