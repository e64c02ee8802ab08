// The DALI module: parameters, MAXREC/RESPONSEFORMAT, shapes and intervals, error kinds.
#include <dax/dali/errors.hpp>
#include <dax/dali/params.hpp>
#include <dax/dali/shapes.hpp>
#include <dax/dali/vosi.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace dax;
using namespace dax::dali;

TEST_CASE("dali: parameter names are case-insensitive and repeated values stay in order") {
    parameters p = {{"pos", "CIRCLE 1 2 3"}, {"MAXREC", "5"}, {"POS", "RANGE 0 1 2 3"}, {"maxrec", "7"}};
    CHECK(value(p, "MaxRec") == "7");  // a single-valued parameter: the last wins
    CHECK(values(p, "POS") == std::vector<std::string>{"CIRCLE 1 2 3", "RANGE 0 1 2 3"});
    CHECK_FALSE(value(p, "BAND"));
    CHECK(*maxrec(p, 100, 1000) == 7);
    CHECK(*maxrec({}, 100, 1000) == 100);
    CHECK(*maxrec({{"MAXREC", "5000"}}, 100, 1000) == 1000);
    CHECK_FALSE(maxrec({{"MAXREC", "-1"}}, 100, 1000));
    CHECK_FALSE(maxrec({{"MAXREC", "12x"}}, 100, 1000));
    CHECK(*maxrec({{"MAXREC", "99999999999999999999999"}}, 100, 1000) == 1000);  // beyond 64 bits: everything allowed
}

TEST_CASE("dali: RESPONSEFORMAT negotiation") {
    const std::vector<output_format> f = {{"votable", "application/x-votable+xml", {"votable", "application/x-votable+xml"}, ""},
                                          {"csv", "text/csv", {"csv", "text/csv", "text/csv;header=present"}, ""}};
    CHECK((*response_format({}, f))->name == "votable");
    CHECK((*response_format({{"responseformat", "CSV"}}, f))->name == "csv");
    CHECK((*response_format({{"RESPONSEFORMAT", " text/csv ; HEADER=present"}}, f))->name == "csv");
    CHECK((*response_format({{"FORMAT", "csv"}}, f, "FORMAT"))->name == "csv");
    auto bad = response_format({{"RESPONSEFORMAT", "hdf5"}}, f);
    REQUIRE_FALSE(bad);
    CHECK(bad.err().kind() == error_kind::unsupported);
    CHECK(std::string(bad.err().what()).find("votable, csv") != std::string::npos);
}

TEST_CASE("dali: circles polygons and points are checked") {
    CHECK(parse_circle("10 20 0.5")->numbers == std::vector<double>{10, 20, 0.5});
    CHECK_FALSE(parse_circle("10 20"));
    CHECK_FALSE(parse_circle("10 20 0"));        // radius must be > 0
    CHECK_FALSE(parse_circle("370 20 1"));       // longitude outside [0, 360]
    CHECK_FALSE(parse_circle("10 -91 1"));       // latitude outside [-90, 90]
    CHECK_FALSE(parse_circle("10 20 NaN"));
    CHECK_FALSE(parse_circle("10 20 +Inf"));     // infinities only in intervals and RANGE
    CHECK_FALSE(parse_circle("10 +-5 1"));
    CHECK_FALSE(parse_circle("10 20 0x1p3"));
    CHECK_FALSE(parse_circle("10 20 1e999"));
    CHECK(parse_circle("+10 -0 .5"));
    CHECK(parse_polygon("0 0 10 0 10 10")->kind == shape::kind_t::polygon);
    CHECK_FALSE(parse_polygon("0 0 10 0"));
    CHECK_FALSE(parse_polygon("0 0 0 0 10 10"));  // degenerate
    CHECK(parse_point("359.5 -89")->numbers.size() == 2);
    auto e = parse_circle("10 x 1");
    REQUIRE_FALSE(e);
    CHECK(std::string(e.err().what()) == "'x' is not a number");
    CHECK(e.err().kind() == error_kind::usage);
}

