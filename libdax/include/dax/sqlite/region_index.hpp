#pragma once
/// SQLite has no spatial index: for every column of a libdax SQLite table that holds regions
/// (s_region, DALI circles and polygons) the backend keeps an R*Tree of the latitude range of
/// each row's bounding cap, and the SQLite translation of INTERSECTS/CONTAINS with a constant
/// shape reads it first. One name for both sides.
#include <string>
#include <string_view>

namespace dax::sqlite {

/// The R*Tree (id = the table's rowid, lat_lo, lat_hi) of `column` of `table`, in the table's
/// database.
inline std::string region_index_table(std::string_view table, std::string_view column) {
    return std::string(table) + "#" + std::string(column);
}

/// True for the column types the index is kept for: ADQL regions, DALI circles and polygons.
inline bool has_region_index(std::string_view xtype) {
    return xtype == "adql:REGION" || xtype == "circle" || xtype == "polygon";
}

}  // namespace dax::sqlite
