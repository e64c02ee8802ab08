#pragma once
/// The ADQL abstract syntax tree: libdax's own node types. The ANTLR parse tree never leaves
/// the parser module; everything after parsing (passes, printers) works on these nodes.
#include <dax/adql/catalog.hpp>
#include <dax/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dax::adql {

struct query;
struct table_info;
struct column_info;

/// A name as written: regular identifiers compare case-insensitively, delimited ones exactly.
struct identifier {
    std::string name;        ///< without quotes, "" escapes undone
    bool delimited = false;  ///< written in double quotes
    source_span span;
};

enum class expr_kind {
    column,        ///< [schema.]table.column reference (`name`)
    integer,       ///< `text` holds the digits as written
    decimal,       ///< exact numeric with a point
    real,          ///< approximate numeric with an exponent
    string,        ///< `text` holds the unescaped value
    null,
    negate,        ///< unary minus (a unary plus is dropped)
    add, subtract, multiply, divide, concat,
    function,      ///< built-in (`fn`) or user-defined function
    aggregate,     ///< COUNT/AVG/MIN/MAX/SUM; no args means COUNT(*)
    cast,
    case_when,     ///< args: [operand] (when, then)... [else]
    subquery,      ///< scalar subquery
    compare,       ///< args[0] `op` args[1]
    between,       ///< args: value, low, high
    in_list,       ///< args: value, items...
    in_query,      ///< args: value; `subquery`
    like, ilike,
    is_null,
    exists,        ///< `subquery`
    and_, or_, not_,
};

enum class compare_op { eq, ne, lt, gt, le, ge };

/// Built-in functions of ADQL 2.1 (plus COALESCE/NULLIF); `udf` for declared user functions.
enum class function_id {
    udf,
    abs, ceiling, degrees, exp, floor, log, log10, mod, pi, power, radians, rand, round, sqrt,
    truncate, acos, asin, atan, atan2, cos, cot, sin, tan,
    lower, upper, coalesce, nullif, in_unit,
    point, circle, box, polygon, region, contains, intersects, distance, area, centroid,
    coord1, coord2, coordsys,
};

enum class aggregate_id { count, avg, min, max, sum };

/// The value type of an expression, as far as the typing pass can tell.
enum class value_type {
    unknown, boolean, integer, real, string, timestamp,
    point, circle, polygon, region,  ///< region: geometry of unknown shape (e.g. an s_region column)
};
bool is_geometry(value_type t);
bool is_numeric(value_type t);

/// CAST target as written: SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, CHAR(n), VARCHAR(n),
/// TIMESTAMP, POINT, CIRCLE, POLYGON.
struct cast_target {
    std::string name;                ///< canonical upper-case name, e.g. "DOUBLE PRECISION"
    std::optional<std::int64_t> length;
};

struct expr;
using expr_ptr = std::unique_ptr<expr>;

/// One expression or search-condition node.
struct expr {
    expr_kind kind = expr_kind::null;
    source_span span;
    std::string text;                 ///< literal text, or the function name as written
    std::vector<identifier> name;     ///< column reference parts
    std::vector<expr_ptr> args;
    std::unique_ptr<query> sub;       ///< subquery / in_query / exists
    function_id fn = function_id::udf;
    aggregate_id agg = aggregate_id::count;
    compare_op op = compare_op::eq;
    cast_target cast;
    /// The deprecated coordinate-system argument of a geometry constructor (ADQL 2.1 section
    /// 4.2.1): a string literal, or as ADQL 2.0 allowed any string expression (NULL, '' ...).
    expr_ptr coord_sys;
    bool negated = false;             ///< NOT BETWEEN / NOT IN / NOT LIKE / IS NOT NULL
    bool distinct = false;            ///< COUNT(DISTINCT x)
    bool all_quantifier = false;      ///< COUNT(ALL x), kept for the round trip
    bool case_operand = false;        ///< simple CASE x WHEN ...
    bool case_else = false;

