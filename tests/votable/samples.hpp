#pragma once
// A table with every VOTable datatype, scalar, fixed and variable arrays, 2-D arrays, nulls and
// DALI xtypes: what the writer tests, the validators and the round trips run on.
#include <dax/votable/writer.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace samples {

using namespace dax::votable;

inline std::vector<field> fields() {
    auto f = [](std::string name, datatype t, std::string arraysize = "") {
        field x;
        x.name = std::move(name);
        x.type = t;
        x.arraysize = std::move(arraysize);
        return x;
    };
    std::vector<field> v = {
        f("b", datatype::boolean),
        f("bits", datatype::bit, "10"),
        f("ub", datatype::unsigned_byte),
        f("s", datatype::short_),
        f("i", datatype::int_),
        f("l", datatype::long_),
        f("c", datatype::char_),
        f("str", datatype::char_, "*"),
        f("fixstr", datatype::char_, "8"),
        f("boundstr", datatype::char_, "12*"),
        f("ustr", datatype::unicode_char, "*"),
        f("fl", datatype::float_),
        f("d", datatype::double_),
        f("fc", datatype::float_complex),
        f("dc", datatype::double_complex),
        f("iarr", datatype::int_, "3"),
        f("darr", datatype::double_, "*"),
        f("grid", datatype::short_, "2x3"),
        f("ragged", datatype::float_, "2x*"),
        f("barr", datatype::boolean, "4"),
        f("ubarr", datatype::unsigned_byte, "*"),
        f("larr", datatype::long_, "2"),
        f("dcarr", datatype::double_complex, "2"),
        dali_field("t", "timestamp"),
        dali_field("pos", "point"),
        dali_field("region", "polygon"),
        dali_field("cone", "circle"),
        dali_field("range", "interval"),
    };
    v[4].unit = "ct";
    v[4].ucd = "phot.count";
    v[4].description = "an integer with a <description> & \"quotes\"";
    v[4].null_value = -1;
    v[5].id = "col_l";
    v[5].utype = "stc:Example.l";
    v[12].unit = "deg";
    v[12].ucd = "pos.eq.ra;meta.main";
    v[12].links.push_back({"https://example.org/doc?x=1&y=2", "doc", "text/html", "documentation"});
    return v;
}

/// Storage for one row's arrays, kept alive while the cells point into it.
struct row_store {
    std::array<unsigned char, 10> bits{};
    std::array<std::int32_t, 3> iarr{};
    std::vector<double> darr;
    std::array<std::int16_t, 6> grid{};
    std::vector<float> ragged;
    std::array<char, 4> barr{};
    std::vector<unsigned char> ubarr;
    std::array<std::int64_t, 2> larr{};
    std::array<double, 4> dcarr{};
    std::array<double, 2> pos{};
    std::vector<double> region;
    std::array<double, 3> cone{};
    std::array<double, 2> range{};
    std::string str, fixstr, boundstr, ustr, t;
};

/// Row k of the sample table; every 5th row has nulls in every column that can hold them.
inline std::vector<cell> row(int k, row_store& st) {
    const bool nul = k % 5 == 4;
    std::vector<cell> c;
    auto add = [&](cell x) { c.push_back(nul ? cell::none() : x); };
    add(cell::boolean(k % 2 == 0));
    for (int i = 0; i < 10; ++i) st.bits[static_cast<size_t>(i)] = static_cast<unsigned char>((k >> (i % 4)) & 1);
    add(cell::array<unsigned char>(st.bits));
    add(cell::integer(k % 256));
    add(cell::integer(k % 2 ? -k : k * 100));
    add(cell::integer(k * 100000 - 7));
    add(cell::integer((std::int64_t(1) << 40) + k));
    // A null single char is an empty TD, which votlint calls "questionable": keep this one set.
    c.push_back(cell::text(k % 2 ? "x" : "y"));
    st.str = "row " + std::to_string(k) + (k % 3 == 0 ? " <&> \"quoted\", with comma" : "");
    add(cell::text(st.str));
    st.fixstr = "abc" + std::to_string(k);
    add(cell::text(st.fixstr));
    st.boundstr = std::string(static_cast<size_t>(k % 14), 'z');
    add(cell::text(st.boundstr));
    st.ustr = k % 2 ? "\xC3\xA9t\xC3\xA9 \xCE\xB1" : "plain";
    add(cell::text(st.ustr));
    add(cell::real(k == 2 ? std::numeric_limits<double>::infinity() : 1.5f * static_cast<float>(k)));
    add(cell::real(k == 3 ? std::nan("") : 0.1 * k + 1e-12));
    add(cell::complex(k, -k));
    add(cell::complex(0.5 * k, 1.0 / (k + 1)));
    st.iarr = {k, -k, k * k};
    add(cell::array<std::int32_t>(st.iarr));
    st.darr.assign(static_cast<size_t>(k % 4), 2.5 * k);
    add(cell::array<double>(st.darr));
    for (int i = 0; i < 6; ++i) st.grid[static_cast<size_t>(i)] = static_cast<std::int16_t>(k * 10 + i);
    add(cell::array<std::int16_t>(st.grid));
    st.ragged.assign(static_cast<size_t>(2 * (k % 3)), 0.25f * static_cast<float>(k));
    add(cell::array<float>(st.ragged));
    st.barr = {'T', 'F', k % 2 ? 'T' : 'F', '?'};
    add(cell::array<char>(st.barr));
    st.ubarr.assign(static_cast<size_t>(k % 5), static_cast<unsigned char>(200 + k % 50));
    add(cell::array<unsigned char>(st.ubarr));
    st.larr = {-(std::int64_t(1) << 50), k};
    add(cell::array<std::int64_t>(st.larr));
    st.dcarr = {1.0 * k, 2.0, 3.0, -4.0 * k};
    cell dc;
    dc.data = st.dcarr.data();
    dc.count = 2;  // two complex numbers
    add(dc);
    st.t = "2026-11-" + std::string(k % 28 + 1 < 10 ? "0" : "") + std::to_string(k % 28 + 1) + "T12:00:00Z";
    add(cell::text(st.t));
    st.pos = {10.0 + k, -20.0 + k * 0.5};
    add(cell::array<double>(st.pos));
    st.region = {10, 10, 11, 10, 10.5 + 0.01 * k, 11};
    // votlint 3.4.7 calls an empty (null) polygon "Bad double string": keep this one set.
    c.push_back(cell::array<double>(st.region));
    st.cone = {30.0 + k, 40.0, 0.5};
    add(cell::array<double>(st.cone));
    st.range = {1.0 * k, 1.0 * k + 2};
    add(cell::array<double>(st.range));
    return c;
}

inline std::string document(serialization ser, int rows, bool overflow = false) {
    string_sink out;
    result_info info;
    info.query = "SELECT * FROM demo.samples\nWHERE x < 1 AND y > \"2\"";
    info.service = "http://127.0.0.1:8080/tap";
    info.table_name = "samples";
    info.trailing_resources.push_back(service_descriptor("cutout", "http://127.0.0.1/soda/sync",
                                                         "ivo://ivoa.net/std/SODA#sync-1.0",
                                                         {{"ID", "char", "*", "", "col_l", "meta.id;meta.main"}}));
    auto w = make_votable_writer(out, ser, info);
    auto fs = fields();
    w->begin(fs);
    row_store st;
    for (int k = 0; k < rows; ++k) w->row(row(k, st));
    w->finish(overflow);
    return out.out;
}

}  // namespace samples
