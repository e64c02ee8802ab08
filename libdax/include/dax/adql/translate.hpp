#pragma once
/// ADQL -> backend SQL: the ordered pass list and the dialect printers.
#include <dax/adql/ast.hpp>
#include <dax/adql/catalog.hpp>
#include <dax/adql/parser.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dax::adql {

enum class dialect { sqlite, postgres, mysql, qserv };

/// Parses "sqlite", "postgres"/"postgresql"/"pgsphere", "mysql"/"mariadb", "qserv".
std::optional<dialect> dialect_from_name(std::string_view name);

/// Metadata of one result column, for the VOTable FIELD (name, datatype, arraysize, xtype, unit,
/// UCD, utype, description).
using result_column = column_info;

struct translate_options {
    dialect target = dialect::sqlite;
    /// Published tables and declared functions; nullptr: none (ADQL's own functions only).
    const catalog* names = nullptr;
    /// MAXREC: the query is limited to min(TOP, maxrec + 1) rows so OVERFLOW can be detected.
    std::optional<std::int64_t> maxrec;
    /// Size, nesting and parser-work limits of the query text.
    parse_limits limits;
    /// Called with each pass's name before it runs (tracing, tests).
    std::function<void(std::string_view)> on_pass;
    /// Which catalog tables have backend structures a translation may use, as
    /// tap::backend::prepare_table tells (kept up to date by tap::service). Null: none.
    ///   - SQLite tables with libdax's region indexes (dax/sqlite/region_index.hpp):
    ///     INTERSECTS/CONTAINS of a region column and a constant shape read the index first;
    ///   - PostgreSQL tables partitioned by declination (dax/tap/postgres_shards.hpp): constant
    ///     spatial restrictions get a declination band, so only the partitions they meet are
    ///     scanned. (On a plain table such a band would only tempt the planner into ANDing a
    ///     declination B-tree scan with the GiST one, several times slower.)
    std::function<bool(const table_info&)> prepared_tables;
    /// Resolve table and column names in `names` and check types (positioned errors). false (or
    /// no `names`): the syntax only, plus that every function called is ADQL's or declared
    /// (ADQL 2.1 section 2.4); nothing is known of types, so they are not checked.
    bool check_names = true;
};

struct translation {
    std::string sql;                       ///< exactly one SELECT statement, no trailing ';'
    std::vector<result_column> columns;    ///< empty when names were not checked
    std::optional<std::int64_t> row_limit; ///< the limit applied to the whole query, if any
};

/// Runs the passes (in `pass_names()` order) on a parsed query, in place.
void run_passes(query& q, const translate_options& options);

/// The names of the passes, in the order they run.
const std::vector<std::string>& pass_names();

/// Applies min(TOP, maxrec + 1) to the outermost query; returns the effective limit.
std::optional<std::int64_t> apply_row_limit(query& q, std::int64_t maxrec);

/// Prints a query that went through `run_passes` as SQL of `target`.
std::string print_sql(const query& q, dialect target);

/// parse + run_passes + print_sql.
///
///     auto t = dax::adql::translate("SELECT TOP 3 * FROM demo.stars", {dialect::postgres});
///     if (t) std::cout << t->sql;
result<translation> translate(std::string_view adql, const translate_options& options);

/// Result-column metadata of a query that went through `run_passes` with a catalog.
std::vector<result_column> result_columns(const query& q);

}  // namespace dax::adql
