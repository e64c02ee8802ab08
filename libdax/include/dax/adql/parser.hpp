#pragma once
/// ADQL text -> AST.
#include <dax/adql/ast.hpp>

#include <cstddef>
#include <string_view>

namespace dax::adql {

/// What one query may cost the parser. The defaults pass any real query; a service takes them
/// from its configuration. Every limit gives a clear (positioned, where there is a place) error.
struct parse_limits {
    std::size_t max_bytes = 1 << 20;  ///< query text size
    std::size_t max_tokens = 200'000;  ///< words, numbers, operators (the parse tree's size and memory)
    std::size_t max_depth = 500;      ///< nesting: parentheses, subqueries, CASE, NOT/sign runs, operator chains
    /// Parser work (token look-ups) allowed per token of the query, plus one nest at max_depth:
    /// bounds the time of inputs that make ANTLR's prediction look far ahead again and again
    /// (deep nesting), so parse time stays linear in the size. Real queries need under 20.
    std::size_t lookahead_per_token = 50;
};

/// Parses one ADQL 2.0 or 2.1 query (UTF-8). Errors read `line L, column C: message`.
///
///     auto q = dax::adql::parse("SELECT TOP 5 ra, dec FROM demo.stars");
///     if (!q) std::cerr << q.err().what() << '\n';
result<query_ptr> parse(std::string_view adql, const parse_limits& limits = {});

/// Prints the AST back as ADQL; parse(print_adql(q)) gives the same tree as q.
std::string print_adql(const query& q);

/// True if `word` (any case) is an ADQL 2.1 or SQL-92 reserved word.
bool is_reserved_word(std::string_view word);
/// True if `name` can be written without quotes in ADQL: a regular identifier (a letter, then
/// letters, digits, underscores) that is not a reserved word (ADQL 2.1 section 2.1.3).
bool is_regular_identifier(std::string_view name);

}  // namespace dax::adql
