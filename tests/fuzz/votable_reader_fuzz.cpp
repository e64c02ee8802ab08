// libFuzzer target: the VOTable reader (TAP UPLOAD's parser) on arbitrary bytes. Every row is
// read and every cell touched. A refused document (dax::error, returned by open_reader or thrown
// by next()) is an expected outcome; a crash, sanitizer report, leak or other exception is a finding.
#include "cells.hpp"

#include <dax/votable/reader.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view doc(reinterpret_cast<const char*>(data), size);
    dax::votable::reader_limits lim;
    lim.max_rows = 100'000;  // bounds the time of one input; the other limits stay the defaults
    auto r = dax::votable::open_reader(doc, lim);
    if (!r) {
        (void)r.err().what();
        return 0;
    }
    auto& rd = *r.value();
    volatile std::uint64_t sink = 0;
    for (const auto& f : rd.fields()) sink = sink + f.name.size() + f.arraysize.size() + f.xtype.size();
    try {
        while (rd.next()) {
            const auto row = rd.row();
            if (row.size() != rd.fields().size()) __builtin_trap();  // one cell per FIELD
            for (std::size_t i = 0; i < row.size(); ++i) sink = sink + dax_fuzz::touch(rd.fields()[i], row[i]);
        }
    } catch (const dax::error&) {
    }
    for (const auto& [k, v] : rd.infos()) sink = sink + k.size() + v.size();
    (void)rd.rows_read();
    return 0;
}
