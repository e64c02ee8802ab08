// Writer -> reader round trips for every datatype, array shape and null, in TABLEDATA, BINARY
// and BINARY2; document structure (statuses, errors after rows); CSV/TSV quoting.
#include "samples.hpp"

#include <dax/votable/reader.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

using namespace dax::votable;

namespace {

bool is_floating(datatype t) {
    return t == datatype::float_ || t == datatype::double_ || t == datatype::float_complex || t == datatype::double_complex;
}

size_t native_size(datatype t) {
    switch (t) {
    case datatype::short_: return 2;
    case datatype::int_: case datatype::float_: return 4;
    case datatype::long_: case datatype::double_: case datatype::float_complex: return 8;
    case datatype::double_complex: return 16;
    default: return 1;
    }
}

bool same_number(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// What a written cell must read back as, given what each serialization can express.
void compare(const field& f, const cell& want, const cell& got, serialization ser, int row) {
    INFO("row " << row << ", column " << f.name << " (" << datatype_name(f.type) << " " << f.arraysize << ")");
    const auto shape = parse_arraysize(f.arraysize);
    const bool text = f.type == datatype::char_ || f.type == datatype::unicode_char;
    const bool fixed_array = !shape.scalar() && !shape.variable;
    const bool integer = f.type == datatype::unsigned_byte || f.type == datatype::short_ || f.type == datatype::int_ ||
                         f.type == datatype::long_;
    if (want.null) {
        // What each serialization can say (VOTable 1.4 section 6): BINARY2 flags every null;
        // TABLEDATA has empty cells (scalars, strings, variable arrays) and writes NaN into
        // floating-point values; integers use the declared null value, whole fixed arrays of it
        // read as null; BINARY strings and variable arrays come back empty.
        const bool td = ser == serialization::tabledata;
        if (ser == serialization::binary2) CHECK(got.null);
        else if (shape.scalar() && (integer || f.type == datatype::boolean)) CHECK(got.null);
        else if (fixed_array && integer) CHECK(got.null);
        else if (td && (text || shape.variable)) CHECK(got.null);
        else if (text) CHECK(got.s.empty());
        else if (shape.variable) CHECK(got.count == 0);
        else if (shape.scalar() && is_floating(f.type)) CHECK(std::isnan(got.d));
        return;
    }
    if (ser == serialization::tabledata && ((text && want.s.empty()) || (!text && shape.variable && want.count == 0))) {
        CHECK((got.null || (got.s.empty() && got.count == 0)));  // an empty TD: null and empty alike
        return;
    }
    REQUIRE_FALSE(got.null);
    if (text) {
        std::string_view w = want.s;
        if (f.type == datatype::char_ && shape.scalar()) w = w.substr(0, 1);
        if (fixed_array && f.type == datatype::char_) w = w.substr(0, static_cast<size_t>(shape.fixed_elements()));
        if (shape.variable && shape.dims.back()) w = w.substr(0, static_cast<size_t>(shape.dims.back()));
        CHECK(got.s == w);
        return;
    }
    if (shape.scalar()) {
        if (is_floating(f.type)) {
            const double wd = f.type == datatype::float_ || f.type == datatype::float_complex ? static_cast<float>(want.d) : want.d;
            CHECK(same_number(got.d, wd));
            if (f.type == datatype::float_complex || f.type == datatype::double_complex) {
                const double wi = f.type == datatype::float_complex ? static_cast<float>(want.im) : want.im;
                CHECK(same_number(got.im, wi));
            }
        } else {
            CHECK(got.i == want.i);
        }
        return;
    }
    REQUIRE(got.count == want.count);
    const size_t bytes = want.count * native_size(f.type);
    if (f.type == datatype::float_ || f.type == datatype::double_ || f.type == datatype::float_complex ||
        f.type == datatype::double_complex) {
        const size_t per = f.type == datatype::float_complex || f.type == datatype::double_complex ? 2 : 1;
        for (size_t k = 0; k < want.count * per; ++k) {
            double a, b;
            if (f.type == datatype::float_ || f.type == datatype::float_complex) {
                a = static_cast<const float*>(want.data)[k];
                b = static_cast<const float*>(got.data)[k];
            } else {
                a = static_cast<const double*>(want.data)[k];
                b = static_cast<const double*>(got.data)[k];
            }
            CHECK(same_number(a, b));
        }
    } else {
        CHECK(std::memcmp(want.data, got.data, bytes) == 0);
    }
}

void round_trip(serialization ser) {
    const std::string doc = samples::document(ser, 23);
    auto r = open_reader(doc);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.err().what()));
    auto& rd = *r.value();
    const auto fs = samples::fields();
    REQUIRE(rd.fields().size() == fs.size());
    for (size_t i = 0; i < fs.size(); ++i) {
        CHECK(rd.fields()[i].name == fs[i].name);
        CHECK(rd.fields()[i].type == fs[i].type);
        CHECK(rd.fields()[i].unit == fs[i].unit);
        CHECK(rd.fields()[i].ucd == fs[i].ucd);
        CHECK(rd.fields()[i].xtype == fs[i].xtype);
    }
    samples::row_store st;
    int k = 0;
    while (rd.next()) {
        auto want = samples::row(k, st);
        auto got = rd.row();
        REQUIRE(got.size() == want.size());
        for (size_t i = 0; i < want.size(); ++i) compare(fs[i], want[i], got[i], ser, k);
        ++k;
    }
    CHECK(k == 23);
    CHECK(rd.infos().front().first == "QUERY_STATUS");
    CHECK(rd.infos().front().second == "OK");
}

}  // namespace

