#include <cctype>
#include <cstdint>
#include <dax/geometry/sphere.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace dax::geometry {

namespace {
constexpr double pi = 3.14159265358979323846;
constexpr double deg = pi / 180.0;
// Tolerance for boundary decisions, in radians on the unit sphere (~2e-9 arcsec).
constexpr double eps = 1e-14;
}  // namespace

vec3 to_vec(double lon, double lat) {
    const double l = lon * deg, b = lat * deg;
    const double cb = std::cos(b);
    return {cb * std::cos(l), cb * std::sin(l), std::sin(b)};
}

lonlat to_lonlat(const vec3& v) {
    double lon = std::atan2(v.y, v.x) / deg;
    if (lon < 0) lon += 360.0;
    if (lon >= 360.0) lon -= 360.0;
    const double lat = std::atan2(v.z, std::hypot(v.x, v.y)) / deg;
    return {lon, lat};
}

vec3 cross(const vec3& a, const vec3& b) {
    return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

double dot(const vec3& a, const vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

vec3 normalize(const vec3& v) {
    const double n = std::sqrt(dot(v, v));
    if (n == 0) return v;
    return {v.x / n, v.y / n, v.z / n};
}

double distance_deg(const vec3& a, const vec3& b) {
    const vec3 c = cross(a, b);
    return std::atan2(std::sqrt(dot(c, c)), dot(a, b)) / deg;
}

double distance_deg(double lon1, double lat1, double lon2, double lat2) {
    return distance_deg(to_vec(lon1, lat1), to_vec(lon2, lat2));
}

bool prepare(polygon& p) {
    const auto& v = p.vertices;
    if (v.size() < 3) return false;
    vec3 sum{};
    for (size_t i = 0; i < v.size(); ++i) {
        const vec3 n = cross(v[i], v[(i + 1) % v.size()]);
        if (dot(n, n) < eps * eps) return false;  // repeated or antipodal vertices
        sum = {sum.x + v[i].x, sum.y + v[i].y, sum.z + v[i].z};
    }
    if (dot(sum, sum) < eps) return false;
    p.cap_center = normalize(sum);
    double r = 0;
    for (const auto& x : v) r = std::max(r, distance_deg(p.cap_center, x));
    p.cap_radius_deg = r;
    return true;
}

polygon make_polygon(const std::vector<lonlat>& vs) {
    polygon p;
    for (const auto& v : vs) p.vertices.push_back(to_vec(v.lon, v.lat));
    prepare(p);
    return p;
}

std::vector<lonlat> box_corners(double lon, double lat, double width, double height) {
    // Corners in the tangent plane at the centre are (+-tan(w/2), +-tan(h/2)): the great circles
    // at right angles to the arms meet there (gnomonic projection keeps great circles straight).
    const vec3 c = to_vec(lon, lat);
    const double l = lon * deg, b = lat * deg;
    const vec3 east{-std::sin(l), std::cos(l), 0};
    const vec3 north{-std::sin(b) * std::cos(l), -std::sin(b) * std::sin(l), std::cos(b)};
    const double tx = std::tan(width / 2 * deg), ty = std::tan(height / 2 * deg);
    const double sx[] = {-1, 1, 1, -1}, sy[] = {-1, -1, 1, 1};  // counter-clockwise
    std::vector<lonlat> out;
    for (int i = 0; i < 4; ++i) {
        vec3 v{c.x + sx[i] * tx * east.x + sy[i] * ty * north.x,
               c.y + sx[i] * tx * east.y + sy[i] * ty * north.y,
               c.z + sx[i] * tx * east.z + sy[i] * ty * north.z};
        out.push_back(to_lonlat(normalize(v)));
    }
    return out;
}

bool point_in_circle(const vec3& p, const vec3& c, double radius_deg) {
    return distance_deg(p, c) <= radius_deg;
}

bool arcs_cross(const vec3& a, const vec3& b, const vec3& c, const vec3& d) {
    // Minor arcs a-b and c-d cross iff c, d lie on opposite sides of the plane of a-b and
    // a, b on opposite sides of the plane of c-d, with consistent orientation.
    const vec3 ab = cross(a, b);
    const double acb = -dot(ab, c), bda = dot(ab, d);
    if (acb * bda <= 0) return false;
    const vec3 cd = cross(c, d);
    const double cbd = -dot(cd, b), dac = dot(cd, a);
    return acb * cbd > 0 && acb * dac > 0;
}

bool point_in_polygon(const vec3& p, const polygon& poly) {
    const auto& v = poly.vertices;
    if (v.size() < 3) return false;
    const double dc = distance_deg(p, poly.cap_center);
    if (dc > poly.cap_radius_deg + 1e-9) return false;
    // Crossing count along the arc from p to a reference point just outside the bounding cap.
    vec3 axis = std::abs(poly.cap_center.z) < 0.9 ? vec3{0, 0, 1} : vec3{1, 0, 0};
    vec3 perp = normalize(cross(poly.cap_center, axis));
    const double rr = std::min(poly.cap_radius_deg + 0.5, 179.0) * deg;
    vec3 q{poly.cap_center.x * std::cos(rr) + perp.x * std::sin(rr),
           poly.cap_center.y * std::cos(rr) + perp.y * std::sin(rr),
           poly.cap_center.z * std::cos(rr) + perp.z * std::sin(rr)};
    // Split the path p -> q at the cap centre side so each piece is a minor arc.
    std::vector<std::pair<vec3, vec3>> path;
    if (distance_deg(p, q) < 170) {
        path.push_back({p, q});
    } else {
        vec3 m = normalize(cross(cross(p, q), p));  // 90 degrees from p towards q
        if (dot(m, q) < 0) m = {-m.x, -m.y, -m.z};
        path.push_back({p, m});
        path.push_back({m, q});
    }
    int crossings = 0;
    for (const auto& [s, e] : path)
        for (size_t i = 0; i < v.size(); ++i)
            if (arcs_cross(s, e, v[i], v[(i + 1) % v.size()])) ++crossings;
    if (crossings % 2 == 1) return true;
    // Points on the boundary count as inside (closed region, as for circles).
    for (size_t i = 0; i < v.size(); ++i)
        if (distance_to_arc_deg(p, v[i], v[(i + 1) % v.size()]) < 1e-11) return true;
    return false;
}

double distance_to_arc_deg(const vec3& p, const vec3& a, const vec3& b) {
    const vec3 n = normalize(cross(a, b));
    // Projection of p on the great circle of a-b; inside the arc if between a and b.
    const double pn = dot(p, n);
    vec3 proj{p.x - pn * n.x, p.y - pn * n.y, p.z - pn * n.z};
    if (dot(proj, proj) > 0) {
        proj = normalize(proj);
        if (dot(cross(a, proj), n) >= 0 && dot(cross(proj, b), n) >= 0) return distance_deg(p, proj);
    }
    return std::min(distance_deg(p, a), distance_deg(p, b));
}

bool is_convex(const std::vector<lonlat>& vs) {
    if (vs.size() < 3) return false;
    std::vector<vec3> v;
    for (const auto& x : vs) v.push_back(to_vec(x.lon, x.lat));
    int sign = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        const vec3 n = cross(v[i], v[(i + 1) % v.size()]);
        for (size_t j = 0; j < v.size(); ++j) {
            if (j == i || j == (i + 1) % v.size()) continue;
            const double d = dot(n, v[j]);
            if (std::abs(d) < 1e-15) continue;
            const int s = d > 0 ? 1 : -1;
            if (sign == 0) sign = s;
            else if (s != sign) return false;
        }
    }
    return sign != 0;
}

std::vector<lonlat> counter_clockwise(const std::vector<lonlat>& vs) {
    std::vector<vec3> v;
    for (const auto& x : vs) v.push_back(to_vec(x.lon, x.lat));
    vec3 c{};
    for (const auto& x : v) c = {c.x + x.x, c.y + x.y, c.z + x.z};
    double s = 0;
    for (size_t i = 0; i < v.size(); ++i) s += dot(cross(v[i], v[(i + 1) % v.size()]), c);
    if (s >= 0) return vs;
    return std::vector<lonlat>(vs.rbegin(), vs.rend());
}

double polygon_area_sr(const polygon& p) {
    // Sum of signed triangle areas (centre, v_i, v_i+1) by the Van Oosterom-Strackee formula.
    const auto& v = p.vertices;
    const vec3& c = p.cap_center;
    double total = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        const vec3& a = v[i];
        const vec3& b = v[(i + 1) % v.size()];
        const double num = dot(c, cross(a, b));
        const double den = 1 + dot(c, a) + dot(a, b) + dot(b, c);
        total += 2 * std::atan2(num, den);
    }
    return std::abs(total);
}

