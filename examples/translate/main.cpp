// Embedding libdax: describe a table in code, translate a user's ADQL for PostgreSQL+pgSphere,
// and print the SQL and the VOTable metadata of the result columns.
#include <dax/adql/catalog.hpp>
#include <dax/adql/translate.hpp>

#include <iostream>

int main(int argc, char** argv) {
    dax::adql::memory_catalog catalog;
    dax::adql::table_info stars;
    stars.schema = "demo";
    stars.name = "stars";
    stars.columns = {{"id", "", "long"}, {"ra", "", "double"}, {"dec", "", "double"}};
    stars.columns[1].unit = stars.columns[2].unit = "deg";
    stars.columns[1].ucd = "pos.eq.ra;meta.main";
    catalog.add_table(stars);

    const char* adql = argc > 1 ? argv[1]
                                : "SELECT TOP 10 id, ra, DISTANCE(POINT(ra, dec), POINT(10, 20)) AS d "
                                  "FROM demo.stars WHERE CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 1)) = 1";
    dax::adql::translate_options options;
    options.target = dax::adql::dialect::postgres;
    options.names = &catalog;
    options.maxrec = 1000;
    auto t = dax::adql::translate(adql, options);
    if (!t) {
        std::cerr << t.err().what() << '\n';
        return 1;
    }
    std::cout << t->sql << '\n';
    for (const auto& c : t->columns)
        std::cout << c.name << ' ' << c.datatype << (c.unit.empty() ? "" : " [" + c.unit + "]") << '\n';
    return 0;
}
