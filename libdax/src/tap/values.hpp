#pragma once
// How values and names cross between the databases and the table writers: shared by the
// SQLite, PostgreSQL and MySQL backends.
#include <dax/adql/catalog.hpp>
#include <dax/votable/field.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dax::tap {

/// Backend names of a table and a column (the ADQL name when no db_* name is set).
inline const std::string& db_schema(const adql::table_info& t) { return t.db_schema.empty() ? t.schema : t.db_schema; }
inline const std::string& db_table(const adql::table_info& t) { return t.db_name.empty() ? t.name : t.db_name; }
inline const std::string& db_column(const adql::column_info& c) { return c.db_name.empty() ? c.name : c.db_name; }

/// The main position columns (UCDs pos.eq.ra;meta.main and pos.eq.dec;meta.main), which get a
/// spatial index; both null when the table has no such pair.
struct position_columns {
    const adql::column_info* ra = nullptr;
    const adql::column_info* dec = nullptr;
};
position_columns find_position(const adql::table_info& t);

/// DALI text ("v1 v2 ...") of a numeric array cell of `f`'s datatype.
std::string array_text(const votable::field& f, const votable::cell& c);

/// Every number in a text (DALI arrays, pgSphere "(10d , 20d)", STC-S), in order.
void scan_numbers(std::string_view text, std::vector<double>& out);

/// STC-S of a point, circle or polygon given as numbers in degrees (2, 3 or 2n values).
std::string stcs_from_numbers(const std::vector<double>& n);

/// A stored adql:REGION value: STC-S as given, or DALI numbers turned into STC-S (the peers'
/// CSV holds DALI polygons).
std::string region_text(std::string_view value);

}  // namespace dax::tap
