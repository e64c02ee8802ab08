#pragma once
// The analyzer (passes 2-4 of passes.cpp: names, types, result metadata) and the helpers the
// passes share; private to the ADQL module. Names: analyzer_names.cpp; types and result
// columns: analyzer_types.cpp.
#include <dax/adql/translate.hpp>
#include <dax/ascii.hpp>

#include <dax/geometry/sphere.hpp>
#include "functions.hpp"

#include <cctype>
#include <cmath>
#include <memory>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace dax::adql::detail {

// ---- helpers -----------------------------------------------------------------------------------

inline bool equal_ignoring_case(std::string_view a, std::string_view b) { return ascii_iequals(a, b); }

inline bool name_matches(const identifier& id, std::string_view name) {
    if (id.delimited) return id.name == name;
    return equal_ignoring_case(id.name, name);
}

inline std::string written(const std::vector<identifier>& parts) {
    std::string s;
    for (const auto& p : parts) {
        if (!s.empty()) s += '.';
        s += p.delimited ? "\"" + p.name + "\"" : p.name;
    }
    return s;
}

inline expr_ptr number_literal(double v, source_span span) {
    auto lit = std::make_unique<expr>(expr_kind::real, span);
    std::string t = geometry::format_number(std::abs(v));
    bool has_exp = t.find_first_of("eE") != std::string::npos;
    lit->kind = has_exp ? expr_kind::real : (t.find('.') != std::string::npos ? expr_kind::decimal : expr_kind::integer);
    lit->text = t;
    if (v < 0 || (v == 0 && std::signbit(v))) {
        auto neg = std::make_unique<expr>(expr_kind::negate, span);
        neg->args.push_back(std::move(lit));
        return neg;
    }
    return lit;
}

template <class F>
void for_each_expr_child(expr& e, F&& f) {
    for (auto& a : e.args) f(*a);
}

// ---- the analyzer ------------------------------------------------------------------------------

struct range_var {
    identifier corr;                              // alias, or the table name
    bool aliased = false;
    std::string schema;                           // ADQL schema of a catalog table
    std::vector<std::string> qualifier_sql;       // how references qualify its columns in SQL
    std::vector<std::string> base_sql;            // a catalog table: its backend [schema, table]
    std::vector<const column_info*> columns;
    std::string label;                            // for messages
    bool unresolved = false;                      // an unknown table: its columns cannot be checked
};

struct scope {
    scope* outer = nullptr;
    std::vector<range_var> vars;
    std::set<std::string> merged;                 // USING / NATURAL columns (lower case)
    const select_core* select = nullptr;
};

struct cte_def {
    identifier name;
    const std::vector<const column_info*>* columns;
};

inline value_type type_of_column(const column_info& c) {
    const std::string x = to_lower(c.xtype);
    if (x == "point") return value_type::point;
    if (x == "circle") return value_type::circle;
    if (x == "polygon") return value_type::polygon;
    if (x == "region" || x == "shape" || x == "adql:region" || x == "stc-s") return value_type::region;
    if (x == "timestamp" || x == "adql:timestamp") return value_type::timestamp;
    const std::string d = to_lower(c.datatype);
    if (d == "short" || d == "int" || d == "long" || d == "unsignedbyte" || d == "bit") return value_type::integer;
    if (d == "float" || d == "double") return value_type::real;
    if (d == "boolean") return value_type::boolean;
    if (d == "char" || d == "unicodechar") return value_type::string;
    return value_type::unknown;
}

inline const char* type_word(value_type t) {
    switch (t) {
    case value_type::unknown: return "a value";
    case value_type::boolean: return "a boolean";
    case value_type::integer: return "an integer";
    case value_type::real: return "a number";
    case value_type::string: return "a string";
    case value_type::timestamp: return "a timestamp";
    case value_type::point: return "a POINT";
    case value_type::circle: return "a CIRCLE";
    case value_type::polygon: return "a POLYGON";
    case value_type::region: return "a region";
    }
    return "a value";
}

class analyzer {
public:
    /// `cat`: tables and declared functions; `check`: resolve names and check types in it (else
    /// the syntax level: only function calls are checked, ADQL's or declared in `cat`).
    analyzer(const catalog* cat, bool check, query& root, std::function<bool(const table_info&)> base_tables = {})
        : cat_(cat), check_(check && cat), root_(root), base_tables_(std::move(base_tables)) {}
    std::vector<diagnostic> errors;

    std::vector<const column_info*> analyze(query& q, scope* outer);

private:
    const catalog* cat_;
    bool check_;
    query& root_;
    std::function<bool(const table_info&)> base_tables_;  // translate_options::prepared_tables
    std::vector<cte_def> ctes_;
    std::vector<std::unique_ptr<std::vector<const column_info*>>> cte_columns_;
    std::vector<std::unique_ptr<scope>> scopes_;

public:
    // A hostile query can make thousands of errors (and the work of finding them): after
    // max_errors the pass stops with what it has.
    static constexpr std::size_t max_errors = 50;
    static constexpr std::size_t max_result_columns = 4096;
    struct too_many_errors {};

private:
    void err(source_span s, std::string m);

    column_info* own(column_info c);

    std::vector<const column_info*> set(set_expr& s, scope* outer, scope*& last);

    // -- FROM --

    void add_table(scope& sc, table_ref& t);
    void add_join(scope& sc, table_ref& t);
    void add_named_table(scope& sc, table_ref& t);

    // -- SELECT --

    std::vector<const column_info*> select(select_core& s, scope* outer, scope*& last);

    const range_var* find_var(const scope& sc, const std::vector<identifier>& q);

    void order_item(adql::order_item& o, const std::vector<const column_info*>& out, scope* last, scope* outer);

    // -- expressions --

    void expr(adql::expr& e, scope& sc, const select_core* alias_source = nullptr);

    void column(adql::expr& e, scope& sc, const select_core* alias_source);

    // -- types --

    void need(const adql::expr& a, bool ok, std::string_view what, std::string_view in);

    static bool numeric_or_unknown(value_type t) { return t == value_type::unknown || is_numeric(t); }
    static bool geometry_or_unknown(value_type t) { return t == value_type::unknown || is_geometry(t); }
    static bool point_or_unknown(value_type t) { return t == value_type::unknown || t == value_type::point; }

    void infer(adql::expr& e);

    void infer_function(adql::expr& e);
    void infer_udf(adql::expr& e);
    void infer_scalar_function(adql::expr& e);
    void infer_geometry_function(adql::expr& e);
    /// Every argument of the built-in function call `e` must be a number.
    void need_numbers(const adql::expr& e);

    // -- result metadata --

    const column_info* describe(select_item& item, int position);

    static std::string default_name(const adql::expr& e, int position);
};

}  // namespace dax::adql::detail
