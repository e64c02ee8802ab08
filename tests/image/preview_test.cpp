// Preview PNGs (dax/image/preview.hpp): the size follows max_side by sampling, both stretches
// give a valid 8-bit grey PNG, errors are refused. Pixel content is checked through the server
// (tests/links/links_test.py, with PIL).
#include <dax/fits/image_writer.hpp>
#include <dax/image/preview.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at]) << 24 | static_cast<unsigned char>(s[at + 1]) << 16 |
                                      static_cast<unsigned char>(s[at + 2]) << 8 | static_cast<unsigned char>(s[at + 3]));
}

}  // namespace

TEST_CASE("preview: a sampled PNG of the image in either stretch") {
    const std::string path = (std::filesystem::temp_directory_path() / ("dax_preview" + std::to_string(::getpid()) + ".fits")).string();
    dax::fits::image_hdu h;
    h.shape = {1030, 700};
    h.pixels.resize(1030 * 700);
    for (std::size_t i = 0; i < h.pixels.size(); ++i) h.pixels[i] = static_cast<float>(100 + (i % 1030) * 0.01);
    h.pixels[350 * 1030 + 500] = 1e6f;  // a bright star
    REQUIRE(dax::fits::write_image_file(path, std::span<const dax::fits::image_hdu>(&h, 1)));
    for (auto s : {dax::image::stretch::asinh, dax::image::stretch::zscale}) {
        dax::image::preview_options o;
        o.stretch = s;
        auto png = dax::image::preview_png(path, 0, o);
        REQUIRE(png);
        CHECK(png->substr(1, 3) == "PNG");
        CHECK(be32(*png, 16) == 344);  // every 3rd pixel: (1030 - 1) / 3 + 1
        CHECK(be32(*png, 20) == 234);
        CHECK((*png)[24] == 8);  // bit depth
        CHECK((*png)[25] == 0);  // grey
    }
    dax::image::preview_options small;
    small.max_side = 100;
    auto p = dax::image::preview_png(path, 0, small);
    REQUIRE(p);
    CHECK(be32(*p, 16) == 94);  // every 11th pixel
    CHECK_FALSE(dax::image::preview_png(path, 3));
    CHECK_FALSE(dax::image::preview_png("/nonexistent.fits", 0));
    std::remove(path.c_str());
}