TEST_CASE("votable: TABLEDATA round-trips every datatype, array shape and null") { round_trip(serialization::tabledata); }
TEST_CASE("votable: BINARY round-trips every datatype, array shape and null") { round_trip(serialization::binary); }
TEST_CASE("votable: BINARY2 round-trips every datatype, array shape and null") { round_trip(serialization::binary2); }

TEST_CASE("votable: OVERFLOW is announced after the table when the status was OK") {
    const std::string doc = samples::document(serialization::binary2, 3, true);
    const auto table_end = doc.find("</TABLE>");
    CHECK(doc.find("<INFO name=\"QUERY_STATUS\" value=\"OK\"/>") < doc.find("<TABLE"));
    CHECK(doc.find("<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>") > table_end);
    auto r = open_reader(doc);
    REQUIRE(r.ok());
    while (r.value()->next()) {
    }
    CHECK(r.value()->infos().back() == std::make_pair(std::string("QUERY_STATUS"), std::string("OVERFLOW")));
}

TEST_CASE("votable: an error after rows closes the document validly with ERROR after the data") {
    for (auto ser : {serialization::tabledata, serialization::binary, serialization::binary2}) {
        string_sink out;
        auto w = make_votable_writer(out, ser);
        auto fs = samples::fields();
        w->begin(fs);
        samples::row_store st;
        for (int k = 0; k < 4; ++k) w->row(samples::row(k, st));
        w->abort("disk <full>");
        w->abort("ignored: the document is closed");
        const std::string& d = out.out;
        CHECK(d.find("</VOTABLE>") == d.size() - 11);
        CHECK(d.find("<?xml") == d.rfind("<?xml"));  // one document, not two
        CHECK(d.find("value=\"ERROR\">disk &lt;full&gt;</INFO>") > d.find("</TABLE>"));
        auto r = open_reader(d);
        REQUIRE(r.ok());
        int n = 0;
        while (r.value()->next()) ++n;
        CHECK(n == 4);
        CHECK(r.value()->infos().back().second == "ERROR");
    }
}

TEST_CASE("votable: the DALI error document has only QUERY_STATUS=ERROR and the message") {
    string_sink out;
    write_error_document(out, "line 1, column 8: unknown column 'x'");
    CHECK(out.out.find("<RESOURCE type=\"results\">\n<INFO name=\"QUERY_STATUS\" value=\"ERROR\">line 1, column 8: "
                       "unknown column 'x'</INFO>\n</RESOURCE>") != std::string::npos);
    CHECK(out.out.find("<TABLE") == std::string::npos);
}

TEST_CASE("votable: a plain-text error is one line starting with ERROR") {
    string_sink out;
    write_text_error(out, "MAXREC must be a non-negative integer");
    CHECK(out.out == "ERROR: MAXREC must be a non-negative integer\n");
}

TEST_CASE("votable: writer misuse is an error, not a broken document") {
    string_sink out;
    auto w = make_votable_writer(out, serialization::tabledata);
    CHECK_THROWS_AS(w->row({}), dax::error);
    std::vector<field> fs(1);
    fs[0].name = "a";
    fs[0].id = "1bad id";
    CHECK_THROWS_WITH_AS(w->begin(fs), "FIELD ID '1bad id' is not a valid XML ID", dax::error);
    fs[0].id.clear();
    w->begin(fs);
    std::vector<cell> two = {cell::real(1), cell::real(2)};
    CHECK_THROWS_WITH_AS(w->row(two), "a row has 2 cells for 1 columns", dax::error);
}

TEST_CASE("csv: RFC 4180 quoting, CRLF, empty nulls; TSV has no quoting") {
    std::vector<field> fs(3);
    fs[0].name = "name";
    fs[0].type = datatype::char_;
    fs[0].arraysize = "*";
    fs[1].name = "x,y";
    fs[1].type = datatype::double_;
    fs[2].name = "n";
    fs[2].type = datatype::int_;
    string_sink csv, tsv;
    auto c = make_csv_writer(csv, ',');
    auto t = make_csv_writer(tsv, '\t');
    for (auto* w : {c.get(), t.get()}) {
        w->begin(fs);
        std::vector<cell> r1 = {cell::text("a \"b\", c\nd"), cell::real(1.5), cell::none()};
        std::vector<cell> r2 = {cell::text("plain"), cell::none(), cell::integer(-3)};
        w->row(r1);
        w->row(r2);
        w->finish();
    }
    CHECK(csv.out == "name,\"x,y\",n\r\n\"a \"\"b\"\", c\nd\",1.5,\r\nplain,,-3\r\n");
    CHECK(tsv.out == "name\tx,y\tn\na \"b\", c d\t1.5\t\nplain\t\t-3\n");
}
