// The FITS image reader (headers, keywords, pixel boxes) and the FITS table writer's sink form,
// against files written here with CFITSIO directly.
#include <dax/fits/fits_writer.hpp>
#include <dax/fits/image.hpp>
#include <dax/sink.hpp>

#include <doctest/doctest.h>
#include <fitsio.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <string>
#include <vector>

namespace {

std::string temp_path(const char* name) { return (std::filesystem::temp_directory_path() / name).string() + std::to_string(::getpid()); }

// A primary image 20 x 10 (float, value = 100 * y + x) with a TAN WCS, then an IMAGE extension
// "MASK" of 16-bit integers with BLANK = -1 at pixel (2, 1).
void write_sample(const std::string& path) {
    int status = 0;
    fitsfile* f = nullptr;
    const std::string name = "!" + path;
    fits_create_file(&f, name.c_str(), &status);
    long shape[2] = {20, 10};
    fits_create_img(f, FLOAT_IMG, 2, shape, &status);
    std::vector<float> px(200);
    for (int y = 0; y < 10; ++y)
        for (int x = 0; x < 20; ++x) px[static_cast<size_t>(y * 20 + x)] = static_cast<float>(100 * (y + 1) + (x + 1));
    fits_write_img(f, TFLOAT, 1, 200, px.data(), &status);
    char ctype1[] = "RA---TAN", ctype2[] = "DEC--TAN", object[] = "It's M31";
    double crval1 = 10.5, crval2 = 41.25, cdelt = -0.001;
    fits_write_key(f, TSTRING, "CTYPE1", ctype1, "", &status);
    fits_write_key(f, TSTRING, "CTYPE2", ctype2, "", &status);
    fits_write_key(f, TDOUBLE, "CRVAL1", &crval1, "", &status);
    fits_write_key(f, TDOUBLE, "CRVAL2", &crval2, "", &status);
    fits_write_key(f, TDOUBLE, "CDELT1", &cdelt, "", &status);
    fits_write_key(f, TSTRING, "OBJECT", object, "a quote inside", &status);
    fits_write_record(f, "EXPTIME =               1.5D+2 / seconds, Fortran exponent", &status);
    fits_write_history(f, "no value on this card", &status);
    long mshape[2] = {4, 3};
    fits_create_img(f, SHORT_IMG, 2, mshape, &status);
    char extname[] = "MASK";
    fits_write_key(f, TSTRING, "EXTNAME", extname, "", &status);
    int blank = -1;
    fits_write_key(f, TINT, "BLANK", &blank, "", &status);
    std::vector<short> m(12, 0);
    m[1] = -1;
    fits_write_img(f, TSHORT, 1, 12, m.data(), &status);
    fits_close_file(f, &status);
    REQUIRE(status == 0);
}

}  // namespace

TEST_CASE("fits: headers of every HDU with shapes and keywords") {
    const std::string path = temp_path("dax_image_test.fits");
    write_sample(path);
    auto h = dax::fits::read_headers(path);
    REQUIRE(h);
    REQUIRE(h->size() == 2);
    const auto& p = (*h)[0];
    CHECK(p.index == 0);
    CHECK(p.image);
    CHECK(p.bitpix == FLOAT_IMG);
    CHECK(p.shape == std::vector<long>{20, 10});
    CHECK(p.text("CTYPE1") == "RA---TAN");
    CHECK(p.text("OBJECT") == "It's M31");
    CHECK(p.number("CRVAL2") == doctest::Approx(41.25));
    CHECK(p.number("EXPTIME") == doctest::Approx(150));
    CHECK_FALSE(p.number("OBJECT"));
    CHECK_FALSE(p.text("NOSUCHKEY"));
    CHECK(p.header.size() == static_cast<size_t>(p.cards) * 80);
    CHECK(p.header.substr(0, 6) == "SIMPLE");
    const auto& m = (*h)[1];
    CHECK(m.extname == "MASK");
    CHECK(m.shape == std::vector<long>{4, 3});
    std::remove(path.c_str());
}

