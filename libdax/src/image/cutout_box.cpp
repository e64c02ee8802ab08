// The pixel box of a SODA region on an image (field notes section 2: sample the true boundary,
// add the pole, never arithmetic on RA/Dec ranges, failed projections are not dropped).
#include <dax/image/cutout.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace dax::image {

namespace {

namespace g = dax::geometry;
constexpr double rad = M_PI / 180;

// n points on the circle of radius r (degrees) around c, built from vectors (well defined for a
// centre at a pole, where bearings are not).
void circle_points(const g::lonlat& c, double r, int n, std::vector<g::lonlat>& out) {
    const g::vec3 v = g::to_vec(c.lon, c.lat);
    // Two unit vectors orthogonal to v: any axis not parallel to v gives the first.
    const g::vec3 axis = std::fabs(v.z) < 0.9 ? g::vec3{0, 0, 1} : g::vec3{1, 0, 0};
    const g::vec3 e = g::normalize(g::cross(axis, v)), f = g::cross(v, e);
    const double cr = std::cos(r * rad), sr = std::sin(r * rad);
    for (int k = 0; k < n; ++k) {
        const double t = 2 * M_PI * k / n, a = sr * std::cos(t), b = sr * std::sin(t);
        out.push_back(g::to_lonlat({cr * v.x + a * e.x + b * f.x, cr * v.y + a * e.y + b * f.y, cr * v.z + a * e.z + b * f.z}));
    }
}

// Points along the minor great-circle arc a-b, a included, b not.
void arc(const g::lonlat& a, const g::lonlat& b, int steps, std::vector<g::lonlat>& out) {
    const g::vec3 va = g::to_vec(a.lon, a.lat), vb = g::to_vec(b.lon, b.lat);
    const double w = g::distance_deg(va, vb) * rad;
    for (int k = 0; k < steps; ++k) {
        const double t = static_cast<double>(k) / steps;
        if (w < 1e-15) {
            out.push_back(a);
            continue;
        }
        const double s1 = std::sin((1 - t) * w) / std::sin(w), s2 = std::sin(t * w) / std::sin(w);
        out.push_back(g::to_lonlat({s1 * va.x + s2 * vb.x, s1 * va.y + s2 * vb.y, s1 * va.z + s2 * vb.z}));
    }
}

struct range_bounds {
    double lon1, lon2, lat1, lat2;
};
range_bounds bounds_of_range(const dali::shape& s) {
    const auto& n = s.numbers;
    const double inf = std::numeric_limits<double>::infinity();
    return {n[0] == -inf ? 0.0 : n[0], n[1] == inf ? 360.0 : n[1], std::max(-90.0, n[2]), std::min(90.0, n[3])};
}

// The boundary samples of the region, and whether each pole is inside it.
std::vector<g::lonlat> boundary(const dali::shape& s, bool& north, bool& south) {
    std::vector<g::lonlat> pts;
    const auto& n = s.numbers;
    switch (s.kind) {
    case dali::shape::kind_t::point:
        pts.push_back({n[0], n[1]});
        north = south = false;
        break;
    case dali::shape::kind_t::circle: {
        const g::lonlat c{n[0], n[1]};
        circle_points(c, n[2], 256, pts);
        north = g::distance_deg(c.lon, c.lat, 0, 90) <= n[2];
        south = g::distance_deg(c.lon, c.lat, 0, -90) <= n[2];
        break;
    }
    case dali::shape::kind_t::polygon:
    case dali::shape::kind_t::box: {
        std::vector<g::lonlat> v;
        if (s.kind == dali::shape::kind_t::box) v = g::box_corners(n[0], n[1], n[2], n[3]);
        else
            for (std::size_t i = 0; i + 1 < n.size(); i += 2) v.push_back({n[i], n[i + 1]});
        for (std::size_t i = 0; i < v.size(); ++i) arc(v[i], v[(i + 1) % v.size()], 64, pts);
        const auto poly = g::make_polygon(v);
        north = g::point_in_polygon(g::to_vec(0, 90), poly);
        south = g::point_in_polygon(g::to_vec(0, -90), poly);
        break;
    }
    case dali::shape::kind_t::range: {
        const auto r = bounds_of_range(s);
        for (int k = 0; k <= 64; ++k) {
            const double f = k / 64.0, lon = r.lon1 + f * (r.lon2 - r.lon1), lat = r.lat1 + f * (r.lat2 - r.lat1);
            pts.push_back({std::fmod(lon, 360.0), r.lat1});  // the sides of constant latitude
            pts.push_back({std::fmod(lon, 360.0), r.lat2});
            pts.push_back({std::fmod(r.lon1, 360.0), lat});  // the meridians
            pts.push_back({std::fmod(r.lon2, 360.0), lat});
        }
        north = r.lat2 >= 90;
        south = r.lat1 <= -90;
        break;
    }
    }
    return pts;
}

// Whether the region meets the image's footprint on the sphere (for regions some of whose
// samples do not project). A range 180 degrees wide or more is not one spherical polygon: it is
// taken in slices under 180 degrees; a whole band of longitude by latitude alone.
bool meets_footprint(const sky_wcs& wcs, const dali::shape& s) {
    const auto fp = wcs.footprint();
    if (fp.size() < 3) return true;
    g::shape image;
    image.kind = g::shape::kind_t::polygon;
    image.poly = g::make_polygon(fp);
    if (auto region = s.sphere()) return g::intersects(*region, image).value_or(true);
    if (s.kind != dali::shape::kind_t::range) return true;
    const auto r = bounds_of_range(s);
    const auto lat = g::cap_lat_range(g::to_lonlat(image.poly.cap_center), image.poly.cap_radius_deg);
    if (lat[1] < r.lat1 || lat[0] > r.lat2) return false;
    const double width = r.lon2 - r.lon1;
    if (width >= 360) return true;
    const int slices = static_cast<int>(width / 170) + 1;
    for (int k = 0; k < slices; ++k) {
        dali::shape slice = s;
        slice.numbers = {r.lon1 + width * k / slices, r.lon1 + width * (k + 1) / slices, r.lat1, r.lat2};
        auto piece = slice.sphere();
        if (!piece || g::intersects(*piece, image).value_or(true)) return true;
    }
    return false;
}

}  // namespace

