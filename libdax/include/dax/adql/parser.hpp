#pragma once
/// ADQL text -> AST.
#include <dax/adql/ast.hpp>

#include <string_view>

namespace dax::adql {

/// Parses one ADQL 2.0 or 2.1 query. Errors read `line L, column C: message`.
///
///     auto q = dax::adql::parse("SELECT TOP 5 ra, dec FROM demo.stars");
///     if (!q) std::cerr << q.err().what() << '\n';
result<query_ptr> parse(std::string_view adql);

/// Prints the AST back as ADQL; parse(print_adql(q)) gives the same tree as q.
std::string print_adql(const query& q);

}  // namespace dax::adql
