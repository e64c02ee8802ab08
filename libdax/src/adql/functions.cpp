#include "functions.hpp"
#include <dax/ascii.hpp>

#include <dax/adql/parser.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace dax::adql::detail {

namespace {
constexpr builtin_function builtins[] = {
    {"ABS", function_id::abs, 1, 1},           {"ACOS", function_id::acos, 1, 1},
    {"AREA", function_id::area, 1, 1},         {"ASIN", function_id::asin, 1, 1},
    {"ATAN", function_id::atan, 1, 1},         {"ATAN2", function_id::atan2, 2, 2},
    {"BOX", function_id::box, 3, 5},           {"CEILING", function_id::ceiling, 1, 1},
    {"CENTROID", function_id::centroid, 1, 1}, {"CIRCLE", function_id::circle, 2, 4},
    {"COALESCE", function_id::coalesce, 1, -1},{"CONTAINS", function_id::contains, 2, 2},
    {"COORD1", function_id::coord1, 1, 1},     {"COORD2", function_id::coord2, 1, 1},
    {"COORDSYS", function_id::coordsys, 1, 1}, {"COS", function_id::cos, 1, 1},
    {"COT", function_id::cot, 1, 1},           {"DEGREES", function_id::degrees, 1, 1},
    {"DISTANCE", function_id::distance, 2, 4}, {"EXP", function_id::exp, 1, 1},
    {"FLOOR", function_id::floor, 1, 1},       {"INTERSECTS", function_id::intersects, 2, 2},
    {"IN_UNIT", function_id::in_unit, 2, 2},   {"LOG", function_id::log, 1, 1},
    {"LOG10", function_id::log10, 1, 1},       {"LOWER", function_id::lower, 1, 1},
    {"MOD", function_id::mod, 2, 2},           {"NULLIF", function_id::nullif, 2, 2},
    {"PI", function_id::pi, 0, 0},             {"POINT", function_id::point, 2, 3},
    {"POLYGON", function_id::polygon, 3, -1},  {"POWER", function_id::power, 2, 2},
    {"RADIANS", function_id::radians, 1, 1},   {"RAND", function_id::rand, 0, 1},
    {"REGION", function_id::region, 1, 1},     {"ROUND", function_id::round, 1, 2},
    {"SIN", function_id::sin, 1, 1},           {"SQRT", function_id::sqrt, 1, 1},
    {"TAN", function_id::tan, 1, 1},           {"TRUNCATE", function_id::truncate, 1, 2},
    {"UPPER", function_id::upper, 1, 1},
};

// ADQL 2.1 section 2.1.3: ADQL and SQL-92 reserved words, sorted for binary search.
constexpr std::string_view reserved[] = {
    "ABS", "ABSOLUTE", "ACOS", "ACTION", "ADD", "ALL", "ALLOCATE", "ALTER", "AND", "ANY", "ARE",
    "AREA", "AS", "ASC", "ASIN", "ASSERTION", "AT", "ATAN", "ATAN2", "AUTHORIZATION", "AVG",
    "BEGIN", "BETWEEN", "BIGINT", "BIT", "BIT_LENGTH", "BOTH", "BOX", "BY", "CASCADE",
    "CASCADED", "CASE", "CAST", "CATALOG", "CEILING", "CENTROID", "CHAR", "CHARACTER",
    "CHARACTER_LENGTH", "CHAR_LENGTH", "CHECK", "CIRCLE", "CLOSE", "COALESCE", "COLLATE",
    "COLLATION", "COLUMN", "COMMIT", "CONNECT", "CONNECTION", "CONSTRAINT", "CONSTRAINTS",
    "CONTAINS", "CONTINUE", "CONVERT", "COORD1", "COORD2", "COORDSYS", "CORRESPONDING", "COS",
    "COT", "COUNT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
    "CURRENT_TIMESTAMP", "CURRENT_USER", "CURSOR", "DATE", "DAY", "DEALLOCATE", "DECIMAL",
    "DECLARE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DEGREES", "DELETE", "DESC", "DESCRIBE",
    "DESCRIPTOR", "DIAGNOSTICS", "DISCONNECT", "DISTANCE", "DISTINCT", "DOMAIN", "DOUBLE",
    "DROP", "ELSE", "END", "ESCAPE", "EXCEPT", "EXCEPTION", "EXEC", "EXECUTE", "EXISTS", "EXP",
    "EXTERNAL", "EXTRACT", "FALSE", "FETCH", "FIRST", "FLOAT", "FLOOR", "FOR", "FOREIGN",
    "FOUND", "FROM", "FULL", "GET", "GLOBAL", "GO", "GOTO", "GRANT", "GROUP", "HAVING", "HOUR",
    "IDENTITY", "ILIKE", "IMMEDIATE", "IN", "INDICATOR", "INITIALLY", "INNER", "INPUT",
    "INSENSITIVE", "INSERT", "INT", "INTEGER", "INTERSECT", "INTERSECTS", "INTERVAL", "INTO",
    "IN_UNIT", "IS", "ISOLATION", "JOIN", "KEY", "LANGUAGE", "LAST", "LEADING", "LEFT", "LEVEL",
    "LIKE", "LOCAL", "LOG", "LOG10", "LOWER", "MATCH", "MAX", "MIN", "MINUTE", "MOD", "MODULE",
    "MONTH", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NEXT", "NO", "NOT", "NULL", "NULLIF",
    "NUMERIC", "OCTET_LENGTH", "OF", "OFFSET", "ON", "ONLY", "OPEN", "OPTION", "OR", "ORDER",
    "OUTER", "OUTPUT", "OVERLAPS", "PAD", "PARTIAL", "PI", "POINT", "POLYGON", "POSITION",
    "POWER", "PRECISION", "PREPARE", "PRESERVE", "PRIMARY", "PRIOR", "PRIVILEGES", "PROCEDURE",
    "PUBLIC", "RADIANS", "RAND", "READ", "REAL", "REFERENCES", "REGION", "RELATIVE", "RESTRICT",
    "REVOKE", "RIGHT", "ROLLBACK", "ROUND", "ROWS", "SCHEMA", "SCROLL", "SECOND", "SECTION",
    "SELECT", "SESSION", "SESSION_USER", "SET", "SIN", "SIZE", "SMALLINT", "SOME", "SPACE",
    "SQL", "SQLCODE", "SQLERROR", "SQLSTATE", "SQRT", "SUBSTRING", "SUM", "SYSTEM_USER",
    "TABLE", "TAN", "TEMPORARY", "THEN", "TIME", "TIMESTAMP", "TIMEZONE_HOUR",
    "TIMEZONE_MINUTE", "TO", "TOP", "TRAILING", "TRANSACTION", "TRANSLATE", "TRANSLATION",
    "TRIM", "TRUE", "TRUNCATE", "UNION", "UNIQUE", "UNKNOWN", "UPDATE", "UPPER", "USAGE",
    "USER", "USING", "VALUE", "VALUES", "VARCHAR", "VARYING", "VIEW", "WHEN", "WHENEVER",
    "WHERE", "WITH", "WORK", "WRITE", "YEAR", "ZONE",
};
}  // namespace

