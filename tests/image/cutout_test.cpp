// The cutout box (dax/image/cutout.hpp) on the field notes' measured cases (section 2.2: TAN,
// 4000 x 4000 pixels of 1 arcsec): the RA 0/360 seam, a circle holding the pole, a circle near
// it, regions behind the projection plane, a region holding the whole image, the edge rule.
#include <dax/fits/image_writer.hpp>
#include <dax/image/cutout.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cmath>

using namespace dax;

namespace {

image::sky_wcs tan_image(double ra, double dec, const char* ctype1 = "RA---TAN", const char* ctype2 = "DEC--TAN") {
    using fits::card;
    const std::string h = card("CTYPE1", ctype1) + card("CTYPE2", ctype2) + card("CRVAL1", ra) + card("CRVAL2", dec) +
                          card("CRPIX1", 2000.5) + card("CRPIX2", 2000.5) + card("CD1_1", -1.0 / 3600) + card("CD2_2", 1.0 / 3600) +
                          card("CD1_2", 0.0) + card("CD2_1", 0.0);
    const std::array<long, 2> shape{4000, 4000};
    auto w = image::sky_wcs::from_header(h, shape);
    REQUIRE(w);
    return std::move(*w);
}

dali::shape pos(const char* text) {
    auto s = dali::parse_pos(text);
    REQUIRE(s);
    return *s;
}

// The reference: 36,000 points on the circle (computed here with vectors, not the library's
// formula), the pole when inside, min/max in pixels, the same edge rule.
image::pixel_box reference(const image::sky_wcs& w, double ra, double dec, double r) {
    const double d2r = M_PI / 180;
    const double c[3] = {std::cos(dec * d2r) * std::cos(ra * d2r), std::cos(dec * d2r) * std::sin(ra * d2r), std::sin(dec * d2r)};
    // Two unit vectors orthogonal to c: east and north.
    const double e[3] = {-std::sin(ra * d2r), std::cos(ra * d2r), 0};
    const double n[3] = {c[1] * e[2] - c[2] * e[1], c[2] * e[0] - c[0] * e[2], c[0] * e[1] - c[1] * e[0]};
    double x1 = 1e300, x2 = -1e300, y1 = 1e300, y2 = -1e300;
    auto add = [&](double lon, double lat) {
        auto p = w.to_pixel({lon, lat});
        REQUIRE(p);
        x1 = std::min(x1, (*p)[0]), x2 = std::max(x2, (*p)[0]), y1 = std::min(y1, (*p)[1]), y2 = std::max(y2, (*p)[1]);
    };
    for (int k = 0; k < 36000; ++k) {
        const double t = 2 * M_PI * k / 36000, cr = std::cos(r * d2r), sr = std::sin(r * d2r);
        double v[3];
        for (int i = 0; i < 3; ++i) v[i] = cr * c[i] + sr * (std::cos(t) * n[i] + std::sin(t) * e[i]);
        add(std::atan2(v[1], v[0]) / d2r, std::asin(v[2]) / d2r);
    }
    if (90 - dec <= r) add(0, 90);
    auto px = [](double v) { return static_cast<long>(std::floor(v + 0.5)); };
    return {std::max(1L, px(x1)), std::min(w.width(), px(x2)), std::max(1L, px(y1)), std::min(w.height(), px(y2))};
}

void same_box(const image::pixel_box& a, const image::pixel_box& b) {
    CHECK(std::abs(a.x1 - b.x1) <= 1);
    CHECK(std::abs(a.x2 - b.x2) <= 1);
    CHECK(std::abs(a.y1 - b.y1) <= 1);
    CHECK(std::abs(a.y2 - b.y2) <= 1);
}

}  // namespace

TEST_CASE("cutout box: a circle across RA 0/360 on an image at RA 0") {
    auto w = tan_image(0, 0);
    auto b = image::cutout_box(w, pos("CIRCLE 359.99 0 0.05"));
    REQUIRE(b);
    same_box(*b, reference(w, 359.99, 0, 0.05));
    CHECK(b->width() >= 360);  // 0.1 degree across: 360 pixels, not a wrapped RA range
    CHECK(b->width() <= 362);
}