TEST_CASE("fits: a box of pixels in FITS order with BLANK as NaN") {
    const std::string path = temp_path("dax_image_px.fits");
    write_sample(path);
    const long first[2] = {3, 2}, last[2] = {5, 4};
    auto px = dax::fits::read_pixels(path, 0, first, last);
    REQUIRE(px);
    REQUIRE(px->size() == 9);
    CHECK((*px)[0] == 203);  // x = 3, y = 2
    CHECK((*px)[2] == 205);
    CHECK((*px)[3] == 303);
    CHECK((*px)[8] == 405);
    const long mf[2] = {1, 1}, ml[2] = {4, 1};
    auto mask = dax::fits::read_pixels(path, 1, mf, ml);
    REQUIRE(mask);
    CHECK((*mask)[0] == 0);
    CHECK(std::isnan((*mask)[1]));

    const long bad_last[2] = {21, 4};
    auto outside = dax::fits::read_pixels(path, 0, first, bad_last);
    REQUIRE_FALSE(outside);
    CHECK(std::string(outside.err().what()).find("outside 1..20") != std::string::npos);
    auto no_hdu = dax::fits::read_pixels(path, 5, first, last);
    REQUIRE_FALSE(no_hdu);
    CHECK(no_hdu.err().kind() == dax::error_kind::not_found);
    std::remove(path.c_str());
}

TEST_CASE("fits: a missing file is not found and a text file is refused") {
    auto missing = dax::fits::read_headers("/nonexistent/dir/x.fits");
    REQUIRE_FALSE(missing);
    CHECK(missing.err().kind() == dax::error_kind::not_found);
    const std::string path = temp_path("dax_not_fits.txt");
    std::ofstream(path) << "this is not FITS\n";
    auto text = dax::fits::read_headers(path);
    CHECK_FALSE(text);
    // A file cut inside its data (the headers whole) is refused.
    const std::string whole = temp_path("dax_whole.fits"), cut = temp_path("dax_cut.fits");
    write_sample(whole);
    {
        std::ifstream in(whole, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(cut, std::ios::binary) << bytes.substr(0, 2880 + 400);
    }
    auto truncated = dax::fits::read_headers(cut);
    REQUIRE_FALSE(truncated);
    CHECK(std::string(truncated.err().what()).find("truncated") != std::string::npos);
    std::remove(whole.c_str());
    std::remove(cut.c_str());
    // CFITSIO's extended file names are not read: a "[1]" suffix is part of the name.
    auto ext = dax::fits::read_headers(path + "[1]");
    REQUIRE_FALSE(ext);
    CHECK(ext.err().kind() == dax::error_kind::not_found);
    std::remove(path.c_str());
}

TEST_CASE("fits: the table writer's sink form writes a whole FITS file to the sink") {
    dax::string_sink out;
    auto w = dax::fits::make_fits_writer(out);
    dax::votable::field id, name;
    id.name = "id";
    id.type = dax::votable::datatype::long_;
    name.name = "name";
    name.type = dax::votable::datatype::char_;
    name.arraysize = "*";
    const dax::votable::field fields[] = {id, name};
    w->begin(fields);
    for (int i = 0; i < 3; ++i) {
        const dax::votable::cell row[] = {dax::votable::cell::integer(i), dax::votable::cell::text("star")};
        w->row(row);
    }
    w->finish();
    CHECK(w->rows() == 3);
    REQUIRE(out.out.size() % 2880 == 0);
    CHECK(out.out.substr(0, 6) == "SIMPLE");
    const std::string path = temp_path("dax_sink_table.fits");
    std::ofstream(path, std::ios::binary) << out.out;
    auto h = dax::fits::read_headers(path);
    REQUIRE(h);
    REQUIRE(h->size() == 2);
    CHECK_FALSE((*h)[1].image);
    CHECK((*h)[1].number("NAXIS2") == 3);
    CHECK((*h)[1].text("QSTATUS") == "OK");
    CHECK((*h)[1].text("TFORM2") == "4A");
    std::remove(path.c_str());
}
