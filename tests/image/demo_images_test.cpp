// The demo images (dax/image/demo_images.hpp) and the FITS image writer under them: every file
// is described as an ObsCore dataset, sources land where the WCS (SIP included) puts them, the
// set is byte-for-byte reproducible, and an existing file is never rewritten.
#include <dax/fits/image.hpp>
#include <dax/fits/image_writer.hpp>
#include <dax/image/demo_images.hpp>
#include <dax/image/obscore.hpp>
#include <dax/image/wcs.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string t = (fs::temp_directory_path() / "dax-demo-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~temp_dir() { fs::remove_all(path); }
};

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("FITS cards are 80 characters with quoted strings and real numbers") {
    using dax::fits::card;
    CHECK(card("OBSID", "O'Brien") == std::string("OBSID   = 'O''Brien'").append(60, ' '));
    CHECK(card("X", "a").substr(0, 20) == "X       = 'a       '");
    CHECK(card("CRVAL1", 10.0).substr(0, 30) == "CRVAL1  =                 10.0");
    CHECK(card("NAXIS1", 256).substr(0, 30) == "NAXIS1  =                  256");
    CHECK(card("INHERIT", true, "keep").substr(0, 37) == "INHERIT =                    T / keep");
    CHECK(card("CD1_1", -0.008).size() == 80);
    // What one card cannot say is refused, not written wrong.
    CHECK_THROWS(card("LONGKEYWORD", 1));
    CHECK_THROWS(card("TITLE", std::string(69, 'x')));
    CHECK_THROWS(card("TITLE", std::string(40, '\'')));  // doubled quotes do not fit
    CHECK_THROWS(card("X", std::nan("")));
    CHECK_THROWS(card("X", 1.0 / 0.0));
    CHECK(card("TITLE", std::string(68, 'x')).size() == 80);
}

TEST_CASE("a failed image write leaves no file behind") {
    temp_dir d;
    const std::string path = (d.path / "bad.fits").string();
    dax::fits::image_hdu h{{4, 4}, std::vector<float>(15, 1.0f), -32, {}, false};  // one pixel short
    auto r = dax::fits::write_image_file(path, std::span(&h, 1));
    REQUIRE_FALSE(r);
    CHECK(std::string(r.err().what()).find("16 pixels given 15 values") != std::string::npos);
    CHECK(std::distance(fs::directory_iterator(d.path), fs::directory_iterator()) == 0);
}

TEST_CASE("the demo images are ObsCore datasets of every layout") {
    temp_dir d;
    auto paths = dax::image::write_demo_images(d.path.string(), {});
    REQUIRE(paths);
    REQUIRE(paths->size() == 20);
    dax::image::ingest_settings s;
    int mef = 0, rice = 0, bent = 0;
    for (const auto& p : *paths) {
        auto ds = dax::image::describe_fits(p, s);
        REQUIRE_MESSAGE(ds, p);
        CHECK(ds->obs_id == fs::path(p).filename().string().substr(0, 11));
        CHECK(ds->xel1 == 256);
        CHECK((ds->xel2 == 256 || ds->xel2 == 192));
        CHECK(ds->pixel_scale_arcsec == doctest::Approx(28.8).epsilon(1e-6));
        CHECK(ds->t_min.has_value());
        CHECK(ds->em_min.has_value());
        CHECK(ds->instrument == "DemoCam");
        auto h = dax::fits::read_headers(p);
        REQUIRE(h);
        if (h->size() == 4) {
            ++mef;
            CHECK(ds->hdu == 1);
            CHECK((*h)[2].extname == "MASK");
            CHECK((*h)[3].extname == "VARIANCE");
        }
        if (p.ends_with(".fits.fz")) {
            ++rice;
            CHECK(ds->hdu == 1);
        }
        if (ds->region.size() > 4) ++bent;
    }
    CHECK(mef == 5);
    CHECK(rice == 5);
    CHECK(bent >= 5);  // the SIP images' edges
}

TEST_CASE("sources are painted where the image's WCS puts them") {
    temp_dir d;
    // demo-img-02 (index 1) is TAN-SIP, rotated, centred on (359.6, -30) across the RA 0/360 seam.
    const std::vector<dax::image::demo_source> src = {{0.2, -29.7, 14.0}, {358.9, -30.4, 15.0}, {120.0, 10.0, 12.0}};
    auto paths = dax::image::write_demo_images(d.path.string(), src);
    REQUIRE(paths);
    const std::string p = (*paths)[1];
    auto h = dax::fits::read_headers(p);
    REQUIRE(h);
    const auto& hdu = (*h)[0];
    auto wcs = dax::image::sky_wcs::from_header(hdu.header, hdu.shape);
    REQUIRE(wcs);
    CHECK(hdu.text("CTYPE1") == "RA---TAN-SIP");
    for (const auto& s : {src[0], src[1]}) {
        auto xy = wcs->to_pixel({s.ra, s.dec});
        REQUIRE(xy);
        const long cx = std::lround((*xy)[0]), cy = std::lround((*xy)[1]);
        const std::array<long, 2> lo{cx - 3, cy - 3}, hi{cx + 3, cy + 3};
        auto px = dax::fits::read_pixels(p, 0, lo, hi);
        REQUIRE(px);
        const auto top = std::max_element(px->begin(), px->end()) - px->begin();
        const long mx = lo[0] + top % 7, my = lo[1] + top / 7;
        CHECK(std::hypot(mx - (*xy)[0], my - (*xy)[1]) <= 1.0);
        const double peak = std::pow(10.0, -0.4 * (s.mag - 25.0)) / (2 * M_PI * 1.5 * 1.5);
        CHECK((*px)[static_cast<std::size_t>(top)] > 100 + 0.5 * peak);
    }
    // The source outside the field changes nothing: the whole image stays near the sky level
    // away from the two sources.
    auto all = dax::fits::read_pixels(p, 0, std::array<long, 2>{1, 1}, std::array<long, 2>{40, 40});
    REQUIRE(all);
    CHECK(*std::max_element(all->begin(), all->end()) < 100 + 6 * 10);
}

TEST_CASE("the demo set is reproducible and existing files are kept") {
    temp_dir a, b;
    const std::vector<dax::image::demo_source> src = {{45.1, 20.2, 13.0}};
    auto pa = dax::image::write_demo_images(a.path.string(), src);
    auto pb = dax::image::write_demo_images(b.path.string(), src);
    REQUIRE(pa);
    REQUIRE(pb);
    for (std::size_t i = 0; i < pa->size(); ++i) CHECK_MESSAGE(bytes_of((*pa)[i]) == bytes_of((*pb)[i]), (*pa)[i]);
    const auto before = fs::last_write_time((*pa)[0]);
    fs::remove((*pa)[5]);
    auto again = dax::image::write_demo_images(a.path.string(), src);
    REQUIRE(again);
    CHECK(fs::last_write_time((*pa)[0]) == before);
    CHECK(bytes_of((*pa)[5]) == bytes_of((*pb)[5]));  // the missing one written again
}
