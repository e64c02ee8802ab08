// SQLite's region indexes (dax/sqlite/region_index.hpp): INTERSECTS/CONTAINS of a region column
// and a constant shape read the column's R*Tree first. The rows are exactly those of the plain
// translation for random circles and polygons (across RA 0/360, at the poles, huge and tiny),
// rows with NULL regions included; derived tables get no prefilter; a table whose index is
// missing (loaded by an older libdax) gets it when the service opens (prepare_table).
#include <dax/adql/catalog.hpp>
#include <dax/adql/felis.hpp>
#include <dax/adql/translate.hpp>
#include <dax/tap/backend.hpp>
#include <dax/votable/writer.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

using namespace dax;

namespace {

const char* const felis = R"(
name: geo
tables:
  - name: fields
    columns:
      - {name: id, datatype: long}
      - {name: s_region, datatype: string, votable:xtype: "adql:REGION"}
      - {name: fov, datatype: double, votable:arraysize: "*", votable:xtype: polygon}
  - name: shadowed
    columns:
      - {name: rowid, datatype: long}
      - {name: s_region, datatype: string, votable:xtype: "adql:REGION"}
  - name: other
    columns:
      - {name: id, datatype: long}
      - {name: s_region, datatype: string, votable:xtype: "adql:REGION"}
)";

struct fixture {
    std::filesystem::path dir;
    std::unique_ptr<tap::backend> b;
    adql::memory_catalog cat;
    fixture() {
        char tmpl[] = "/tmp/dax-region.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        b = tap::open_sqlite_backend(dir.string());
        REQUIRE(adql::load_felis_text(felis, cat));
    }
    ~fixture() { std::filesystem::remove_all(dir); }
    const adql::table_info& table(const char* name = "fields") const {
        for (const auto& t : cat.tables())
            if (t->name == name) return *t;
        throw error(name);
    }
    adql::translation translate(const std::string& q, bool indexes) const {
        adql::translate_options o;
        o.target = adql::dialect::sqlite;
        o.names = &cat;
        if (indexes) o.prepared_tables = [this](const adql::table_info& t) { return b->prepare_table(t); };
        auto t = adql::translate(q, o);
        if (!t) {
            const std::string why = std::string(t.err().what()) + ": " + q;
            FAIL(why);
        }
        return *t;
    }
    std::vector<tap::upload_table> uploads;
    std::string run(const std::string& q, bool indexes) {
        auto t = translate(q, indexes);
        std::vector<votable::field> f;
        for (const auto& c : t.columns) f.push_back(tap::to_field(c));
        votable::string_sink out;
        auto w = votable::make_csv_writer(out);
        b->run(t.sql, f, *w, {}, uploads);
        return out.out;
    }
};

// A footprint: a quadrilateral of `side` degrees around (ra, dec), in STC-S and as DALI numbers.
std::pair<std::string, std::string> footprint(double ra, double dec, double side) {
    std::string stc = "POLYGON ICRS", dali;
    const double h = side / 2, w = h / std::max(0.05, std::cos(dec * M_PI / 180));
    const double c[4][2] = {{ra - w, dec - h}, {ra + w, dec - h}, {ra + w, dec + h}, {ra - w, dec + h}};
    for (const auto& p : c) {
        const double lon = std::fmod(p[0] + 720, 360), lat = std::max(-89.9, std::min(89.9, p[1]));
        stc += fmt::format(" {:.6f} {:.6f}", lon, lat);
        dali += fmt::format("{}{:.6f} {:.6f}", dali.empty() ? "" : " ", lon, lat);
    }
    return {stc, dali};
}

}  // namespace