    // Filled by the passes.
    value_type type = value_type::unknown;
    const column_info* column = nullptr;  ///< the catalog column a reference resolved to
    std::vector<std::string> sql_name;    ///< resolved column reference as printed: [qualifier parts..., column]
    /// A column of a catalog table (not of a derived table or CTE), when the translation asks
    /// for the table (translate_options::prepared_tables): its backend [schema, table] and how
    /// this query qualifies its rows (alias or table), for SQLite's region indexes and
    /// PostgreSQL's declination partitions.
    std::vector<std::string> base_table_sql, row_qualifier_sql;
    std::string unit;                     ///< unit of the value, if known
    double scale = 1;                     ///< IN_UNIT: factor from the argument's unit to the target

    expr() = default;
    expr(expr_kind k, source_span s) : kind(k), span(s) {}
};

struct select_item {
    expr_ptr value;                    ///< null for * and t.*
    std::optional<identifier> alias;
    std::vector<identifier> all_of;    ///< t.*: the qualifier (empty for *)
    source_span span;
    std::string output_name;           ///< set by the passes: the SQL name of an unaliased expression
    std::vector<std::string> all_of_sql;  ///< set by the passes: t.* qualifier as printed; for a *
                                          ///< over one table, that table's (printers that need t.*)
    bool star() const { return !value && all_of.empty(); }
};

enum class join_kind { cross, inner, left, right, full };

struct table_ref;
using table_ref_ptr = std::unique_ptr<table_ref>;

/// A FROM item: a table, a derived table (subquery with alias) or a join.
struct table_ref {
    enum class kind_t { table, derived, join } kind = kind_t::table;
    source_span span;
    std::vector<identifier> name;        ///< [schema.]table
    std::optional<identifier> alias;
    std::unique_ptr<query> sub;          ///< derived table
    join_kind join = join_kind::inner;
    bool join_explicit_inner = false;    ///< INNER written
    bool join_outer_word = false;        ///< OUTER written
    bool join_implicit_cross = false;    ///< a cross join written JOIN (or INNER JOIN) without ON/USING
    bool natural = false;
    table_ref_ptr left, right;
    expr_ptr on;
    std::vector<identifier> using_columns;
    bool parenthesized = false;

    // Filled by name resolution.
    const table_info* table = nullptr;
    std::vector<std::string> sql_name;   ///< backend [schema, table] as printed
};

struct select_core {
    source_span span;
    bool distinct = false;
    bool all_quantifier = false;
    std::optional<std::int64_t> top;
    std::vector<select_item> items;      ///< *, t.* and values, in order
    std::vector<table_ref_ptr> from;
    expr_ptr where;
    std::vector<expr_ptr> group_by;
    expr_ptr having;
};

enum class set_op { none, union_, intersect, except };

/// A set expression: a SELECT, a parenthesised query, or a set operation of two.
struct set_expr {
    set_op op = set_op::none;
    bool all = false;
    source_span span;
    std::unique_ptr<select_core> select;   ///< op == none, not nested
    std::unique_ptr<query> nested;         ///< op == none: ( query )
    std::unique_ptr<set_expr> left, right;
};

struct order_item {
    expr_ptr value;
    bool descending = false;
    bool explicit_direction = false;
};

struct common_table {
    identifier name;
    std::unique_ptr<query> body;
};

/// A complete query expression: [WITH ...] set-expression [ORDER BY ...] [OFFSET n].
struct query {
    source_span span;
    std::vector<common_table> with;
    std::unique_ptr<set_expr> body;
    std::vector<order_item> order_by;
    std::optional<std::int64_t> offset;
    /// Row limit applied to the whole query by `apply_row_limit` (MAXREC+1); printed as LIMIT.
    std::optional<std::int64_t> limit;

    // Filled by the passes.
    bool analyzed = false;                                 ///< names resolved against a catalog
    std::vector<std::unique_ptr<column_info>> owned;       ///< metadata of derived columns
    std::vector<const column_info*> result;                ///< one per output column
};

using query_ptr = std::unique_ptr<query>;

/// A structural dump of the tree (spans and pass annotations excluded), used to compare trees.
std::string dump(const query& q);

}  // namespace dax::adql
