// Forced aperture photometry (see forced.hpp).
#include <dax/phot/forced.hpp>

#include <dax/fits/image.hpp>
#include <dax/image/wcs.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace dax::phot {
namespace {

// The area of {u^2 + v^2 <= r^2, u <= x, v <= y}: integrating the circle's chords over u with
// G, the primitive of sqrt(r^2 - u^2).
double below_left(double x, double y, double r) {
    if (x <= -r || y <= -r) return 0;
    x = std::min(x, r);
    y = std::min(y, r);
    auto g = [r](double u) {
        u = std::clamp(u, -r, r);
        return 0.5 * (u * std::sqrt(std::max(0.0, r * r - u * u)) + r * r * std::asin(u / r));
    };
    auto chord = [&](double a, double b) { return b > a ? g(b) - g(a) : 0.0; };  // integral of sqrt(r^2 - u^2)
    const double uy = std::sqrt(std::max(0.0, r * r - y * y));
    if (y >= 0) {
        // lower half-chord everywhere, upper part capped at y where the circle is above it
        return chord(-r, x) + chord(-r, std::min(x, -uy)) + y * std::max(0.0, std::min(x, uy) + uy) + chord(uy, x);
    }
    if (x <= -uy) return 0;
    const double b = std::min(x, uy);
    return y * (b + uy) + chord(-uy, b);
}

struct plane {
    std::vector<double> v;
    long nx = 0, ny = 0;
    double at(long x, long y) const { return v[static_cast<std::size_t>((y - 1) * nx + (x - 1))]; }
};

std::optional<plane> read_plane(const std::string& path, const fits::hdu& h) {
    if (!h.image || h.shape.size() < 2) return std::nullopt;
    std::vector<long> first(h.shape.size(), 1), last(h.shape.size(), 1);
    last[0] = h.shape[0];
    last[1] = h.shape[1];
    auto px = fits::read_pixels(path, h.index, first, last);
    if (!px) throw px.err();
    return plane{std::move(*px), h.shape[0], h.shape[1]};
}

// Median of v (reordered).
double median(std::vector<double>& v) {
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    double m = *mid;
    if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2;
    return m;
}

}  // namespace

double circle_rect_overlap(double cx, double cy, double r, double x0, double y0, double x1, double y1) {
    x0 -= cx, x1 -= cx, y0 -= cy, y1 -= cy;
    return below_left(x1, y1, r) - below_left(x0, y1, r) - below_left(x1, y0, r) + below_left(x0, y0, r);
}