TEST_CASE("sqlite region index: the same rows as without it") {
    fixture fx;
    std::mt19937 rng(20261201);
    std::uniform_real_distribution<double> u(0, 1);
    std::string csv = "id,s_region,fov\n";
    for (int i = 1; i <= 3000; ++i) {
        const double ra = 360 * u(rng), dec = std::asin(2 * u(rng) - 1) * 180 / M_PI, side = 0.05 + 8 * std::pow(u(rng), 3);
        auto [stc, dali] = footprint(ra, dec, side);
        if (i % 97 == 0) csv += fmt::format("{},,\n", i);  // NULL regions
        else csv += fmt::format("{},{},\"{}\"\n", i, stc, dali);
    }
    // Footprints at the seam and around a pole (a polygon holding the north pole).
    csv += "5001,POLYGON ICRS 359.5 -1 0.5 -1 0.5 1 359.5 1,\"359.5 -1 0.5 -1 0.5 1 359.5 1\"\n";
    csv += "5002,POLYGON ICRS 0 88 90 88 180 88 270 88,\"0 88 90 88 180 88 270 88\"\n";
    REQUIRE(fx.b->load_csv(fx.table(), csv));

    int nonempty = 0;
    for (int k = 0; k < 150; ++k) {
        const double ra = 360 * u(rng), dec = std::asin(2 * u(rng) - 1) * 180 / M_PI, r = 0.01 + 10 * std::pow(u(rng), 2);
        std::string shape = k % 3 ? fmt::format("CIRCLE('ICRS', {:.6f}, {:.6f}, {:.6f})", ra, dec, r)
                                  : fmt::format("POLYGON('ICRS', {:.6f}, {:.6f}, {:.6f}, {:.6f}, {:.6f}, {:.6f})", ra, dec,
                                                ra + r, dec, ra, std::min(89.0, dec + r));
        if (k == 0) shape = "CIRCLE('ICRS', 0, 0, 0.7)";    // the seam footprint
        if (k == 1) shape = "CIRCLE('ICRS', 45, 89.9, 0.05)";  // inside the polar footprint
        for (const char* form : {"INTERSECTS(s_region, {})", "INTERSECTS({}, f.s_region)", "CONTAINS({}, s_region)",
                                 "INTERSECTS(fov, {})"}) {
            const std::string q = "SELECT id FROM geo.fields AS f WHERE " + fmt::format(fmt::runtime(form), shape) + " = 1 ORDER BY id";
            const auto with = fx.translate(q, true).sql;
            CHECK_MESSAGE(with.find("rowid IN (SELECT id FROM \"geo\".\"fields#") != std::string::npos, with);
            const std::string a = fx.run(q, true), b = fx.run(q, false);
            CHECK_MESSAGE(a == b, q);
            nonempty += a.find('\n') + 2 < a.size();
        }
        // A point in a region: the point's cap is the point.
        const std::string q = fmt::format("SELECT id FROM geo.fields WHERE CONTAINS(POINT('ICRS', {:.6f}, {:.6f}), s_region) = 1 ORDER BY id", ra, dec);
        CHECK(fx.run(q, true) == fx.run(q, false));
    }
    CHECK(nonempty > 100);
    CHECK(fx.run("SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 0, 0, 0.7)) = 1", true).find("5001") != std::string::npos);
    CHECK(fx.run("SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 45, 89.9, 0.05)) = 1", true).find("5002") != std::string::npos);

    // No prefilter where the rows are not the table's: a derived table, a NOT, a column shape.
    for (const char* q : {"SELECT id FROM (SELECT id, s_region FROM geo.fields) AS d WHERE INTERSECTS(d.s_region, CIRCLE('ICRS', 1, 1, 1)) = 1",
                          "SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 1, 1, 1)) = 0",
                          "SELECT a.id FROM geo.fields AS a JOIN geo.fields AS b ON INTERSECTS(a.s_region, b.s_region) = 1 WHERE a.id = 1"}) {
        CHECK_MESSAGE(fx.translate(q, true).sql.find("rowid IN") == std::string::npos, q);
        CHECK(fx.run(q, true) == fx.run(q, false));
    }
}