double circle_area_sr(double r) { return 2 * pi * (1 - std::cos(r * deg)); }

std::string format_number(double v) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, p);
}

std::string format_dali(const std::vector<double>& numbers) {
    std::string s;
    for (size_t i = 0; i < numbers.size(); ++i) {
        if (i) s += ' ';
        s += format_number(numbers[i]);
    }
    return s;
}

namespace {
bool polygon_in_circle(const polygon& p, const vec3& c, double r) {
    // A cap smaller than a hemisphere is convex, so it holds the edges if it holds the vertices.
    if (r >= 90) return false;
    for (const auto& v : p.vertices)
        if (!point_in_circle(v, c, r)) return false;
    return true;
}

bool edges_cross(const polygon& a, const polygon& b) {
    const auto& u = a.vertices;
    const auto& v = b.vertices;
    for (size_t i = 0; i < u.size(); ++i)
        for (size_t j = 0; j < v.size(); ++j)
            if (arcs_cross(u[i], u[(i + 1) % u.size()], v[j], v[(j + 1) % v.size()])) return true;
    return false;
}

double min_edge_distance(const polygon& p, const vec3& c) {
    double d = 180;
    const auto& v = p.vertices;
    for (size_t i = 0; i < v.size(); ++i) d = std::min(d, distance_to_arc_deg(c, v[i], v[(i + 1) % v.size()]));
    return d;
}
}  // namespace