result<std::vector<measurement>> forced(const std::string& path, std::span<const position> positions, const settings& s) {
    return capture([&] {
        auto headers = fits::read_headers(path);
        if (!headers) throw headers.err();
        // The science HDU, and MASK / VARIANCE planes of the same shape.
        const fits::hdu* sci = nullptr;
        std::optional<image::sky_wcs> wcs;
        for (const auto& h : *headers) {
            if (s.hdu >= 0 && h.index != s.hdu) continue;
            if (!h.image || h.shape.size() < 2) continue;
            auto w = image::sky_wcs::from_header(h.header, h.shape);
            if (w) {
                sci = &h;
                wcs.emplace(std::move(*w));
                break;
            }
            if (s.hdu >= 0) throw error(fmt::format("{}: HDU {} has no celestial WCS: {}", path, s.hdu, w.err().what()));
        }
        if (!sci) throw error(fmt::format("{}: no image HDU with a celestial WCS", path));
        const fits::hdu *mask_h = nullptr, *var_h = nullptr;
        for (const auto& h : *headers) {
            if (!h.image || h.shape.size() < 2 || h.shape[0] != sci->shape[0] || h.shape[1] != sci->shape[1]) continue;
            if (h.extname == "MASK") mask_h = &h;
            if (h.extname == "VARIANCE") var_h = &h;
        }
        const plane img = *read_plane(path, *sci);
        std::optional<plane> mask, var;
        if (mask_h) mask = read_plane(path, *mask_h);
        if (var_h) var = read_plane(path, *var_h);
        // Mask bits: the bad planes, and SAT / EDGE for the flags (MP_<name> = bit number).
        std::uint64_t bad_bits = 0, sat_bits = 0, edge_bits = 0;
        bool named = false;
        if (mask_h)
            for (const auto& [k, v] : mask_h->keywords) {
                std::string key = k;
                if (key.rfind("HIERARCH ", 0) == 0) key = key.substr(9);
                if (key.rfind("MP_", 0) != 0) continue;
                const auto bit = mask_h->number(k);
                if (!bit || *bit < 0 || *bit > 63) continue;
                named = true;
                const std::string name = key.substr(3);
                const std::uint64_t b = std::uint64_t(1) << static_cast<int>(*bit);
                if (std::find(s.bad_planes.begin(), s.bad_planes.end(), name) != s.bad_planes.end()) bad_bits |= b;
                if (name == "SAT") sat_bits |= b;
                if (name == "EDGE") edge_bits |= b;
            }
        if (mask && !named) bad_bits = ~std::uint64_t(0);
        const auto saturate = sci->number("SATURATE");

        const double scale = wcs->pixel_scale() * 3600;  // arcsec per pixel
        const double r = s.radius_arcsec / scale;
        const double r_in = (s.annulus_inner_arcsec > 0 ? s.annulus_inner_arcsec : 2 * s.radius_arcsec) / scale;
        const double r_out = (s.annulus_outer_arcsec > 0 ? s.annulus_outer_arcsec : 3 * s.radius_arcsec) / scale;
        if (!(r > 0) || !(r_out > r_in) || !(r_in >= r) || !std::isfinite(r_out))
            throw error("aperture: radius > 0 and radius <= annulus inner < annulus outer");
        if (r_out > 2.0 * static_cast<double>(std::max(img.nx, img.ny)))
            throw error(fmt::format("aperture: the annulus ({:.0f} pixels) is larger than the image ({} x {})", r_out, img.nx, img.ny));
        if (!(s.clip_sigma > 0) || !std::isfinite(s.clip_sigma) || s.clip_iterations < 0)
            throw error("background: clip_sigma must be a positive number, clip_iterations not negative");
        std::vector<geometry::lonlat> sky;
        for (const auto& p : positions) sky.push_back({p.ra, p.dec});
        const auto pix = wcs->to_pixels(sky);
        std::vector<measurement> out;
        std::vector<double> annulus;
        for (std::size_t k = 0; k < positions.size(); ++k) {
            const double x = pix[k][0], y = pix[k][1];
            if (!(x >= 0.5 && x <= img.nx + 0.5 && y >= 0.5 && y <= img.ny + 0.5)) continue;
            measurement m;
            m.index = k, m.id = positions[k].id, m.ra = positions[k].ra, m.dec = positions[k].dec, m.x = x, m.y = y;
            auto mask_at = [&](long i, long j) -> std::uint64_t { return mask ? static_cast<std::uint64_t>(mask->at(i, j)) : 0; };
            // Background: pixel centres in the annulus, usable ones, sigma-clipped median.
            const long bx0 = static_cast<long>(std::floor(x - r_out)), bx1 = static_cast<long>(std::ceil(x + r_out));
            const long by0 = static_cast<long>(std::floor(y - r_out)), by1 = static_cast<long>(std::ceil(y + r_out));
            if (bx0 < 1 || by0 < 1 || bx1 > img.nx || by1 > img.ny) m.flags |= near_edge;
            annulus.clear();
            for (long j = std::max(1L, by0); j <= std::min(img.ny, by1); ++j)
                for (long i = std::max(1L, bx0); i <= std::min(img.nx, bx1); ++i) {
                    const double d2 = (i - x) * (i - x) + (j - y) * (j - y);
                    if (d2 < r_in * r_in || d2 > r_out * r_out) continue;
                    const double v = img.at(i, j);
                    if (!std::isfinite(v) || (mask_at(i, j) & bad_bits)) continue;
                    annulus.push_back(v);
                }
            double bg = 0, bg_sigma = 0;
            if (annulus.size() >= 10) {
                std::vector<double> kept = annulus;
                for (int it = 0; it < s.clip_iterations; ++it) {
                    std::vector<double> tmp = kept;
                    const double med = median(tmp);
                    for (auto& t : tmp) t = std::fabs(t - med);
                    const double sigma = 1.4826 * median(tmp);
                    std::vector<double> next;
                    for (double v : kept)
                        if (std::fabs(v - med) <= s.clip_sigma * sigma || sigma == 0) next.push_back(v);
                    const bool same = next.size() == kept.size();
                    if (next.size() < 10) break;  // keep the last set that was large enough
                    kept = std::move(next);
                    if (same) break;
                }
                std::vector<double> tmp = kept;
                bg = median(tmp);
                double ss = 0;
                for (double v : kept) ss += (v - bg) * (v - bg);
                bg_sigma = kept.size() > 1 ? std::sqrt(ss / static_cast<double>(kept.size() - 1)) : 0;
            } else {
                m.flags |= no_background;
            }
            // Aperture: exact overlap of the circle with each pixel square.
            const long ax0 = static_cast<long>(std::floor(x - r - 0.5)), ax1 = static_cast<long>(std::ceil(x + r + 0.5));
            const long ay0 = static_cast<long>(std::floor(y - r - 0.5)), ay1 = static_cast<long>(std::ceil(y + r + 0.5));
            double sum = 0, var_sum = 0, area = 0;
            for (long j = ay0; j <= ay1; ++j)
                for (long i = ax0; i <= ax1; ++i) {
                    const double w = circle_rect_overlap(x, y, r, i - 0.5, j - 0.5, i + 0.5, j + 0.5);
                    if (w <= 0) continue;
                    area += w;
                    if (i < 1 || j < 1 || i > img.nx || j > img.ny) {
                        m.flags |= near_edge | masked;
                        continue;  // off the image: counted as background
                    }
                    const double v = img.at(i, j);
                    const std::uint64_t mb = mask_at(i, j);
                    if (mb & edge_bits) m.flags |= near_edge;
                    if ((mb & sat_bits) || (saturate && v >= *saturate)) m.flags |= saturated;
                    if (!std::isfinite(v) || (mb & bad_bits & ~sat_bits)) {
                        m.flags |= masked;
                        continue;
                    }
                    sum += w * (v - bg);
                    if (var) {
                        const double pv = var->at(i, j);
                        var_sum += w * w * (std::isfinite(pv) ? pv : bg_sigma * bg_sigma);
                    } else {
                        var_sum += w * bg_sigma * bg_sigma;
                    }
                }
            m.flux = sum;
            m.area = area;
            m.background = bg;
            // The background's own error over the aperture: sigma^2 area^2 / n.
            const double bg_err2 = annulus.empty() ? 0 : bg_sigma * bg_sigma * area * area / static_cast<double>(annulus.size());
            m.flux_err = std::sqrt(var_sum + bg_err2);
            out.push_back(std::move(m));
        }
        return out;
    });
}

}  // namespace dax::phot