TEST_CASE("sqlite region index: a table without one gets it when prepared") {
    fixture fx;
    REQUIRE(fx.b->load_csv(fx.table(), "id,s_region,fov\n1,POLYGON ICRS 10 10 11 10 11 11,\"10 10 11 10 11 11\"\n"));
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((fx.dir / "geo.db").c_str(), &db) == SQLITE_OK);
        CHECK(sqlite3_exec(db, "DROP TABLE \"fields#s_region#\"", nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    auto b = tap::open_sqlite_backend(fx.dir.string());  // as a service opening the directory anew
    b->prepare_table(fx.table());
    fx.b = std::move(b);
    CHECK(fx.run("SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 10.5, 10.3, 0.1)) = 1", true) == "id\r\n1\r\n");
}

TEST_CASE("sqlite region index: review cases give the rows of the plain translation") {
    fixture fx;
    // A polygon whose bounding cap is wider than a hemisphere, a negative radius, a NULL region,
    // a polygon around the south pole.
    REQUIRE(fx.b->load_csv(fx.table(), "id,s_region,fov\n"
                                       "1,POLYGON ICRS 0 -5 179 -5 90 80,\n"
                                       "2,CIRCLE ICRS 10 10 -1,\n"
                                       "3,,\n"
                                       "4,POLYGON ICRS 10 10 11 10 11 11 10 11,\n"
                                       "5,POLYGON ICRS 0 -85 120 -85 240 -85,\n"));
    REQUIRE(fx.b->load_csv(fx.table("other"), "id,s_region\n4,POLYGON ICRS 10 10 11 10 11 11 10 11\n7,POLYGON ICRS 20 20 21 20 21 21\n"));
    CHECK(fx.b->prepare_table(fx.table()));
    for (const char* q : {
             "SELECT id FROM geo.fields AS f WHERE INTERSECTS(f.s_region, CIRCLE('ICRS', 89.5, -84, 0.5)) = 1 ORDER BY id",
             "SELECT id FROM geo.fields AS f WHERE INTERSECTS(f.s_region, POLYGON('ICRS', 100, 0, 280, -10, 310, 50)) = 1 ORDER BY id",
             "SELECT id FROM geo.fields AS f WHERE NOT (INTERSECTS(f.s_region, CIRCLE('ICRS', 10.5, 10.5, 1)) = 1) ORDER BY id",
             "SELECT id, CASE WHEN INTERSECTS(s_region, CIRCLE('ICRS', 10.5, 10.5, 1)) = 1 THEN 1 ELSE 0 END AS hit FROM geo.fields ORDER BY id",
             "SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 10.5, 10.5, 1)) = 1 OR id = 3 ORDER BY id",
             "SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 10, 100, 1)) = 1 ORDER BY id",
             "SELECT id FROM geo.fields WHERE CONTAINS(POINT('ICRS', 190, 80), s_region) = 1 ORDER BY id",
             "SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 60, -89.9, 0.2)) = 1 ORDER BY id",
             "SELECT s_region FROM geo.fields RIGHT OUTER JOIN geo.other USING (s_region) "
             "WHERE INTERSECTS(s_region, CIRCLE('ICRS', 20.5, 20.5, 1)) = 1",
         }) {
        const std::string a = fx.run(q, true), b = fx.run(q, false);
        CHECK_MESSAGE(a == b, q << "\nwith the index: " << a << "without: " << b);
    }
    CHECK(fx.run("SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 89.5, -84, 0.5)) = 1", true) == "id\r\n1\r\n");
}

TEST_CASE("sqlite region index: a column named rowid, an upload, an external change") {
    fixture fx;
    // A column hiding the row id (with repeats and a NULL): no index, the plain test.
    REQUIRE(fx.b->load_csv(fx.table("shadowed"), "rowid,s_region\n1,POLYGON ICRS 10 10 11 10 11 11\n1,POLYGON ICRS 10 10 11 10 11 11\n"
                                                 ",POLYGON ICRS 10 10 11 10 11 11\n"));
    CHECK_FALSE(fx.b->prepare_table(fx.table("shadowed")));
    const char* q = "SELECT COUNT(*) AS n FROM geo.shadowed WHERE INTERSECTS(s_region, CIRCLE('ICRS', 10.5, 10.4, 0.1)) = 1";
    CHECK(fx.translate(q, true).sql.find("rowid IN") == std::string::npos);
    CHECK(fx.run(q, true) == "n\r\n3\r\n");

    // An upload with a bad region value: the query answers, and the next upload too.
    REQUIRE(fx.b->load_csv(fx.table(), "id,s_region,fov\n4,POLYGON ICRS 10 10 11 10 11 11 10 11,\n"));
    tap::upload_table u;
    u.table.schema = u.table.db_schema = "TAP_UPLOAD";
    u.table.name = "mine";
    u.table.columns = {{"id", "", "long"}, {"r", "", "char", "*", "adql:REGION"}};
    u.rows = {{"1", "CIRCLE ICRS 10 10 -1"}, {"2", "CIRCLE ICRS 10.5 10.5 0.1"}};
    adql::memory_catalog with_upload;
    REQUIRE(adql::load_felis_text(felis, with_upload));
    with_upload.add_table(u.table);
    fx.uploads = {u};
    for (int k = 0; k < 3; ++k) {
        adql::translate_options o;
        o.names = &with_upload;
        o.prepared_tables = [&](const adql::table_info& t) { return fx.b->prepare_table(t); };
        auto t = adql::translate("SELECT m.id FROM TAP_UPLOAD.mine AS m JOIN geo.fields AS f ON INTERSECTS(m.r, f.s_region) = 1", o);
        REQUIRE(t);
        std::vector<votable::field> f;
        for (const auto& c : t->columns) f.push_back(tap::to_field(c));
        votable::string_sink out;
        auto w = votable::make_csv_writer(out);
        CHECK_NOTHROW(fx.b->run(t->sql, f, *w, {}, fx.uploads));
        CHECK(out.out == "id\r\n2\r\n");
    }

    // Rows added by another program: the index is rebuilt when the table is prepared again.
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((fx.dir / "geo.db").c_str(), &db) == SQLITE_OK);
        CHECK(sqlite3_exec(db, "INSERT INTO fields (id, s_region) VALUES (9, 'POLYGON ICRS 30 30 31 30 31 31')", nullptr, nullptr,
                           nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    CHECK(fx.b->prepare_table(fx.table()));
    CHECK(fx.run("SELECT id FROM geo.fields WHERE INTERSECTS(s_region, CIRCLE('ICRS', 30.5, 30.4, 0.1)) = 1", true) == "id\r\n9\r\n");
}
