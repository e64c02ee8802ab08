#pragma once
/// Felis schema YAML (the format Rubin uses to describe published tables) -> catalog.
#include <dax/adql/catalog.hpp>
#include <dax/error.hpp>

#include <string>

namespace dax::adql {

/// Adds every schema of a Felis YAML text (one or more YAML documents) to `into`.
/// Column types come from `votable:datatype` when given, otherwise from the Felis `datatype`;
/// units from `fits:tunit` or `ivoa:unit`; UCDs from `ivoa:ucd`.
result<bool> load_felis_text(const std::string& yaml, memory_catalog& into);
/// Same, from a file.
result<bool> load_felis_file(const std::string& path, memory_catalog& into);

}  // namespace dax::adql
