// Cutout files (dax/fits/cutout.hpp) and the header reader under them, checked with CFITSIO: every
// output's checksums verify, its pixels equal the source's in the same box, cubes are cut plane by
// plane, an HDU too big to hold is streamed (read twice) with the same bytes, and headers in odd
// but valid forms (HIERARCH, long strings, junk after the last HDU) are read.
#include <dax/fits/cutout.hpp>
#include <dax/fits/image.hpp>
#include <dax/sink.hpp>

#include "fits/header_scan.hpp"

#include <doctest/doctest.h>
#include <fitsio.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / (name + std::to_string(::getpid()))).string();
}

// A primary image of 16-bit integers, value = (x + 3 y + 7 z) mod 32000, with a TAN WCS.
void write_image(const std::string& path, std::vector<long> shape, const std::vector<std::string>& extra = {}) {
    int status = 0;
    fitsfile* f = nullptr;
    fits_create_file(&f, ("!" + path).c_str(), &status);
    fits_create_img(f, SHORT_IMG, static_cast<int>(shape.size()), shape.data(), &status);
    for (const char* c : {"CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'", "CRVAL1  = 10.0", "CRVAL2  = 20.0", "CRPIX1  = 50.0",
                          "CRPIX2  = 60.0", "CDELT1  = -0.0001", "CDELT2  = 0.0001"})
        fits_write_record(f, c, &status);
    for (const auto& c : extra) fits_write_record(f, c.c_str(), &status);
    long n = 1;
    for (long s : shape) n *= s;
    std::vector<short> px(static_cast<std::size_t>(n));
    const long nx = shape[0], ny = shape[1];
    for (long i = 0; i < n; ++i) px[static_cast<std::size_t>(i)] = static_cast<short>((i % nx + 3 * (i / nx % ny) + 7 * (i / (nx * ny))) % 32000);
    fits_write_img(f, TSHORT, 1, n, px.data(), &status);
    fits_close_file(f, &status);
    REQUIRE(status == 0);
}

std::vector<short> pixels(const std::string& path, int hdu, std::vector<long> first, std::vector<long> last) {
    int status = 0, type = 0, any = 0;
    fitsfile* f = nullptr;
    fits_open_diskfile(&f, path.c_str(), READONLY, &status);
    fits_movabs_hdu(f, hdu + 1, &type, &status);
    std::size_t n = 1;
    for (std::size_t a = 0; a < first.size(); ++a) n *= static_cast<std::size_t>(last[a] - first[a] + 1);
    std::vector<short> px(n);
    std::vector<long> inc(first.size(), 1);
    fits_read_subset(f, TSHORT, first.data(), last.data(), inc.data(), nullptr, px.data(), &any, &status);
    fits_close_file(f, &status);
    REQUIRE(status == 0);
    return px;
}

// Both checksums of HDU `hdu` verify (CFITSIO: 1 = correct).
void check_sums(const std::string& path, int hdu) {
    int status = 0, type = 0, data_ok = 0, hdu_ok = 0;
    fitsfile* f = nullptr;
    fits_open_diskfile(&f, path.c_str(), READONLY, &status);
    fits_movabs_hdu(f, hdu + 1, &type, &status);
    fits_verify_chksum(f, &data_ok, &hdu_ok, &status);
    fits_close_file(f, &status);
    CHECK(status == 0);
    CHECK(data_ok == 1);
    CHECK(hdu_ok == 1);
}

std::string cut(const std::string& in, const dax::fits::cutout_spec& spec) {
    const std::string out = in + "-cut.fits";
    std::ofstream os(out, std::ios::binary);
    dax::ostream_sink sink(os);
    const auto n = dax::fits::write_cutout(in, spec, sink);
    os.close();
    CHECK(n == std::filesystem::file_size(out));
    CHECK(n % 2880 == 0);
    return out;
}

}  // namespace

TEST_CASE("cutout file: a cube is cut on all three axes with its pixels and checksums") {
    const std::string in = temp_path("dax_cube.fits");
    write_image(in, {31, 17, 5});
    dax::fits::cutout_spec spec;
    spec.first = {3, 4, 2};
    spec.last = {29, 9, 4};
    const auto out = cut(in, spec);
    CHECK(pixels(out, 0, {1, 1, 1}, {27, 6, 3}) == pixels(in, 0, spec.first, spec.last));
    check_sums(out, 0);
    auto h = dax::fits::read_headers(out);
    REQUIRE(h);
    CHECK((*h)[0].shape == std::vector<long>{27, 6, 3});
    CHECK((*h)[0].number("CRPIX1") == doctest::Approx(48));
    CHECK((*h)[0].number("CRPIX2") == doctest::Approx(57));
    CHECK((*h)[0].number("LTV1") == doctest::Approx(-2));
    std::remove(in.c_str());
    std::remove(out.c_str());
}

