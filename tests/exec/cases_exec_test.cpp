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
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

namespace fs = std::filesystem;
using namespace dax::adql;

namespace {

const memory_catalog& cases_catalog() { return test_catalog(); }

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
    for (const auto& t : cases_catalog().tables())
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
    for (const auto& t : cases_catalog().tables()) {
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
            auto t = translate(c.query, {b.dialect, &cases_catalog()});
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

namespace {
// Random queries whose result must not depend on the backend: total functions only (no domain
// errors), double columns only (REAL is single precision in PostgreSQL), division by 2.0.
struct portable_generator {
    std::mt19937 rng{2026};
    int pick(int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); }
    std::string leaf() {
        static const char* c[] = {"ra", "dec", "s.pm_ra", "dist_pc", "id", "1", "2.5", ".5", "10", "0.25"};
        return c[pick(10)];
    }
    std::string value(int d) {
        if (d <= 0) return leaf();
        switch (pick(11)) {
        case 0: return value(d - 1) + " + " + value(d - 1);
        case 1: return value(d - 1) + " - " + value(d - 1) + " - " + value(d - 1);
        case 2: return value(d - 1) + " * " + value(d - 1);
        case 3: return "(" + value(d - 1) + ") / 2.0";
        case 4: return "-(" + value(d - 1) + ")";
        case 5: {
            static const char* f[] = {"ABS", "SIN", "COS", "FLOOR", "CEILING", "DEGREES", "RADIANS"};
            return std::string(f[pick(7)]) + "(" + value(d - 1) + ")";
        }
        case 6: return "DISTANCE(POINT(ra, dec), POINT(" + leaf() + ", 20))";
        case 7: return "CASE WHEN " + condition(d - 1) + " THEN " + value(d - 1) + " ELSE " + value(d - 1) + " END";
        case 8: return "COALESCE(" + value(d - 1) + ", 0)";
        case 9: return "MOD(id, 7) * " + value(d - 1);
        default: return "(" + value(d - 1) + " - " + value(d - 1) + ") * " + value(d - 1);
        }
    }
    std::string condition(int d) {
        if (d <= 0) return value(0) + " < " + value(0);
        switch (pick(8)) {
        case 0: return condition(d - 1) + " AND " + condition(d - 1);
        case 1: return condition(d - 1) + " OR " + condition(d - 1) + " AND " + condition(d - 1);
        case 2: return "NOT (" + condition(d - 1) + ")";
        case 3: return value(d - 1) + " BETWEEN " + value(0) + " AND " + value(1);
        case 4: return "id IN (1, 3, 5, 7, 11, 13, 17, 19, 23, 29)";
        case 5: return "CONTAINS(POINT(ra, dec), CIRCLE(15, 20, 3)) = " + std::string(pick(2) ? "1" : "0");
        case 6: return "DISTANCE(POINT(ra, dec), POINT(20, 20)) <= 4";
        default: return value(d - 1) + " >= " + value(d - 1);
        }
    }
};

std::map<long long, double> rows(backend& b, const std::string& sql) {
    std::map<long long, double> out;
    soci::rowset<soci::row> rs = (b.sql->prepare << sql);
    for (const auto& r : rs)
        out[static_cast<long long>(number_at(r, 0))] = r.get_indicator(1) == soci::i_null ? NAN : number_at(r, 1);
    return out;
}
}  // namespace

TEST_CASE("exec: random queries give the same rows and values on postgres, mariadb and the embedded SQL engine") {
    std::vector<backend> bs;
    for (const char* n : {"sqlite", "postgres", "mysql"}) {
        bs.push_back(open_backend(n));
        create_tables(bs.back());
    }
    portable_generator gen;
    int compared = 0;
    for (int i = 0; i < 300; ++i) {
        std::string adql = "SELECT id, " + gen.value(2) + " AS v FROM demo.stars AS s WHERE " + gen.condition(2);
        INFO(adql);
        std::vector<std::map<long long, double>> results;
        for (auto& b : bs) {
            auto t = translate(adql, {b.dialect, &cases_catalog()});
            REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.err().what()));
            INFO(b.name << ": " << t->sql);
            try {
                results.push_back(rows(b, t->sql));
            } catch (const std::exception& e) {
                FAIL("backend error: " << std::string(e.what()));
            }
        }
        for (size_t k = 1; k < results.size(); ++k) {
            INFO("comparing the embedded engine with " << bs[k].name);
            REQUIRE(results[k].size() == results[0].size());
            for (const auto& [id, v] : results[0]) {
                REQUIRE(results[k].count(id) == 1);
                double w = results[k].at(id);
                if (std::isnan(v)) CHECK(std::isnan(w));
                else CHECK(std::fabs(v - w) <= 1e-9 * std::max(1.0, std::fabs(v)));
            }
        }
        ++compared;
    }
    CHECK(compared == 300);
}