TEST_CASE("dali: SIA and SODA POS") {
    CHECK(parse_pos("CIRCLE 10 20 1")->kind == shape::kind_t::circle);
    CHECK(parse_pos("circle 10 20 1")->kind == shape::kind_t::circle);
    auto r = parse_pos("RANGE 10 20 -Inf +Inf");
    REQUIRE(r);
    CHECK(r->kind == shape::kind_t::range);
    CHECK(r->numbers == std::vector<double>{10, 20, -90, 90});
    CHECK(parse_pos("RANGE -Inf +Inf 0 5")->numbers == std::vector<double>{0, 360, 0, 5});
    // lon1 > lon2 crosses longitude 0: the range 355..365 (= 5).
    CHECK(parse_pos("RANGE 355 5 0 5")->numbers == std::vector<double>{355, 365, 0, 5});
    auto wrap = parse_pos("RANGE 355 5 0 5")->sphere();
    REQUIRE(wrap);
    CHECK(geometry::point_in_polygon(geometry::to_vec(0, 2.5), wrap->poly));
    CHECK_FALSE(geometry::point_in_polygon(geometry::to_vec(180, 2.5), wrap->poly));
    CHECK_FALSE(parse_pos("RANGE +Inf 10 0 5"));
    CHECK(parse_pos("POLYGON 0 0 10 0 10 10")->kind == shape::kind_t::polygon);
    CHECK_FALSE(parse_pos("BOX 1 2 3 4"));
    CHECK_FALSE(parse_pos(""));
    // A narrow range is a polygon on the sphere; a circle keeps its centre.
    auto sph = parse_pos("RANGE 10 20 0 5")->sphere();
    REQUIRE(sph);
    CHECK(sph->kind == geometry::shape::kind_t::polygon);
    // The polygon follows the edges of constant latitude (great circles between the corners
    // would bulge towards the pole).
    auto wide = parse_pos("RANGE 0 170 10 20")->sphere();
    REQUIRE(wide);
    CHECK(geometry::point_in_polygon(geometry::to_vec(85, 15), wide->poly));
    CHECK_FALSE(geometry::point_in_polygon(geometry::to_vec(85, 25), wide->poly));
    CHECK_FALSE(geometry::point_in_polygon(geometry::to_vec(85, 9.9), wide->poly));
    auto cap = parse_pos("RANGE 0 10 80 +Inf")->sphere();  // up to the pole
    REQUIRE(cap);
    CHECK(geometry::point_in_polygon(geometry::to_vec(5, 89), cap->poly));
    CHECK_FALSE(parse_pos("RANGE 0 200 0 10")->sphere());  // 180 degrees or wider: no polygon
}

TEST_CASE("dali: ADQL REGION strings are STC-S or DALI") {
    CHECK(parse_region("CIRCLE ICRS 10 20 1")->value.kind == shape::kind_t::circle);
    CHECK(parse_region("POSITION ICRS GEOCENTER 10 20")->value.kind == shape::kind_t::point);
    CHECK(parse_region("BOX 10 20 2 1")->value.kind == shape::kind_t::box);
    CHECK(parse_region("10 20 1 2 3 4")->value.kind == shape::kind_t::polygon);
    CHECK(parse_region("10 20")->value.kind == shape::kind_t::point);
    CHECK(parse_region("CIRCLE GALACTIC 10 20 1")->frame == "GALACTIC");  // converted by the caller
    CHECK_FALSE(parse_region("CIRCLE NOWHERE 10 20 1"));
    CHECK_FALSE(parse_region("10 20 1 2"));
    auto u = parse_region("Union ICRS (Circle 1 2 3 Intersection(Polygon 0 0 1 0 1 1 Not (Box 0 0 1 1)))");
    REQUIRE(u);
    CHECK(u->op == region::op_t::union_);
    CHECK(u->frame == "ICRS");
    REQUIRE(u->parts.size() == 2);
    CHECK(u->parts[0].value.numbers == std::vector<double>{1, 2, 3});
    CHECK(u->parts[1].op == region::op_t::intersection);
    CHECK(u->parts[1].parts[1].op == region::op_t::not_);
    CHECK(u->parts[1].parts[1].parts[0].value.kind == shape::kind_t::box);
    CHECK_FALSE(parse_region("UNION (CIRCLE ICRS 1 2 3)"));          // one operand
    CHECK_FALSE(parse_region("Not (Circle 1 2 3 Circle 4 5 6)"));    // Not takes one
    CHECK_FALSE(parse_region("Union (Circle 1 2 3 Circle 4 5 6"));   // ')' missing
    CHECK_FALSE(parse_region("Union (Circle 1 2 3 Circle 4 5 6) 7")); // trailing
    std::string deep;
    for (int k = 0; k < 100; ++k) deep += "Not (";
    deep += "Circle 1 2 3";
    for (int k = 0; k < 100; ++k) deep += ")";
    auto d = parse_region(deep);
    REQUIRE_FALSE(d);
    CHECK(std::string(d.err().what()).find("32 deep") != std::string::npos);
    auto e = parse_region("Ellipse ICRS 1 2 3 4 5");
    REQUIRE_FALSE(e);
    CHECK(e.err().kind() == error_kind::unsupported);
}

