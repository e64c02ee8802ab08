// WCSLIB behind dax::image::sky_wcs. wcspih parses the whole header (FITS WCS papers I-IV, SIP,
// TPV, distortion papers); wcsp2s/wcss2p convert. A wcsprm is not shared between threads.
#include <dax/image/wcs.hpp>

#include <wcslib/wcs.h>
#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>
#include <wcslib/wcsmath.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>

namespace dax::image {

namespace g = dax::geometry;

struct sky_wcs::impl {
    int nwcs = 0;
    wcsprm* all = nullptr;  // every WCS of the header; `w` is the primary one
    wcsprm* w = nullptr;
    std::vector<double> pix, img, world;  // scratch, one coordinate
    std::vector<double> phi, theta;
    std::mutex m;  // WCSLIB's structures are written during conversion
    ~impl() {
        if (all) wcsvfree(&nwcs, &all);
    }
};

namespace {

std::string wcs_message(const wcsprm* w, int status, const char* what) {
    if (w && w->err && w->err->msg[0]) return fmt::format("WCS: {}: {}", what, w->err->msg);
    return fmt::format("WCS: {}: WCSLIB status {} ({})", what, status, status > 0 && status < 14 ? wcs_errmsg[status] : "");
}

}  // namespace

result<sky_wcs> sky_wcs::from_header(std::string_view cards, std::span<const long> shape) {
    if (shape.size() < 2) return error("WCS: the image needs at least two pixel axes");
    auto p = std::make_unique<impl>();
    std::string header(cards);  // wcspih writes into its input
    const int nkeys = static_cast<int>(header.size() / 80);
    int nreject = 0;
    const int st = wcspih(header.data(), nkeys, WCSHDR_all, 0, &nreject, &p->nwcs, &p->all);
    if (st != 0) return error(fmt::format("WCS: the header cannot be read (WCSLIB status {})", st));
    // The primary description (no alternate letter); wcspih returns it first when present.
    for (int i = 0; i < p->nwcs && !p->w; ++i)
        if (p->all[i].alt[0] == ' ' || p->all[i].alt[0] == '\0') p->w = &p->all[i];
    if (!p->w) return error("WCS: the header has no primary WCS (CTYPEn, CRVALn, ...)");
    wcsprm* w = p->w;
    // Fix non-standard but common forms (DATE-OBS formats, units, -SIP in CTYPE, ...).
    int stat[NWCSFIX];
    // wcsfix reads NAXISn for every WCS axis, and WCSAXES may exceed NAXIS: padded with 1.
    std::vector<int> naxis(shape.begin(), shape.end());
    if (naxis.size() < static_cast<std::size_t>(w->naxis)) naxis.resize(static_cast<std::size_t>(w->naxis), 1);
    wcsfix(7, naxis.data(), w, stat);
    if (const int s = wcsset(w); s != 0) return error(wcs_message(w, s, "the WCS is not valid"));
    if (w->lng < 0 || w->lat < 0) return error("WCS: the header has no celestial axes (RA/DEC, GLON/GLAT, ...)");
    if (std::min(w->lng, w->lat) != 0 || std::max(w->lng, w->lat) != 1)
        return error("WCS: the celestial axes must be the first two pixel axes");
    const auto n = static_cast<std::size_t>(w->naxis);
    p->pix.assign(n, 1.0);
    p->img.assign(n, 0.0);
    p->world.assign(n, 0.0);
    p->phi.assign(1, 0.0);
    p->theta.assign(1, 0.0);
    return sky_wcs(std::move(p), shape[0], shape[1]);
}

sky_wcs::sky_wcs(std::unique_ptr<impl> p, long nx, long ny) : impl_(std::move(p)), nx_(nx), ny_(ny) {}
sky_wcs::sky_wcs(sky_wcs&&) noexcept = default;
sky_wcs& sky_wcs::operator=(sky_wcs&&) noexcept = default;
sky_wcs::~sky_wcs() = default;

std::optional<g::lonlat> sky_wcs::to_sky(double x, double y) const {
    impl& s = *impl_;
    std::lock_guard lock(s.m);
    std::fill(s.pix.begin(), s.pix.end(), 1.0);
    s.pix[0] = x;
    s.pix[1] = y;
    int stat = 0;
    if (wcsp2s(s.w, 1, s.w->naxis, s.pix.data(), s.img.data(), s.phi.data(), s.theta.data(), s.world.data(), &stat) != 0 || stat)
        return std::nullopt;
    const double lon = s.world[static_cast<std::size_t>(s.w->lng)], lat = s.world[static_cast<std::size_t>(s.w->lat)];
    if (!std::isfinite(lon) || !std::isfinite(lat)) return std::nullopt;
    return g::lonlat{std::fmod(std::fmod(lon, 360.0) + 360.0, 360.0), lat};
}

std::optional<std::array<double, 2>> sky_wcs::to_pixel(g::lonlat p) const {
    impl& s = *impl_;
    std::lock_guard lock(s.m);
    // Non-celestial world coordinates: those of pixel 1 on every other axis.
    int stat = 0;
    if (s.w->naxis > 2) {
        std::fill(s.pix.begin(), s.pix.end(), 1.0);
        if (wcsp2s(s.w, 1, s.w->naxis, s.pix.data(), s.img.data(), s.phi.data(), s.theta.data(), s.world.data(), &stat) != 0)
            return std::nullopt;
    }
    s.world[static_cast<std::size_t>(s.w->lng)] = p.lon;
    s.world[static_cast<std::size_t>(s.w->lat)] = p.lat;
    if (wcss2p(s.w, 1, s.w->naxis, s.world.data(), s.phi.data(), s.theta.data(), s.img.data(), s.pix.data(), &stat) != 0 || stat)
        return std::nullopt;
    return std::array<double, 2>{s.pix[0], s.pix[1]};
}

std::vector<std::array<double, 2>> sky_wcs::to_pixels(std::span<const g::lonlat> points) const {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<std::array<double, 2>> out(points.size(), {nan, nan});
    if (points.empty()) return out;
    impl& s = *impl_;
    std::lock_guard lock(s.m);
    const auto n = static_cast<std::size_t>(s.w->naxis), count = points.size();
    int stat = 0;
    if (n > 2) {  // non-celestial world coordinates: those of pixel 1 on every other axis
        std::fill(s.pix.begin(), s.pix.end(), 1.0);
        if (wcsp2s(s.w, 1, s.w->naxis, s.pix.data(), s.img.data(), s.phi.data(), s.theta.data(), s.world.data(), &stat) != 0)
            return out;
    }
    std::vector<double> world(count * n), img(count * n), pix(count * n), phi(count), theta(count);
    std::vector<int> stats(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::copy(s.world.begin(), s.world.end(), world.begin() + static_cast<long>(i * n));
        world[i * n + static_cast<std::size_t>(s.w->lng)] = points[i].lon;
        world[i * n + static_cast<std::size_t>(s.w->lat)] = points[i].lat;
    }
    // Status 9 (some points invalid) still converts the others; their `stats` say which.
    const int st = wcss2p(s.w, static_cast<int>(count), static_cast<int>(n), world.data(), phi.data(), theta.data(), img.data(), pix.data(),
                          stats.data());
    if (st != 0 && st != 9) return out;
    for (std::size_t i = 0; i < count; ++i)
        if (!stats[i]) out[i] = {pix[i * n], pix[i * n + 1]};
    return out;
}

axis_kind sky_wcs::kind(std::size_t axis) const {
    const wcsprm* w = impl_->w;
    if (axis >= static_cast<std::size_t>(w->naxis)) return axis_kind::other;
    switch (w->types[axis] / 1000) {
    case 1: return axis_kind::polarization;
    case 3: return axis_kind::spectral;
    case 4: return axis_kind::time;
    default: break;
    }
    // Paper VII's date axes, which WCSLIB 7 leaves untyped.
    std::string_view ctype(w->ctype[axis]);
    ctype = ctype.substr(0, ctype.find_first_of(" -"));
    return ctype == "MJD" || ctype == "JD" ? axis_kind::time : axis_kind::other;
}

namespace {

// Days per unit of a time axis (FITS WCS paper VII section 4.3; WCSLIB's unit strings).
std::optional<double> days_per(std::string_view unit) {
    while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
    if (unit.empty() || unit == "s") return 1 / 86400.0;
    if (unit == "min") return 1 / 1440.0;
    if (unit == "h") return 1 / 24.0;
    if (unit == "d") return 1.0;
    if (unit == "a" || unit == "yr") return 365.25;
    return std::nullopt;
}

// World coordinates of pixels along one axis: `pos` are the pixel values on `axis`, every other
// axis at `base` (1-based pixel coordinates). Non-finite where WCSLIB fails.
std::vector<double> along(wcsprm* w, std::vector<double> base, std::size_t axis, const std::vector<double>& pos) {
    const auto n = static_cast<std::size_t>(w->naxis), count = pos.size();
    std::vector<double> pix(count * n), img(count * n), world(count * n), phi(count), theta(count), out(count, NAN);
    std::vector<int> stat(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::copy(base.begin(), base.end(), pix.begin() + static_cast<long>(i * n));
        pix[i * n + axis] = pos[i];
    }
    const int st = wcsp2s(w, static_cast<int>(count), static_cast<int>(n), pix.data(), img.data(), phi.data(), theta.data(), world.data(),
                          stat.data());
    if (st != 0 && st != 8) return out;
    for (std::size_t i = 0; i < count; ++i)
        if (!stat[i]) out[i] = world[i * n + axis];
    return out;
}

}  // namespace

std::optional<std::vector<double>> sky_wcs::axis_values(std::size_t axis, long n) const {
    impl& s = *impl_;
    std::lock_guard lock(s.m);
    wcsprm* w = s.w;
    if (axis < 2 || axis >= static_cast<std::size_t>(w->naxis) || n < 1) return std::nullopt;
    std::vector<double> base(static_cast<std::size_t>(w->naxis), 1.0);
    base[0] = (static_cast<double>(nx_) + 1) / 2;
    base[1] = (static_cast<double>(ny_) + 1) / 2;
    std::vector<double> pos;
    const auto k = kind(axis);
    if (k == axis_kind::polarization) {
        for (long i = 1; i <= n; ++i) pos.push_back(static_cast<double>(i));
        auto v = along(w, base, axis, pos);
        for (double& x : v) x = std::round(x);
        return v;
    }
    for (long i = 0; i <= n; ++i) pos.push_back(static_cast<double>(i) + 0.5);
    if (k == axis_kind::spectral) {
        // A copy translated to vacuum wavelength (wcssptr changes the struct it is given).
        wcsprm c{};
        c.flag = -1;
        if (wcssub(1, w, nullptr, nullptr, &c) != 0) return std::nullopt;
        struct freer {
            wcsprm* p;
            ~freer() { wcsfree(p); }
        } f{&c};
        int i = static_cast<int>(axis);
        char wave[9] = "WAVE-???";
        if (wcssptr(&c, &i, wave) != 0 || wcsset(&c) != 0) return std::nullopt;
        auto v = along(&c, base, axis, pos);
        if (std::any_of(v.begin(), v.end(), [](double x) { return !std::isfinite(x); })) return std::nullopt;
        return v;
    }
    if (k != axis_kind::time) return std::nullopt;
    auto v = along(w, base, axis, pos);
    std::string_view ctype(w->ctype[axis]);
    ctype = ctype.substr(0, ctype.find_first_of(" -"));
    double offset = 0, scale = 1;
    if (ctype == "MJD" || ctype == "JD") {
        offset = ctype == "JD" ? -2400000.5 : 0;  // already a date, in days
    } else {
        const auto days = days_per(w->cunit[axis]);
        const double ref = w->mjdref[0] + w->mjdref[1];
        if (!days || undefined(w->mjdref[0]) || undefined(w->mjdref[1]) || !std::isfinite(ref)) return std::nullopt;
        scale = *days;
        offset = ref + (undefined(w->timeoffs) ? 0 : w->timeoffs / 86400.0);
    }
    for (double& x : v) x = x * scale + offset;
    if (std::any_of(v.begin(), v.end(), [](double x) { return !std::isfinite(x); })) return std::nullopt;
    return v;
}

g::lonlat sky_wcs::centre() const {
    return to_sky((static_cast<double>(nx_) + 1) / 2, (static_cast<double>(ny_) + 1) / 2).value_or(g::lonlat{});
}

double sky_wcs::pixel_scale() const {
    // The linear part at the reference pixel (CDi_j, or PCi_j x CDELTi): the square root of its
    // determinant on the celestial axes. Intermediate world coordinates are in degrees.
    // WCSLIB leaves lin.piximg unset when the matrix is the identity (CDELTi alone).
    const wcsprm* w = impl_->w;
    const int n = w->naxis, i = w->lng, j = w->lat;
    double det;
    if (const double* m = w->lin.piximg) {
        det = m[i * n + 0] * m[j * n + 1] - m[i * n + 1] * m[j * n + 0];
    } else {
        const double* pc = w->pc;
        det = w->cdelt[i] * w->cdelt[j] * (pc[i * n + 0] * pc[j * n + 1] - pc[i * n + 1] * pc[j * n + 0]);
    }
    return std::sqrt(std::fabs(det));
}

namespace {

// Keeps sample k of [first, last] when it leaves the great circle through the kept neighbours
// by more than `tol` degrees (Douglas-Peucker on the sphere).
void simplify(const std::vector<g::lonlat>& pts, std::size_t first, std::size_t last, double tol, std::vector<bool>& keep) {
    if (last <= first + 1) return;
    const g::vec3 a = g::to_vec(pts[first].lon, pts[first].lat), b = g::to_vec(pts[last].lon, pts[last].lat);
    double worst = -1;
    std::size_t at = first;
    for (std::size_t k = first + 1; k < last; ++k) {
        const double d = g::distance_to_arc_deg(g::to_vec(pts[k].lon, pts[k].lat), a, b);
        if (d > worst) worst = d, at = k;
    }
    if (worst <= tol) return;
    keep[at] = true;
    simplify(pts, first, at, tol, keep);
    simplify(pts, at, last, tol, keep);
}

}  // namespace

std::vector<g::lonlat> sky_wcs::footprint(double tolerance_px) const {
    const double x0 = 0.5, y0 = 0.5, x1 = static_cast<double>(nx_) + 0.5, y1 = static_cast<double>(ny_) + 0.5;
    // Corners in the order (1,1) -> (1,N) -> (N,N) -> (N,1): counter-clockwise on the sky for
    // the usual East-left orientation; reversed below otherwise.
    const std::array<std::array<double, 2>, 5> corner = {{{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}, {x0, y0}}};
    const int samples = 64;  // per edge: 16 px apart on a 1,000-pixel side
    const double tol = tolerance_px * pixel_scale();
    std::vector<g::lonlat> out;
    for (int e = 0; e < 4; ++e) {
        std::vector<g::lonlat> pts;
        for (int k = 0; k <= samples; ++k) {
            const double t = static_cast<double>(k) / samples;
            const double x = corner[e][0] + t * (corner[e + 1][0] - corner[e][0]);
            const double y = corner[e][1] + t * (corner[e + 1][1] - corner[e][1]);
            if (auto s = to_sky(x, y)) pts.push_back(*s);
        }
        if (pts.size() < 2) continue;
        std::vector<bool> keep(pts.size(), false);
        keep.front() = true;
        simplify(pts, 0, pts.size() - 1, tol, keep);
        for (std::size_t k = 0; k + 1 < pts.size(); ++k)  // the edge's end is the next edge's start
            if (keep[k]) out.push_back(pts[k]);
    }
    if (out.size() >= 3) {
        // Orientation: the sum of the edges' cross products points outward for a
        // counter-clockwise polygon (seen from outside the sphere).
        g::vec3 sum;
        for (std::size_t i = 0; i < out.size(); ++i) {
            const auto& a = out[i];
            const auto& b = out[(i + 1) % out.size()];
            const g::vec3 c = g::cross(g::to_vec(a.lon, a.lat), g::to_vec(b.lon, b.lat));
            sum = {sum.x + c.x, sum.y + c.y, sum.z + c.z};
        }
        const auto mid = centre();
        if (g::dot(sum, g::to_vec(mid.lon, mid.lat)) < 0) std::reverse(out.begin() + 1, out.end());
    }
    return out;
}

}  // namespace dax::image
