// Writes the sample tables in every format into a directory, for the external validators
// (stilts votlint, astropy) run by tests/votable/validate.sh.
#include "samples.hpp"

#include <dax/fits/fits_writer.hpp>

#include <fstream>
#include <iostream>

using namespace dax::votable;

namespace {
void save(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string aborted(serialization ser) {
    string_sink out;
    auto w = make_votable_writer(out, ser, {});
    auto fs = samples::fields();
    w->begin(fs);
    samples::row_store st;
    for (int k = 0; k < 3; ++k) w->row(samples::row(k, st));
    w->abort("backend failed after 3 rows: connection <lost> & \"gone\"");
    return out.out;
}

std::string text_table(char sep) {
    string_sink out;
    auto w = make_csv_writer(out, sep);
    auto fs = samples::fields();
    w->begin(fs);
    samples::row_store st;
    for (int k = 0; k < 12; ++k) w->row(samples::row(k, st));
    w->finish();
    return out.out;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: write_samples DIR\n";
        return 2;
    }
    const std::string d = argv[1];
    save(d + "/votable_td.vot", samples::document(serialization::tabledata, 12));
    save(d + "/votable_b.vot", samples::document(serialization::binary, 12));
    save(d + "/votable_b2.vot", samples::document(serialization::binary2, 12));
    save(d + "/overflow_b2.vot", samples::document(serialization::binary2, 5, true));
    save(d + "/overflow_td.vot", samples::document(serialization::tabledata, 5, true));
    save(d + "/empty_td.vot", samples::document(serialization::tabledata, 0));
    save(d + "/aborted_td.vot", aborted(serialization::tabledata));
    save(d + "/aborted_b2.vot", aborted(serialization::binary2));
    string_sink err;
    write_error_document(err, "line 1, column 8: unknown column 'nope'");
    save(d + "/error.vot", err.out);
    save(d + "/table.csv", text_table(','));
    save(d + "/table.tsv", text_table('\t'));
    {
        auto w = dax::fits::make_fits_writer(d + "/table.fits");
        auto fs = samples::fields();
        w->begin(fs);
        samples::row_store st;
        for (int k = 0; k < 12; ++k) w->row(samples::row(k, st));
        w->finish();
    }
    return 0;
}