TEST_CASE("cutout box: a circle holding the pole keeps its far side") {
    auto w = tan_image(180, 89.9);
    auto b = image::cutout_box(w, pos("CIRCLE 180 89.95 0.1"));
    REQUIRE(b);
    same_box(*b, reference(w, 180, 89.95, 0.1));
    CHECK(b->height() >= 719);  // 0.2 degree across the pole; four corners would give 300
}

TEST_CASE("cutout box: a circle near the pole") {
    auto w = tan_image(180, 89.9);
    auto b = image::cutout_box(w, pos("CIRCLE 100 89.7 0.2"));
    REQUIRE(b);
    same_box(*b, reference(w, 100, 89.7, 0.2));
}

TEST_CASE("cutout box: regions behind the projection plane") {
    auto w = tan_image(0, 0);
    CHECK_FALSE(image::cutout_box(w, pos("CIRCLE 180 0 1")));  // the far side: nothing
    auto whole = image::cutout_box(w, pos("CIRCLE 0 0 120"));  // holds the image: all of it
    REQUIRE(whole);
    CHECK(*whole == image::pixel_box{1, 4000, 1, 4000});
    auto big = image::cutout_box(w, pos("RANGE 350 10 -5 5"));  // larger than the image
    REQUIRE(big);
    CHECK(*big == image::pixel_box{1, 4000, 1, 4000});
    CHECK_FALSE(image::cutout_box(w, pos("RANGE 20 30 -5 5")));
    // Ranges 180 degrees wide or more (not one spherical polygon), some of whose samples do
    // not project: the image is met or not by longitude too, not by latitude alone.
    CHECK_FALSE(image::cutout_box(w, pos("RANGE 20 300 -5 5")));   // around the far side, missing the image at RA 0
    auto wide = image::cutout_box(w, pos("RANGE 200 100 -5 5"));  // 200..360..100 (260 degrees) through RA 0
    REQUIRE(wide);
    CHECK(wide->x1 == 1);
    CHECK(wide->x2 == 4000);
    CHECK_FALSE(image::cutout_box(w, pos("RANGE 0 360 30 40")));   // a whole band of latitude above the image
}

TEST_CASE("cutout box: the edge rule on one-pixel overlaps") {
    auto w = tan_image(10, 10);
    auto at = [&](double x, double y) {
        auto s = w.to_sky(x, y);
        REQUIRE(s);
        dali::shape c;
        c.kind = dali::shape::kind_t::circle;
        c.numbers = {s->lon, s->lat, 1e-7};
        return image::cutout_box(w, c);
    };
    auto left = at(0.6, 100);
    REQUIRE(left);
    CHECK(left->x1 == 1);
    CHECK(left->x2 == 1);
    CHECK_FALSE(at(0.4, 100));
    auto right = at(4000.4, 100);
    REQUIRE(right);
    CHECK(right->x1 == 4000);
    CHECK_FALSE(at(4000.6, 100));
    auto inner = at(1234.0, 2345.0);  // a point well inside one pixel
    REQUIRE(inner);
    CHECK(*inner == image::pixel_box{1234, 1234, 2345, 2345});
}

TEST_CASE("cutout box: a polygon on a projection that bends great circles") {
    // CAR: great-circle edges bulge away from the straight lines between the vertices.
    using fits::card;
    const std::string h = card("CTYPE1", "RA---CAR") + card("CTYPE2", "DEC--CAR") + card("CRVAL1", 0.0) + card("CRVAL2", 0.0) +
                          card("CRPIX1", 500.5) + card("CRPIX2", 500.5) + card("CDELT1", -0.1) + card("CDELT2", 0.1);
    const std::array<long, 2> shape{1000, 1000};
    auto w = image::sky_wcs::from_header(h, shape);
    REQUIRE(w);
    auto b = image::cutout_box(*w, pos("POLYGON 340 30 20 30 20 40 340 40"));
    REQUIRE(b);
    // The top edge's great circle from (340, 40) to (20, 40) rises to about latitude 41.1.
    const double top = 500.5 + 41.0 / 0.1;
    CHECK(b->y2 > static_cast<long>(top));
}