std::optional<bool> contains(const shape& a, const shape& b) {
    using k = shape::kind_t;
    switch (a.kind) {
    case k::point:
        if (b.kind == k::circle) return point_in_circle(a.center, b.center, b.radius);
        if (b.kind == k::polygon) return point_in_polygon(a.center, b.poly);
        return distance_deg(a.center, b.center) == 0;
    case k::circle:
        if (b.kind == k::circle) return distance_deg(a.center, b.center) + a.radius <= b.radius;
        if (b.kind == k::polygon)
            return point_in_polygon(a.center, b.poly) && min_edge_distance(b.poly, a.center) >= a.radius;
        return a.radius == 0 && distance_deg(a.center, b.center) == 0;
    case k::polygon:
        if (b.kind == k::circle) return polygon_in_circle(a.poly, b.center, b.radius);
        if (b.kind == k::polygon) {
            for (const auto& v : a.poly.vertices)
                if (!point_in_polygon(v, b.poly)) return false;
            return !edges_cross(a.poly, b.poly);
        }
        return false;
    }
    return std::nullopt;
}

namespace {

// The cap (centre, radius in degrees) around a circle or polygon.
std::pair<vec3, double> cap_of(const shape& s) {
    if (s.kind == shape::kind_t::polygon) return {s.poly.cap_center, s.poly.cap_radius_deg};
    return {s.center, s.kind == shape::kind_t::circle ? s.radius : 0.0};
}

// True when the shapes' caps are certainly apart (a margin keeps touching shapes for the exact
// test): a dot product and a cosine instead of the edge tests, for the many rows a query misses.
bool caps_apart(const shape& a, const shape& b) {
    const auto [ca, ra] = cap_of(a);
    const auto [cb, rb] = cap_of(b);
    // A polygon's cap holds its edges only when it is smaller than a hemisphere (the radius is
    // measured to the vertices): no rejection otherwise.
    if ((a.kind == shape::kind_t::polygon && ra >= 90) || (b.kind == shape::kind_t::polygon && rb >= 90)) return false;
    const double reach = ra + rb + 1e-7;
    if (reach >= 180) return false;
    return dot(ca, cb) < std::cos(reach * pi / 180);
}

}  // namespace

std::optional<bool> intersects(const shape& a, const shape& b) {
    using k = shape::kind_t;
    if (a.kind == k::point) return contains(a, b);
    if (b.kind == k::point) return contains(b, a);
    if (caps_apart(a, b)) return false;
    if (a.kind == k::circle && b.kind == k::circle)
        return distance_deg(a.center, b.center) <= a.radius + b.radius;
    if (a.kind == k::polygon && b.kind == k::polygon) {
        if (edges_cross(a.poly, b.poly)) return true;
        return point_in_polygon(a.poly.vertices[0], b.poly) || point_in_polygon(b.poly.vertices[0], a.poly);
    }
    const shape& c = a.kind == k::circle ? a : b;
    const shape& p = a.kind == k::circle ? b : a;
    if (point_in_polygon(c.center, p.poly)) return true;
    return min_edge_distance(p.poly, c.center) <= c.radius;
}

double area_deg2(const shape& s) {
    const double sr_to_deg2 = (180 / pi) * (180 / pi);
    switch (s.kind) {
    case shape::kind_t::point: return 0;
    case shape::kind_t::circle: return circle_area_sr(s.radius) * sr_to_deg2;
    case shape::kind_t::polygon: return polygon_area_sr(s.poly) * sr_to_deg2;
    }
    return 0;
}

lonlat centroid(const shape& s) {
    if (s.kind == shape::kind_t::polygon) return to_lonlat(s.poly.cap_center);
    return to_lonlat(s.center);
}

std::array<double, 2> cap_lat_range(const lonlat& c, double r) {
    return {std::max(-90.0, c.lat - r), std::min(90.0, c.lat + r)};
}

}  // namespace dax::geometry
