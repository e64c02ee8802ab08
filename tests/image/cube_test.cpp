// Cubes: BAND, TIME and POL select planes along the image's own spectral, time and Stokes axes
// (SODA 1.0 section 3.3), and ingestion describes those axes in ObsCore (em_*, t_*, pol_states,
// dataproduct_type cube). The cubes are written here with CFITSIO; expected planes are worked out
// by hand from their WCS in the comments.
#include <dax/fits/cutout.hpp>
#include <dax/fits/image.hpp>
#include <dax/image/obscore.hpp>
#include <dax/image/soda.hpp>
#include <dax/image/store.hpp>
#include <dax/image/wcs.hpp>

#include <doctest/doctest.h>
#include <fitsio.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
constexpr double c_light = 299792458.0;

struct scratch_dir {
    fs::path dir = fs::temp_directory_path() / ("dax_cube_test" + std::to_string(::getpid()));
    scratch_dir() { fs::create_directories(dir); }
    ~scratch_dir() { fs::remove_all(dir); }
};

// A 12 x 10 x n cube of floats (value = plane number) with a TAN celestial WCS and `axis3` cards.
std::string write_cube(const fs::path& dir, const std::string& name, long planes, const std::vector<std::string>& axis3) {
    const std::string path = (dir / (name + ".fits")).string();
    int status = 0;
    fitsfile* f = nullptr;
    fits_create_file(&f, ("!" + path).c_str(), &status);
    long shape[3] = {12, 10, planes};
    fits_create_img(f, FLOAT_IMG, 3, shape, &status);
    std::vector<std::string> cards = {"CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'", "CRVAL1  = 30.0", "CRVAL2  = -10.0",
                                      "CRPIX1  = 6.5", "CRPIX2  = 5.5", "CDELT1  = -0.001", "CDELT2  = 0.001",
                                      "OBSID   = '" + name + "'"};
    cards.insert(cards.end(), axis3.begin(), axis3.end());
    for (const auto& c : cards) fits_write_record(f, c.c_str(), &status);
    std::vector<float> px(static_cast<std::size_t>(12 * 10 * planes));
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<float>(i / 120 + 1);
    fits_write_img(f, TFLOAT, 1, static_cast<LONGLONG>(px.size()), px.data(), &status);
    fits_close_file(f, &status);
    REQUIRE(status == 0);
    return path;
}

struct site {
    scratch_dir tmp;
    dax::image::ingest_settings settings;
    dax::image::image_store store{(tmp.dir / "images.sqlite").string()};

    dax::image::dataset add(const std::string& name, long planes, const std::vector<std::string>& axis3) {
        auto d = dax::image::describe_fits(write_cube(tmp.dir, name, planes, axis3), settings);
        REQUIRE(d);
        store.put(*d);
        return *d;
    }
    // The planes (first, last) along axis 3 a cutout takes, or (0, 0) when it selects nothing.
    std::pair<long, long> planes(dax::image::soda_cutout c) {
        auto p = dax::image::plan_soda_cutout(store, settings, c);
        REQUIRE(p);
        if (p->outcome != dax::image::soda_outcome::written) return {0, 0};
        return {p->spec.first[2], p->spec.last[2]};
    }
};

dax::image::soda_cutout cutout(const dax::image::dataset& d) {
    dax::image::soda_cutout c;
    c.id = d.did;
    return c;
}

}  // namespace

