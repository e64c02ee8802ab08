#pragma once
/// SQLite has no spatial index: for every column of a libdax SQLite table that holds regions
/// (s_region, DALI circles and polygons) the backend keeps an R*Tree of the latitude range of
/// each row's bounding cap, and the SQLite translation of INTERSECTS/CONTAINS with a constant
/// shape reads it first. One name for both sides.
#include <string>
#include <string_view>

namespace dax::sqlite {

/// The R*Tree (id = the table's rowid, lat_lo, lat_hi) of `column` of `table`, in the table's
/// database: "table#column#" (names holding '#' get no index, so no two names collide, nor
/// with the R*Tree's own "..._node", "..._parent", "..._rowid" tables).
inline std::string region_index_table(std::string_view table, std::string_view column) {
    return std::string(table) + "#" + std::string(column) + "#";
}

/// False when a column named rowid, _rowid_ or oid hides SQLite's row id: such a table gets no
/// region index (the index is keyed by the row id).
template <class Columns>
bool row_id_visible(const Columns& columns) {
    for (const auto& c : columns) {
        std::string n;
        for (char ch : (c.db_name.empty() ? c.name : c.db_name)) n += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        if (n == "rowid" || n == "_rowid_" || n == "oid") return false;
    }
    return true;
}

/// True for the columns the index is kept for: ADQL regions, DALI circles and polygons, in
/// tables and columns whose names hold no '#'.
inline bool has_region_index(std::string_view table, std::string_view column, std::string_view xtype) {
    return (xtype == "adql:REGION" || xtype == "circle" || xtype == "polygon") && table.find('#') == std::string_view::npos &&
           column.find('#') == std::string_view::npos;
}

}  // namespace dax::sqlite
