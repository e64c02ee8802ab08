#pragma once
// The table of ADQL built-in functions: one place for names, ids and arities.
#include <dax/adql/ast.hpp>

#include <string_view>

namespace dax::adql::detail {

struct builtin_function {
    std::string_view name;  // canonical upper-case ADQL name
    function_id id;
    int min_args;
    int max_args;           // -1: unbounded
};

/// The built-in function called `upper_name`, or nullptr.
const builtin_function* find_builtin(std::string_view upper_name);
/// The canonical name of a built-in function.
std::string_view builtin_name(function_id id);
/// POINT ... COORDSYS: the geometry functions, which each dialect maps to its own.
bool is_geometry_function(function_id id);
/// The aggregate called `upper_name` (COUNT, AVG, MIN, MAX, SUM), if any.
bool find_aggregate(std::string_view upper_name, aggregate_id& out);
std::string_view aggregate_name(aggregate_id id);

/// True if `word` (any case) is an ADQL 2.1 or SQL-92 reserved word.
bool is_reserved_word(std::string_view word);

std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);

}  // namespace dax::adql::detail

namespace dax::adql::detail {
/// SQL spelling of a name not mapped by the catalog: regular identifiers fold to lower case
/// (as PostgreSQL folds them), delimited identifiers are kept exactly.
std::string fold(const identifier& id);
}  // namespace dax::adql::detail