TEST_CASE("dali: intervals timestamps and stored values") {
    auto i = parse_interval("-Inf 5.5");
    REQUIRE(i);
    CHECK(std::isinf(i->lo));
    CHECK(i->hi == 5.5);
    CHECK_FALSE(parse_interval("5 4"));
    CHECK_FALSE(parse_interval("5"));
    CHECK(*parse_timestamp_mjd("1858-11-17") == 0.0);
    CHECK(*parse_timestamp_mjd("2000-01-01T12:00:00Z") == 51544.5);
    CHECK(std::fabs(*parse_timestamp_mjd("2000-01-01T00:00:00.5") - (51544 + 0.5 / 86400)) < 1e-9);
    CHECK_FALSE(parse_timestamp_mjd("2001-02-29"));
    CHECK_FALSE(parse_timestamp_mjd("2000-01-01 12:00"));
    CHECK_FALSE(parse_timestamp_mjd("2000-01-01Z"));         // Z only after a time
    CHECK_FALSE(parse_timestamp_mjd("2000-01-01T00:00:60"));  // a leap second only at 23:59
    CHECK(parse_timestamp_mjd("2016-12-31T23:59:60Z"));
    CHECK(parse_time_interval("1e-5 2e-5")->hi == 2e-5);
    auto t = parse_time_interval("2000-01-01 2000-01-02");
    REQUIRE(t);
    CHECK(t->hi - t->lo == 1.0);
    CHECK(parse_time_interval("51544 51545.5")->hi == 51545.5);
    std::vector<double> n;
    scan_numbers("{(10d , 20d),(30d,40d)}", n);
    CHECK(n == std::vector<double>{10, 20, 30, 40});
    CHECK(read_shape("POLYGON ICRS 0 0 10 0 10 10")->kind == geometry::shape::kind_t::polygon);
    CHECK_FALSE(read_shape("ELLIPSE 1 2 3 4 5"));
    CHECK(stcs_of({1, 2, 3}) == "CIRCLE ICRS 1 2 3");
    CHECK(stcs_of_text("1.50 2 3") == "CIRCLE ICRS 1.50 2 3");
}

TEST_CASE("dali: every error kind has its HTTP status") {
    CHECK(http_status(error_kind::usage) == 400);
    CHECK(http_status(error_kind::not_found) == 404);
    CHECK(http_status(error_kind::unauthenticated) == 401);
    CHECK(http_status(error_kind::forbidden) == 403);
    CHECK(http_status(error_kind::overloaded) == 503);
    CHECK(http_status(error_kind::unsupported) == 400);
    CHECK(http_status(error_kind::internal) == 500);
    CHECK(fault_name(error_kind::not_found) == "NotFoundFault");
    const std::string doc = error_document(error(error_kind::not_found, "no <such> job"));
    CHECK(doc.find("QUERY_STATUS") != std::string::npos);
    CHECK(doc.find("no &lt;such&gt; job") != std::string::npos);
    error e(error_kind::overloaded, "busy");
    e.with_retry_after(std::chrono::seconds(5));
    CHECK(e.retry_after().count() == 5);
}

TEST_CASE("dali: VOSI capabilities list the service's own and the VOSI endpoints") {
    dax::dali::capability sia;
    sia.standard_id = "ivo://ivoa.net/std/SIA#query-2.0";
    sia.access_url = "http://h/sia/query";
    sia.interface_attrs = "role=\"std\" version=\"2.0\"";
    std::vector<dax::dali::capability> caps = {sia};
    for (auto& c : dax::dali::vosi_capabilities("http://h/sia", false, false)) caps.push_back(c);
    const std::string doc = dax::dali::capabilities_document(caps);
    CHECK(doc.find("standardID=\"ivo://ivoa.net/std/SIA#query-2.0\"") != std::string::npos);
    CHECK(doc.find("<accessURL use=\"full\">http://h/sia/capabilities</accessURL>") != std::string::npos);
    CHECK(doc.find("VOSI#tables") == std::string::npos);  // no tables endpoint asked for
    CHECK(doc.find("role=\"std\" version=\"2.0\"") != std::string::npos);
    const std::string a = dax::dali::availability_document(false, "down for <maintenance>");
    CHECK(a.find("<vosi:available>false</vosi:available>") != std::string::npos);
    CHECK(a.find("down for &lt;maintenance&gt;") != std::string::npos);
}
