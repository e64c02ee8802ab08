#pragma once
/// The time series query behind DataLink's light-curve links (seed 003, Rubin's datalinker
/// "timeseries" redirect): the rows of a table for one object, with their time, in time order,
/// as ADQL for the TAP service. Every name comes from the published catalog (TAP_SCHEMA), never
/// from the request's text; values become checked literals.
#include <dax/adql/catalog.hpp>
#include <dax/error.hpp>

#include <string>

namespace dax::tap {

struct timeseries_request {
    std::string id;                ///< the object's identifier (a value of id_column)
    std::string table;             ///< the time series table, schema-qualified ("lc.forced")
    std::string id_column;         ///< its column holding the object's identifier
    /// The time: a column of `table`, or "schema.table.column" of a table that one of `table`'s
    /// foreign keys points at (joined on that key).
    std::string join_time_column;
    std::string band = "all";      ///< "all", or a value of the table's `band` column
    std::string detail = "full";   ///< full (every column), principal (TAP_SCHEMA principal), minimal
};

/// The ADQL, or a usage error naming the parameter that does not fit the catalog. `minimal`
/// takes the columns marked `dax:minimal: true` in the Felis schema, else the id, time and band
/// columns; `principal` those with `tap:principal: 1`, in `tap:column_index` order.
result<std::string> timeseries_adql(const adql::memory_catalog& catalog, const timeseries_request& r);

}  // namespace dax::tap