TEST_CASE("cutout box: a circle centred on the pole") {
    auto w = tan_image(30, 89.9);
    auto b = image::cutout_box(w, pos("CIRCLE 0 90 0.05"));
    REQUIRE(b);
    same_box(*b, reference(w, 0, 90, 0.05));
}

TEST_CASE("cutout box: circles larger than a hemisphere") {
    auto w = tan_image(180, 89.9);
    CHECK_FALSE(image::cutout_box(w, pos("CIRCLE 30 -89.9 170")));  // all but a cap of 10 degrees around the image
    auto all = image::cutout_box(w, pos("CIRCLE 30 -89.9 179.99"));   // the hole is too small to hold the image
    REQUIRE(all);
    CHECK(*all == image::pixel_box{1, 4000, 1, 4000});
}

TEST_CASE("cutout box: an image with CDELT alone and samples that do not project") {
    using fits::card;
    const std::string h = card("CTYPE1", "RA---TAN") + card("CTYPE2", "DEC--TAN") + card("CRVAL1", 10.0) + card("CRVAL2", 10.0) +
                          card("CRPIX1", 50.5) + card("CRPIX2", 50.5) + card("CDELT1", -0.001) + card("CDELT2", 0.001);
    const std::array<long, 2> shape{100, 100};
    auto w = image::sky_wcs::from_header(h, shape);
    REQUIRE(w);
    CHECK(w->pixel_scale() == doctest::Approx(0.001));
    auto b = image::cutout_box(*w, pos("CIRCLE 10 10 89"));  // its far side is behind the plane
    REQUIRE(b);
    CHECK(*b == image::pixel_box{1, 100, 1, 100});
}

TEST_CASE("cutout box: a pole is a line on a cylindrical projection") {
    using fits::card;
    const std::string h = card("CTYPE1", "RA---CAR") + card("CTYPE2", "DEC--CAR") + card("CRVAL1", 180.0) + card("CRVAL2", 0.0) +
                          card("CRPIX1", 180.5) + card("CRPIX2", 90.5) + card("CDELT1", -1.0) + card("CDELT2", 1.0);
    const std::array<long, 2> shape{360, 180};
    auto w = image::sky_wcs::from_header(h, shape);
    REQUIRE(w);
    auto b = image::cutout_box(*w, pos("CIRCLE 180 89 5"));
    REQUIRE(b);
    CHECK(b->x1 == 1);
    CHECK(b->x2 == 360);
    CHECK(b->y2 == 180);
}

TEST_CASE("cutout box: the sag between samples on a large rotated image") {
    using fits::card;
    const double c = std::cos(0.703 * M_PI / 180) * 1e-4, s = std::sin(0.703 * M_PI / 180) * 1e-4;
    const std::string h = card("CTYPE1", "RA---TAN") + card("CTYPE2", "DEC--TAN") + card("CRVAL1", 10.0) + card("CRVAL2", 10.0) +
                          card("CRPIX1", 15000.5) + card("CRPIX2", 15000.5) + card("CD1_1", -c) + card("CD1_2", s) + card("CD2_1", s) +
                          card("CD2_2", c);
    const std::array<long, 2> shape{30000, 30000};
    auto w = image::sky_wcs::from_header(h, shape);
    REQUIRE(w);
    auto b = image::cutout_box(*w, pos("CIRCLE 10 10 1"));
    REQUIRE(b);
    const auto ref = reference(*w, 10, 10, 1);
    CHECK(b->x1 <= ref.x1);  // never smaller than the 36,000-point reference
    CHECK(b->x2 >= ref.x2);
    CHECK(b->y1 <= ref.y1);
    CHECK(b->y2 >= ref.y2);
    same_box(*b, ref);
}
