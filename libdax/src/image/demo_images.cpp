// The demo images (issue 10 section 2). Deterministic: a fixed generator per image, no clocks.
// Sources are placed through the image's own WCS (WCSLIB, SIP included), so a source's pixel is
// exactly where a client computing from the header expects it.
#include <dax/image/demo_images.hpp>

#include <dax/fits/image_writer.hpp>
#include <dax/geometry/sphere.hpp>
#include <dax/image/wcs.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <array>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>

namespace dax::image {

namespace {

constexpr int image_count = 20;
constexpr double pixel_deg = 0.008;
constexpr double sky_level = 100.0, sky_sigma = 10.0, psf_sigma_px = 1.5;
constexpr const char* filters[] = {"u", "g", "r", "i", "z", "y"};

// Field centres: the RA 0/360 seam (0 and 1), near the poles (9 and 10), spread elsewhere; clear
// of (10, 7) and (10, 10), where the README's and tests' examples look at the synthetic rows.
constexpr std::array<std::array<double, 2>, image_count> centres = {{
    {0.3, 1.0},   {359.6, -30.0}, {45.0, 20.0},  {90.0, -45.0},  {135.0, 60.0}, {180.0, 0.0},  {225.0, -70.0},
    {270.0, 30.0}, {315.0, -15.0}, {30.0, 88.5},  {60.0, -88.6},  {150.0, 45.0}, {200.0, -25.0}, {250.0, 75.0},
    {300.0, 5.0}, {330.0, -50.0}, {75.0, 10.0},  {110.0, -5.0},  {20.0, -60.0}, {345.0, 40.0}}};

enum class layout { plain, sip, mef, rice };
layout layout_of(int i) { return static_cast<layout>(i % 4); }

// SplitMix64 and Box-Muller: the same numbers on every platform (std::normal_distribution's
// algorithm is the library's choice).
struct noise {
    std::uint64_t state;
    double uniform() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return (static_cast<double>(z >> 11) + 0.5) * 0x1.0p-53;
    }
    double gauss() { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * M_PI * uniform()); }
};

