#pragma once
/// Building ADQL queries in code (SIA, cone search, DataLink): AST nodes from typed values, so a
/// value never becomes query text by concatenation. print_adql() of the result parses back to
/// the same tree, which is how the query runner receives it.
///
///     auto q = dax::adql::parse("SELECT * FROM ivoa.ObsCore");
///     using namespace dax::adql::build;
///     where(**q, compare(column("target_name"), compare_op::eq, text("O'Brien")));
#include <dax/adql/ast.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dax::adql::build {

/// A column of the query's table, by its ADQL name (delimited when it is not a regular one).
expr_ptr column(std::string_view name);
/// A character string literal (any text: quotes are escaped when printed).
expr_ptr text(std::string value);
/// A numeric literal; throws dax::error (usage) for NaN or an infinity, which ADQL cannot write.
expr_ptr number(double value);
expr_ptr integer(std::int64_t value);
expr_ptr compare(expr_ptr left, compare_op op, expr_ptr right);
/// A built-in function call: LOWER, CIRCLE, POLYGON, POINT, INTERSECTS, CONTAINS, ...
expr_ptr call(function_id fn, std::vector<expr_ptr> args);
/// left LIKE pattern.
expr_ptr like(expr_ptr left, expr_ptr pattern);
/// The conjunction / disjunction of the terms (a single term is itself); null when empty.
expr_ptr all_of(std::vector<expr_ptr> terms);
expr_ptr any_of(std::vector<expr_ptr> terms);
/// ANDs `condition` into the WHERE clause of the query's (single) SELECT.
void where(query& q, expr_ptr condition);

}  // namespace dax::adql::build
