#pragma once
/// Spherical-geometry SQL functions for SQLite, used by the SQLite translation of ADQL.
struct sqlite3;

namespace dax::sqlite {

/// Registers the dax_* geometry functions (dax_point, dax_circle, dax_polygon, dax_box,
/// dax_pt_in_circle, dax_pt_in_polygon, dax_pt_in_box, dax_pt_in_region, dax_contains,
/// dax_intersects, dax_distance, dax_area, dax_centroid, dax_coord1, dax_coord2) on a connection
/// and makes LIKE case-sensitive, as ADQL requires. Geometry values are DALI strings:
/// "lon lat" (point), "lon lat radius" (circle), "lon1 lat1 lon2 lat2 ..." (polygon), degrees.
/// Returns an SQLite result code (SQLITE_OK on success).
///
///     sqlite3* db; sqlite3_open(":memory:", &db);
///     dax::sqlite::register_functions(db);
int register_functions(sqlite3* db);

}  // namespace dax::sqlite
