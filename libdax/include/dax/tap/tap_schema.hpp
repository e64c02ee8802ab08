#pragma once
/// TAP_SCHEMA 1.1 (TAP 1.1 section 4): its own tables, and their content generated from the
/// published tables so that it is queryable in ADQL like any other table.
#include <dax/adql/catalog.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dax::tap {

/// A column name as published in TAP_SCHEMA and /tables: delimited ("size") when it is an
/// ADQL reserved word or not a regular identifier (TAP 1.1 section 4.3).
std::string published_column_name(std::string_view name);

/// The foreign keys published: TAP_SCHEMA's own, then those of the Felis schemas.
std::vector<adql::foreign_key_info> foreign_keys(const adql::memory_catalog& published);

/// Adds TAP_SCHEMA.schemas, tables, columns, keys and key_columns to `into`.
void add_tap_schema_tables(adql::memory_catalog& into);

/// The rows of each TAP_SCHEMA table describing every table of `published` (TAP_SCHEMA's own
/// included), as CSV with a header: {table name, csv}.
std::vector<std::pair<std::string, std::string>> tap_schema_csv(
    const adql::memory_catalog& published, const std::map<std::string, std::string>& schema_descriptions);

}  // namespace dax::tap
