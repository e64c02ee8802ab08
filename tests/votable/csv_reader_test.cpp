// The CSV reader for ingestion: typed by the schema, errors with line numbers, and a round trip
// with the CSV writer.
#include "samples.hpp"

#include <dax/votable/csv_reader.hpp>

#include <doctest/doctest.h>

using namespace dax::votable;

namespace {
std::vector<field> schema() {
    std::vector<field> f(4);
    f[0].name = "id";
    f[0].type = datatype::long_;
    f[1].name = "ra";
    f[1].type = datatype::double_;
    f[2].name = "name";
    f[2].type = datatype::char_;
    f[2].arraysize = "*";
    f[3].name = "ok";
    f[3].type = datatype::boolean;
    return f;
}

std::string error_of(const std::string& text) {
    auto s = schema();
    auto r = open_csv_reader(text, s);
    if (!r.ok()) return r.err().what();
    try {
        while (r.value()->next()) {
        }
    } catch (const dax::error& e) {
        return e.what();
    }
    return "(accepted)";
}
}  // namespace

TEST_CASE("csv: records are typed by the schema, header in any order, quotes and CRLF") {
    const std::string text = "name,ID,ra,ok\r\n\"a, \"\"b\"\"\",1,10.5,T\r\nplain,2,,false\r\n\"multi\nline\",3,-1e3,1\n";
    auto s = schema();
    auto r = open_csv_reader(text, s);
    REQUIRE(r.ok());
    auto& rd = *r.value();
    REQUIRE(rd.next());
    CHECK(rd.row()[0].i == 1);
    CHECK(rd.row()[1].d == 10.5);
    CHECK(rd.row()[2].s == "a, \"b\"");
    CHECK(rd.row()[3].i == 1);
    REQUIRE(rd.next());
    CHECK(rd.row()[1].null);
    CHECK(rd.row()[3].i == 0);
    REQUIRE(rd.next());
    CHECK(rd.line() == 4);
    CHECK(rd.row()[2].s == "multi\nline");
    CHECK(rd.row()[1].d == -1000);
    CHECK_FALSE(rd.next());
}

TEST_CASE("csv: bad input is refused with the line and column") {
    CHECK(error_of("id,ra,nope\n") == "CSV line 1: column 'nope' is not in the table");
    CHECK(error_of("id,id\n") == "CSV line 1: column 'id' appears twice");
    CHECK(error_of("id,ra\n1,2\n3,x\n") == "CSV line 3, column 'ra': bad double value 'x'");
    CHECK(error_of("id,ra\n1,2,3\n") == "CSV line 2: 3 fields for 2 columns");
    CHECK(error_of("id,ok\n1,maybe\n") == "CSV line 2, column 'ok': bad boolean value 'maybe'");
    CHECK(error_of("id,name\n1,\"open\n") == "CSV line 2: unterminated quoted field");
    CHECK(error_of("id,name\n1,ab\"c\"\n") == "CSV line 2: a quote inside an unquoted field");
    CHECK(error_of("") == "CSV: no header line");
}

TEST_CASE("csv: the writer's output reads back through the reader") {
    string_sink out;
    auto w = make_csv_writer(out);
    auto fs = samples::fields();
    w->begin(fs);
    samples::row_store st;
    for (int k = 0; k < 10; ++k) w->row(samples::row(k, st));
    w->finish();
    auto r = open_csv_reader(out.out, fs);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.err().what()));
    int k = 0;
    while (r.value()->next()) {
        auto want = samples::row(k, st);
        auto got = r.value()->row();
        CHECK(got[7].s == want[7].s);      // quoted strings
        CHECK(got[5].i == want[5].i);      // long
        CHECK(got[4].null == want[4].null);
        CHECK((want[15].null ? got[15].null : got[15].count == 3));  // fixed array
        ++k;
    }
    CHECK(k == 10);
}