std::string to_upper(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return r;
}

std::string to_lower(std::string_view s) { return ascii_lower(s); }

const builtin_function* find_builtin(std::string_view upper_name) {
    for (const auto& b : builtins)
        if (b.name == upper_name) return &b;
    return nullptr;
}

std::string_view builtin_name(function_id id) {
    for (const auto& b : builtins)
        if (b.id == id) return b.name;
    return "";
}

bool is_geometry_function(function_id id) {
    switch (id) {
    case function_id::point: case function_id::circle: case function_id::box: case function_id::polygon:
    case function_id::region: case function_id::contains: case function_id::intersects:
    case function_id::distance: case function_id::area: case function_id::centroid:
    case function_id::coord1: case function_id::coord2: case function_id::coordsys:
        return true;
    default: return false;
    }
}

bool find_aggregate(std::string_view n, aggregate_id& out) {
    if (n == "COUNT") out = aggregate_id::count;
    else if (n == "AVG") out = aggregate_id::avg;
    else if (n == "MIN") out = aggregate_id::min;
    else if (n == "MAX") out = aggregate_id::max;
    else if (n == "SUM") out = aggregate_id::sum;
    else return false;
    return true;
}

std::string_view aggregate_name(aggregate_id id) {
    switch (id) {
    case aggregate_id::count: return "COUNT";
    case aggregate_id::avg: return "AVG";
    case aggregate_id::min: return "MIN";
    case aggregate_id::max: return "MAX";
    case aggregate_id::sum: return "SUM";
    }
    return "";
}

bool is_reserved_word(std::string_view word) {
    char up[24];
    if (word.size() > sizeof up) return false;
    for (size_t i = 0; i < word.size(); ++i) up[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[i])));
    return std::binary_search(std::begin(reserved), std::end(reserved), std::string_view(up, word.size()));
}

}  // namespace dax::adql::detail

namespace dax::adql::detail {
std::string fold(const identifier& id) { return id.delimited ? id.name : to_lower(id.name); }
}  // namespace dax::adql::detail

namespace dax::adql {
bool is_reserved_word(std::string_view word) { return detail::is_reserved_word(word); }
bool is_regular_identifier(std::string_view s) {
    if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }) &&
           !detail::is_reserved_word(s);
}
}  // namespace dax::adql
