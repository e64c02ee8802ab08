#pragma once
// The catalogue the ADQL case files resolve names against (tests/adql/catalog.yaml), with the
// user-defined functions the cases call.
#include <dax/adql/felis.hpp>

#include <stdexcept>

inline const dax::adql::memory_catalog& test_catalog() {
    static dax::adql::memory_catalog cat = [] {
        dax::adql::memory_catalog c;
        auto r = dax::adql::load_felis_file(DAX_TEST_DIR "/adql/catalog.yaml", c);
        if (!r) throw std::runtime_error(r.err().what());
        using dax::adql::parse_function_signature;
        c.add_function(parse_function_signature("ivo_hasword(haystack VARCHAR, needle VARCHAR) -> INTEGER"));
        c.add_function(parse_function_signature("ivo_nocasematch(value VARCHAR, pattern VARCHAR) -> INTEGER"));
        c.add_function(parse_function_signature("gavo_to_mjd(t TIMESTAMP) -> DOUBLE"));
        return c;
    }();
    return cat;
}
