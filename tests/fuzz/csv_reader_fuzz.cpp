// libFuzzer target: the typed CSV reader (dax-admin load, demo data) with a fixed schema of
// several datatypes, as CSV and as TSV. Errors in the header (returned) and in records (dax::error
// thrown by next()) are expected outcomes; a crash, sanitizer report, leak or other exception
// is a finding.
#include "cells.hpp"

#include <dax/votable/csv_reader.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace {
std::vector<dax::votable::field> schema() {
    using dax::votable::datatype;
    auto f = [](const char* name, datatype t, const char* arraysize = "") {
        dax::votable::field x;
        x.name = name;
        x.type = t;
        x.arraysize = arraysize;
        return x;
    };
    std::vector<dax::votable::field> v = {
        f("id", datatype::long_),        f("ra", datatype::double_),       f("name", datatype::char_, "*"),
        f("ok", datatype::boolean),      f("pos", datatype::double_, "2"), f("mag", datatype::float_),
        f("n", datatype::int_),          f("s", datatype::short_),         f("b", datatype::unsigned_byte),
        f("c", datatype::char_),         f("u", datatype::unicode_char, "*"),
        f("poly", datatype::double_, "*"), f("flags", datatype::boolean, "3"), f("ids", datatype::long_, "2*"),
        f("grid", datatype::short_, "2x*"), f("z", datatype::double_complex),
    };
    v[0].null_value = -1;
    v[2].xtype = "timestamp";
    return v;
}

void read_all(std::string_view text, const std::vector<dax::votable::field>& fields, char sep) {
    auto r = dax::votable::open_csv_reader(text, fields, sep);
    if (!r) {
        (void)r.err().what();
        return;
    }
    auto& rd = *r.value();
    volatile std::uint64_t sink = 0;
    try {
        while (rd.next()) {
            const auto row = rd.row();
            if (row.size() != fields.size()) __builtin_trap();  // one cell per schema field
            for (std::size_t i = 0; i < row.size(); ++i) sink = sink + dax_fuzz::touch(fields[i], row[i]);
            sink = sink + rd.line();
        }
    } catch (const dax::error& e) {
        (void)e.what();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<dax::votable::field> fields = schema();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    read_all(text, fields, ',');
    read_all(text, fields, '\t');
    return 0;
}