std::string iso_date(double mjd) {
    const auto t = static_cast<std::time_t>(std::llround((mjd - 40587.0) * 86400.0));
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

// The celestial WCS cards of image i: TAN, every third one rotated by 30 degrees, SIP on the
// `sip` layout (a quadratic distortion of up to half a pixel at the edges).
std::string wcs_cards(int i, long nx, long ny) {
    using fits::card;
    const bool sip = layout_of(i) == layout::sip;
    const double rot = (i % 3 == 1 ? 30.0 : 0.0) * M_PI / 180.0;
    std::string c = card("WCSAXES", 2) + card("CTYPE1", sip ? "RA---TAN-SIP" : "RA---TAN") +
                    card("CTYPE2", sip ? "DEC--TAN-SIP" : "DEC--TAN") + card("CRVAL1", centres[i][0]) +
                    card("CRVAL2", centres[i][1]) + card("CRPIX1", (nx + 1) / 2.0) + card("CRPIX2", (ny + 1) / 2.0) +
                    card("CD1_1", -pixel_deg * std::cos(rot)) + card("CD1_2", pixel_deg * std::sin(rot)) +
                    card("CD2_1", pixel_deg * std::sin(rot)) + card("CD2_2", pixel_deg * std::cos(rot)) +
                    card("CUNIT1", "deg") + card("CUNIT2", "deg") + card("RADESYS", "ICRS");
    if (sip)
        c += card("A_ORDER", 2) + card("A_2_0", 2.0e-5) + card("A_1_1", -1.0e-5) + card("A_0_2", 1.5e-5) +
             card("B_ORDER", 2) + card("B_2_0", -1.0e-5) + card("B_1_1", 2.0e-5) + card("B_0_2", 1.0e-5);
    return c;
}

std::string observation_cards(int i, const std::string& obs_id) {
    using fits::card;
    const double mjd = std::round((60310.1 + 13.37 * i) * 1e6) / 1e6;  // printed as written
    const double exptime = 30.0 * (1 + i % 4);
    return card("OBSID", obs_id) + card("OBJECT", fmt::format("demo field {}", i + 1)) +
           card("TELESCOP", "libdax demo telescope") + card("INSTRUME", "DemoCam") + card("FILTER", filters[i % 6]) +
           card("EXPTIME", exptime, "seconds") + card("MJD-OBS", mjd, "start of the exposure") +
           card("DATE-OBS", iso_date(mjd), "UTC") + card("MJD-END", mjd + exptime / 86400.0, "end of the exposure") +
           card("BUNIT", "count");
}

// Sky + noise + every source within the field, each a Gaussian of psf_sigma_px.
std::vector<float> paint(int i, const sky_wcs& wcs, long nx, long ny, std::span<const demo_source> sources) {
    std::vector<float> px(static_cast<std::size_t>(nx * ny));
    noise rng{0xDA5ull * 1000003ull + static_cast<std::uint64_t>(i)};
    for (auto& p : px) p = static_cast<float>(sky_level + sky_sigma * rng.gauss());
    const double reach = std::hypot(nx, ny) * pixel_deg / 2 + 0.1;
    const int r = static_cast<int>(std::ceil(5 * psf_sigma_px));
    for (const auto& s : sources) {
        if (geometry::distance_deg(s.ra, s.dec, centres[i][0], centres[i][1]) > reach) continue;
        const auto xy = wcs.to_pixel({s.ra, s.dec});
        if (!xy || (*xy)[0] < -r || (*xy)[0] > nx + r || (*xy)[1] < -r || (*xy)[1] > ny + r) continue;
        const double peak = std::pow(10.0, -0.4 * (s.mag - 25.0)) / (2 * M_PI * psf_sigma_px * psf_sigma_px);
        const long cx = std::lround((*xy)[0]), cy = std::lround((*xy)[1]);
        for (long y = std::max(1L, cy - r); y <= std::min(ny, cy + r); ++y)
            for (long x = std::max(1L, cx - r); x <= std::min(nx, cx + r); ++x) {
                const double dx = x - (*xy)[0], dy = y - (*xy)[1];
                px[static_cast<std::size_t>((y - 1) * nx + (x - 1))] +=
                    static_cast<float>(peak * std::exp(-(dx * dx + dy * dy) / (2 * psf_sigma_px * psf_sigma_px)));
            }
    }
    return px;
}

std::vector<fits::image_hdu> hdus_of(int i, const std::string& obs_id, std::span<const demo_source> sources) {
    const long nx = 256, ny = i % 2 ? 192 : 256;
    const std::string wcs_text = wcs_cards(i, nx, ny);
    const std::array<long, 2> shape{nx, ny};
    auto wcs = sky_wcs::from_header(wcs_text, shape);
    if (!wcs) throw wcs.err();
    fits::image_hdu sci{{nx, ny}, paint(i, *wcs, nx, ny, sources), -32, wcs_text + observation_cards(i, obs_id), false};
    switch (layout_of(i)) {
    case layout::plain:
    case layout::sip: return {std::move(sci)};
    case layout::rice: sci.rice = true; return {std::move(sci)};
    case layout::mef: break;
    }
    // A calexp-like file: an empty primary with the observation, then image, mask and variance
    // extensions, each with the WCS (the extensions inherit the primary's keywords).
    using fits::card;
    fits::image_hdu primary{{}, {}, 16, observation_cards(i, obs_id), false};
    std::vector<float> mask(sci.pixels.size()), variance(sci.pixels.size());
    for (std::size_t p = 0; p < mask.size(); ++p) {
        const long x = static_cast<long>(p % nx) + 1, y = static_cast<long>(p / nx) + 1;
        const bool edge = x <= 4 || y <= 4 || x > nx - 4 || y > ny - 4;
        mask[p] = static_cast<float>((edge ? 16 : 0) | (sci.pixels[p] > 10000 ? 2 : 0));  // EDGE, SAT bits
        variance[p] = static_cast<float>(std::max(static_cast<double>(sci.pixels[p]), sky_level));
    }
    const std::string ext = card("INHERIT", true);
    sci.cards = card("EXTNAME", "IMAGE") + ext + wcs_text;
    fits::image_hdu m{{nx, ny}, std::move(mask), 32, card("EXTNAME", "MASK") + ext + card("MP_EDGE", 4) + card("MP_SAT", 1) + wcs_text, false};
    fits::image_hdu v{{nx, ny}, std::move(variance), -32, card("EXTNAME", "VARIANCE") + ext + wcs_text, false};
    return {std::move(primary), std::move(sci), std::move(m), std::move(v)};
}

}  // namespace

std::vector<std::string> demo_image_names() {
    std::vector<std::string> names;
    for (int i = 0; i < image_count; ++i)
        names.push_back(fmt::format("demo-img-{:02}{}", i + 1, layout_of(i) == layout::rice ? ".fits.fz" : ".fits"));
    return names;
}

result<std::vector<std::string>> write_demo_images(const std::string& dir, std::span<const demo_source> sources,
                                                   std::span<const std::string> only) {
    return capture([&] {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) throw error(fmt::format("cannot create {}: {}", dir, ec.message()));
        std::vector<std::string> paths;
        const auto names = demo_image_names();
        for (int i = 0; i < image_count; ++i) {
            const std::string path = (std::filesystem::path(dir) / names[static_cast<std::size_t>(i)]).string();
            if (!only.empty() && std::find(only.begin(), only.end(), names[static_cast<std::size_t>(i)]) == only.end()) continue;
            paths.push_back(path);
            if (std::filesystem::exists(path, ec)) continue;
            const std::string obs_id = names[static_cast<std::size_t>(i)].substr(0, names[static_cast<std::size_t>(i)].find('.'));
            auto w = fits::write_image_file(path, hdus_of(i, obs_id, sources));
            if (!w) throw w.err();
        }
        return paths;
    });
}

}  // namespace dax::image