std::optional<pixel_box> cutout_box(const sky_wcs& wcs, const dali::shape& region) {
    const long nx = wcs.width(), ny = wcs.height();
    if (region.kind == dali::shape::kind_t::circle && region.numbers[2] >= 90) {
        // More than a hemisphere: the region is all but the cap around the antipode. Nothing when
        // the image lies inside that cap, else (conservatively) the whole image.
        const g::lonlat anti = g::to_lonlat(g::to_vec(region.numbers[0] + 180, -region.numbers[1]));
        const double hole = 180 - region.numbers[2];
        const auto fp = wcs.footprint();
        const bool inside = !fp.empty() && std::all_of(fp.begin(), fp.end(), [&](const g::lonlat& p) {
            return g::distance_deg(p.lon, p.lat, anti.lon, anti.lat) < hole;
        });
        if (inside) return std::nullopt;
        return pixel_box{1, nx, 1, ny};
    }
    bool north = false, south = false;
    const auto pts = boundary(region, north, south);
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    bool failed = false;
    // A boundary sample that does not project leaves the box unknown; a pole that does not
    // project is simply not in the image.
    auto add = [&](const std::array<double, 2>& xy, bool boundary_point) {
        if (!std::isfinite(xy[0]) || !std::isfinite(xy[1])) {
            failed = failed || boundary_point;
            return;
        }
        xmin = std::min(xmin, xy[0]), xmax = std::max(xmax, xy[0]);
        ymin = std::min(ymin, xy[1]), ymax = std::max(ymax, xy[1]);
    };
    for (const auto& xy : wcs.to_pixels(pts)) add(xy, true);
    // A pole is a point on most projections but a line on cylindrical ones (CAR, MER, CEA):
    // projected at every 5 degrees of longitude.
    // The two ends of that line lie on either side of the map's seam, opposite its centre.
    if (north || south) {
        std::vector<double> lons;
        for (int k = 0; k < 72; ++k) lons.push_back(5.0 * k);
        const double seam = wcs.centre().lon + 180;
        lons.insert(lons.end(), {std::fmod(seam + 1e-7, 360.0), std::fmod(seam + 360 - 1e-7, 360.0)});
        std::vector<g::lonlat> poles;
        for (double lon : lons) {
            if (north) poles.push_back({lon, 90});
            if (south) poles.push_back({lon, -90});
        }
        for (const auto& xy : wcs.to_pixels(poles)) add(xy, false);
    }
    // Between two samples the true boundary may bulge outwards by up to 1 - cos(pi / 256) of the
    // radius (7.5e-5): the extents grow by 1e-4 of their half-widths.
    const double pad_x = 1e-4 * (xmax - xmin) / 2, pad_y = 1e-4 * (ymax - ymin) / 2;
    xmin -= pad_x, xmax += pad_x, ymin -= pad_y, ymax += pad_y;
    pixel_box b;
    if (failed) {
        if (!meets_footprint(wcs, region)) return std::nullopt;
        b = {1, nx, 1, ny};
    } else {
        // Pixel i spans [i - 0.5, i + 0.5).
        b = {static_cast<long>(std::floor(std::max(xmin, -1.0) + 0.5)), static_cast<long>(std::floor(std::min(xmax, nx + 2.0) + 0.5)),
             static_cast<long>(std::floor(std::max(ymin, -1.0) + 0.5)), static_cast<long>(std::floor(std::min(ymax, ny + 2.0) + 0.5))};
        b = {std::max(b.x1, 1L), std::min(b.x2, nx), std::max(b.y1, 1L), std::min(b.y2, ny)};
    }
    if (b.x1 > b.x2 || b.y1 > b.y2) return std::nullopt;
    return b;
}

std::string region_text(const dali::shape& s) {
    static const char* const names[] = {"POINT", "CIRCLE", "POLYGON", "RANGE", "BOX"};
    std::string out = names[static_cast<int>(s.kind)];
    for (double v : s.numbers) out += " " + g::format_number(v);
    return out;
}

}  // namespace dax::image