TEST_CASE("cube: BAND selects channels of a frequency axis by their wavelength extent") {
    site s;
    // Channel k is centred on 1.4 GHz + (k - 1) MHz and spans +-0.5 MHz.
    const auto d = s.add("freqcube", 10, {"CTYPE3  = 'FREQ'", "CUNIT3  = 'Hz'", "CRVAL3  = 1.4E9", "CDELT3  = 1.0E6", "CRPIX3  = 1.0"});
    CHECK(d.dataproduct_type == "cube");
    CHECK(d.em_xel == 10);
    CHECK(d.em_min.value_or(0) == doctest::Approx(c_light / 1.4095e9).epsilon(1e-9));  // the highest channel's upper edge
    CHECK(d.em_max.value_or(0) == doctest::Approx(c_light / 1.3995e9).epsilon(1e-9));
    auto c = cutout(d);
    c.band = dax::dali::interval{c_light / 1.4044e9, c_light / 1.4016e9};  // 1.4016-1.4044 GHz: channels 3, 4, 5
    CHECK(s.planes(c) == std::pair<long, long>{3, 5});
    c.band = dax::dali::interval{c_light / 1.4020e9, c_light / 1.4020e9};  // one wavelength: channel 3
    CHECK(s.planes(c) == std::pair<long, long>{3, 3});
    c.band = dax::dali::interval{0.5, 0.6};  // far from the cube: nothing (204)
    CHECK(s.planes(c) == std::pair<long, long>{0, 0});

    // The cutout file: 3 planes, CRPIX3 shifted so each plane keeps its frequency.
    c.band = dax::dali::interval{c_light / 1.4044e9, c_light / 1.4016e9};
    c.region = dax::dali::shape{dax::dali::shape::kind_t::circle, {30.0, -10.0, 0.002}};
    dax::string_sink out;
    auto r = dax::image::write_soda_cutout(s.store, s.settings, c, out);
    REQUIRE(r);
    REQUIRE(*r == dax::image::soda_outcome::written);
    const auto file = (s.tmp.dir / "cut.fits").string();
    std::ofstream(file, std::ios::binary) << out.out;
    auto h = dax::fits::read_headers(file);
    REQUIRE(h);
    CHECK((*h)[0].shape[2] == 3);
    CHECK((*h)[0].number("CRPIX3") == doctest::Approx(-1.0));
    CHECK((*h)[0].text("DAXBOX").value_or("").find(",3:5]") != std::string::npos);
    const long first[3] = {1, 1, 1}, last[3] = {1, 1, 3};
    auto px = dax::fits::read_pixels(file, 0, first, last);
    REQUIRE(px);
    CHECK(*px == std::vector<double>{3, 4, 5});
}

TEST_CASE("cube: TIME selects planes of a time axis through MJDREF") {
    site s;
    // Plane k is at (k - 1) hours after MJD 60000 and spans +-0.5 hour.
    const auto d = s.add("timecube", 8, {"CTYPE3  = 'TIME'", "CUNIT3  = 's'", "CRVAL3  = 0.0", "CDELT3  = 3600.0", "CRPIX3  = 1.0",
                                         "MJDREF  = 60000.0", "TIMESYS = 'UTC'"});
    CHECK(d.t_xel == 8);
    CHECK(d.t_min.value_or(0) == doctest::Approx(60000 - 0.5 / 24));
    CHECK(d.t_max.value_or(0) == doctest::Approx(60000 + 7.5 / 24));
    auto c = cutout(d);
    c.time = dax::dali::interval{60000 + 1.6 / 24, 60000 + 3.2 / 24};  // planes 3 and 4
    CHECK(s.planes(c) == std::pair<long, long>{3, 4});
    c.time = dax::dali::interval{60001, 60002};
    CHECK(s.planes(c) == std::pair<long, long>{0, 0});
    // An MJD axis is a date already.
    const auto m = s.add("mjdcube", 4, {"CTYPE3  = 'MJD'", "CUNIT3  = 'd'", "CRVAL3  = 59000.0", "CDELT3  = 1.0", "CRPIX3  = 1.0"});
    auto cm = cutout(m);
    cm.time = dax::dali::interval{59001.2, 59001.3};  // plane 2 spans 59000.5-59001.5
    CHECK(s.planes(cm) == std::pair<long, long>{2, 2});
}

TEST_CASE("cube: POL selects Stokes planes and ingestion lists the states") {
    site s;
    const auto d = s.add("stokescube", 4, {"CTYPE3  = 'STOKES'", "CRVAL3  = 1.0", "CDELT3  = 1.0", "CRPIX3  = 1.0"});
    CHECK(d.pol_states == "/I/Q/U/V/");
    CHECK(d.pol_xel == 4);
    auto c = cutout(d);
    c.pols = {"Q", "U"};
    CHECK(s.planes(c) == std::pair<long, long>{2, 3});
    c.pols = {"i", "V"};  // the smallest run of planes holding both
    CHECK(s.planes(c) == std::pair<long, long>{1, 4});
    c.pols = {"RR"};
    CHECK(s.planes(c) == std::pair<long, long>{0, 0});
    // A BAND on a cube without a spectral axis (and no FILTER): the dataset has no em_min, no match.
    auto b = cutout(d);
    b.band = dax::dali::interval{5e-7, 6e-7};
    CHECK(s.planes(b) == std::pair<long, long>{0, 0});
}
