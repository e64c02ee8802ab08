#pragma once
/// What the ADQL passes know about published tables: a catalog interface (filled from
/// TAP_SCHEMA or Felis YAML) and an in-memory implementation.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dax::adql {

/// A published column, with the metadata a VOTable FIELD needs.
struct column_info {
    std::string name;          ///< ADQL name (as published in TAP_SCHEMA.columns.column_name)
    std::string db_name;       ///< backend column name; empty means the same as `name`
    std::string datatype;      ///< VOTable datatype: boolean, short, int, long, float, double, char, ...
    std::string arraysize;     ///< VOTable arraysize, e.g. "*", "2", "16*"; empty for scalars
    std::string xtype;         ///< DALI xtype: point, circle, polygon, timestamp, ...
    std::string unit;
    std::string ucd;
    std::string utype;
    std::string description;
    bool principal = false;
    bool minimal = false;      ///< Felis `dax:minimal`: kept by a time series' detail=minimal
    bool indexed = false;
    bool std = false;
    int column_index = 0;      ///< TAP_SCHEMA.columns.column_index; 0 = none
    /// Where it is published, "schema.table.column" (set by memory_catalog::add_table); kept by
    /// result columns that select it (renamed or not), empty for computed values.
    std::string source;
};

/// A published table.
struct table_info {
    std::string schema;        ///< ADQL schema name, e.g. "ivoa"
    std::string name;          ///< ADQL table name without schema, e.g. "ObsCore"
    std::string db_schema;     ///< backend schema; empty means the same as `schema`
    std::string db_name;       ///< backend table; empty means the same as `name`
    std::string description;
    std::vector<column_info> columns;
};

/// A user-defined function declared by signature, e.g. `ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER`.
struct function_info {
    std::string name;                  ///< as called in ADQL (case-insensitive)
    std::vector<std::string> arg_types;///< ADQL type names, informative
    std::string return_type;           ///< ADQL type of the result, e.g. "INTEGER", "DOUBLE", "VARCHAR"
    std::string sql_name;              ///< backend function name; empty means the same as `name`
};

/// A foreign key between published tables (TAP_SCHEMA.keys / key_columns).
struct foreign_key_info {
    std::string id;
    std::string from_table;     ///< qualified ADQL name, e.g. "dp1.Source"
    std::string target_table;
    std::vector<std::pair<std::string, std::string>> columns;  ///< (from column, target column)
    std::string description;
};

/// Lookup interface used by name resolution. Matching rules (ADQL case folding) are applied by
/// the resolver, so implementations only return candidates by lower-cased name.
class catalog {
public:
    virtual ~catalog() = default;
    /// Tables whose name lower-cases to `folded_table` (any schema).
    virtual std::vector<const table_info*> tables_named(std::string_view folded_table) const = 0;
    /// A declared user-defined function, by lower-cased name; nullptr if none.
    virtual const function_info* function_named(std::string_view folded_name) const = 0;
};

/// A catalog held in memory; the usual implementation.
class memory_catalog : public catalog {
public:
    /// Adds a table (copied); returns it.
    const table_info& add_table(table_info t);
    /// Declares a user-defined function.
    void add_function(function_info f);
    std::vector<const table_info*> tables_named(std::string_view folded_table) const override;
    const function_info* function_named(std::string_view folded_name) const override;
    /// All tables in insertion order.
    const std::vector<std::unique_ptr<table_info>>& tables() const { return tables_; }
    void add_foreign_key(foreign_key_info k) { keys_.push_back(std::move(k)); }
    const std::vector<foreign_key_info>& foreign_keys() const { return keys_; }

private:
    std::vector<std::unique_ptr<table_info>> tables_;
    std::multimap<std::string, const table_info*, std::less<>> by_name_;
    std::map<std::string, function_info, std::less<>> functions_;
    std::vector<foreign_key_info> keys_;
};

/// Parses a UDF signature such as `ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER`.
function_info parse_function_signature(std::string_view signature);

}  // namespace dax::adql