TEST_CASE("cutout file: an HDU too big to hold is streamed with the same bytes and sums") {
    // 16-bit rows of an odd width: rows do not end on 32-bit words, and 4001 x 4200 x 2 bytes
    // (33.6 MB) is beyond what one HDU's cutout holds in memory (32 MiB): summed, then sent.
    const std::string in = temp_path("dax_big16.fits");
    write_image(in, {4001, 4200});
    dax::fits::cutout_spec spec;
    spec.first = {1, 1};
    spec.last = {4001, 4200};
    const auto out = cut(in, spec);
    check_sums(out, 0);
    CHECK(pixels(out, 0, {1, 4000}, {4001, 4200}) == pixels(in, 0, {1, 4000}, {4001, 4200}));
    // A narrower box of the same image (row by row, held): the same pixels.
    spec.first = {1000, 7};
    spec.last = {1333, 4199};
    const auto narrow = cut(in, spec);
    check_sums(narrow, 0);
    CHECK(pixels(narrow, 0, {1, 1}, {334, 4193}) == pixels(in, 0, spec.first, spec.last));
    for (const auto& p : {in, out, narrow}) std::remove(p.c_str());
}

TEST_CASE("cutout file: odd but valid headers are read and kept") {
    const std::string in = temp_path("dax_odd.fits");
    write_image(in, {40, 30},
                {"HIERARCH ESO DET CHIP NAME = 'CCD-7' / a HIERARCH keyword",
                 "LONGSTRN= 'OGIP 1.0'",
                 "NOTE    = 'a long note that goes on and on past the end of one card, so it &'",
                 "CONTINUE  'continues here'", "COMMENT   no value here / nor a comment",
                 "SLASHED = 'a/b'               / the slash is inside the string"});
    {  // junk after the last HDU (not an extension) is ignored, as CFITSIO does
        std::ofstream os(in, std::ios::binary | std::ios::app);
        os << std::string(3000, 'x');
    }
    auto h = dax::fits::read_headers(in);
    REQUIRE(h);
    REQUIRE(h->size() == 1);
    CHECK((*h)[0].text("ESO DET CHIP NAME") == "CCD-7");
    CHECK((*h)[0].text("SLASHED") == "a/b");
    CHECK((*h)[0].number("CRVAL2") == doctest::Approx(20));
    dax::fits::cutout_spec spec;
    spec.first = {5, 6};
    spec.last = {20, 25};
    spec.provenance = {{"NOTE", "replaced"}};  // a kept long string replaced whole, its CONTINUE too
    const auto out = cut(in, spec);
    check_sums(out, 0);
    auto o = dax::fits::read_headers(out);
    REQUIRE(o);
    CHECK((*o)[0].text("NOTE") == "replaced");
    CHECK((*o)[0].header.find("continues here") == std::string::npos);
    CHECK((*o)[0].text("ESO DET CHIP NAME") == "CCD-7");
    std::remove(in.c_str());
    std::remove(out.c_str());
}

TEST_CASE("cutout file: broken files are refused before any output") {
    const std::string in = temp_path("dax_broken.fits");
    write_image(in, {40, 30});
    std::string bytes;
    {
        std::ifstream is(in, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(is), std::istreambuf_iterator<char>());
    }
    dax::fits::cutout_spec spec;
    spec.first = {1, 1};
    spec.last = {10, 10};
    auto refused = [&](const std::string& content, const char* why) {
        std::ofstream(in, std::ios::binary | std::ios::trunc) << content;
        dax::string_sink out;
        std::string message;
        try {
            dax::fits::write_cutout(in, spec, out);
        } catch (const dax::error& e) {
            message = e.what();
        }
        CHECK(out.out.empty());
        CHECK_MESSAGE(message.find(why) != std::string::npos, message);
    };
    refused(bytes.substr(0, 2880 + 100), "truncated");          // data cut short
    refused(bytes.substr(0, 1000), "not a FITS file");          // header cut short
    std::string no_end = bytes.substr(0, 2880);
    no_end.replace(no_end.find("END     "), 8, "XEND    ");
    refused(no_end + std::string(2400, ' '), "truncated");      // END missing
    std::string big = bytes;
    big.replace(big.find("NAXIS2  ="), 30, "NAXIS2  = 99999999999999999999");
    refused(big, "NAXIS2");                                    // a size that does not parse
    spec.last = {41, 10};
    refused(bytes, "outside 1..40");
    std::remove(in.c_str());
}
