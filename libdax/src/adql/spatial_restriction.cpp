// Geometry known at translation time and the spatial restrictions built on it: constant
// shapes, DISTANCE bounds and the latitude/longitude bands that let a backend without a
// spatial index prefilter rows. Recognised once here for every dialect (see printer.hpp).
#include "printer.hpp"

#include <algorithm>
#include <cmath>

namespace dax::adql::detail {

std::optional<double> constant_value(const expr& e) {
    switch (e.kind) {
    case expr_kind::integer: case expr_kind::decimal: case expr_kind::real: {
        std::string t = e.text;
        if (!t.empty() && t.back() == '.') t.pop_back();
        try {
            return std::stod(t);
        } catch (...) {
            return std::nullopt;
        }
    }
    case expr_kind::negate: {
        auto v = constant_value(*e.args[0]);
        if (v) return -*v;
        return std::nullopt;
    }
    case expr_kind::add: case expr_kind::subtract: case expr_kind::multiply: case expr_kind::divide: {
        auto a = constant_value(*e.args[0]);
        auto b = constant_value(*e.args[1]);
        if (!a || !b) return std::nullopt;
        // Integer division is a backend matter: only fold it when exact.
        if (e.kind == expr_kind::divide) {
            if (*b == 0) return std::nullopt;
            if (e.args[0]->kind == expr_kind::integer && e.args[1]->kind == expr_kind::integer &&
                std::fmod(*a, *b) != 0)
                return std::nullopt;
            return *a / *b;
        }
        return e.kind == expr_kind::add ? *a + *b : e.kind == expr_kind::subtract ? *a - *b : *a * *b;
    }
    case expr_kind::function:
        if (e.fn == function_id::pi) return 3.14159265358979323846;
        return std::nullopt;
    default: return std::nullopt;
    }
}

bool point_coords(const expr& e, const expr*& x, const expr*& y) {
    if (e.kind != expr_kind::function || e.fn != function_id::point) return false;
    x = e.args[0].get();
    y = e.args[1].get();
    return true;
}

namespace {
std::optional<geometry::lonlat> constant_point(const expr& e) {
    const expr *x, *y;
    if (!point_coords(e, x, y)) return std::nullopt;
    auto a = constant_value(*x), b = constant_value(*y);
    if (!a || !b) return std::nullopt;
    return geometry::lonlat{*a, *b};
}
}  // namespace

std::optional<constant_shape> constant_geometry(const expr& e) {
    if (e.kind != expr_kind::function) return std::nullopt;
    constant_shape s;
    const auto& a = e.args;
    switch (e.fn) {
    case function_id::point: {
        auto p = constant_point(e);
        if (!p) return std::nullopt;
        s.kind = value_type::point;
        s.center = *p;
        return s;
    }
    case function_id::circle: {
        std::optional<geometry::lonlat> c;
        std::optional<double> r;
        if (a.size() == 3) {
            auto x = constant_value(*a[0]), y = constant_value(*a[1]);
            if (x && y) c = geometry::lonlat{*x, *y};
            r = constant_value(*a[2]);
        } else {
            c = constant_point(*a[0]);
            r = constant_value(*a[1]);
        }
        if (!c || !r) return std::nullopt;
        s.kind = value_type::circle;
        s.center = *c;
        s.radius = *r;
        return s;
    }
    case function_id::box: {
        std::optional<geometry::lonlat> c;
        std::optional<double> w, h;
        if (a.size() == 4) {
            auto x = constant_value(*a[0]), y = constant_value(*a[1]);
            if (x && y) c = geometry::lonlat{*x, *y};
            w = constant_value(*a[2]);
            h = constant_value(*a[3]);
        } else {
            c = constant_point(*a[0]);
            w = constant_value(*a[1]);
            h = constant_value(*a[2]);
        }
        if (!c || !w || !h) return std::nullopt;
        s.kind = value_type::polygon;
        s.vertices = geometry::box_corners(c->lon, c->lat, *w, *h);
        return s;
    }
    case function_id::polygon: {
        s.kind = value_type::polygon;
        if (a[0]->kind == expr_kind::function && a[0]->fn == function_id::point) {
            for (const auto& v : a) {
                auto p = constant_point(*v);
                if (!p) return std::nullopt;
                s.vertices.push_back(*p);
            }
        } else {
            if (a.size() % 2) return std::nullopt;
            for (size_t i = 0; i + 1 < a.size(); i += 2) {
                auto x = constant_value(*a[i]), y = constant_value(*a[i + 1]);
                if (!x || !y) return std::nullopt;
                s.vertices.push_back({*x, *y});
            }
        }
        return s;
    }
    default: return std::nullopt;
    }
}

std::pair<geometry::lonlat, double> bounding_cap(const constant_shape& s) {
    if (s.kind == value_type::polygon) {
        auto p = geometry::make_polygon(s.vertices);
        return {geometry::to_lonlat(p.cap_center), p.cap_radius_deg};
    }
    return {s.center, s.radius};
}

std::optional<distance_bound> distance_within(const expr& e) {
    if (e.kind != expr_kind::compare) return std::nullopt;
    auto is_dist = [](const expr& x) { return x.kind == expr_kind::function && x.fn == function_id::distance; };
    distance_bound b;
    if (is_dist(*e.args[0]) && (e.op == compare_op::lt || e.op == compare_op::le)) {
        b.distance = e.args[0].get();
        b.radius = e.args[1].get();
        b.strict = e.op == compare_op::lt;
    } else if (is_dist(*e.args[1]) && (e.op == compare_op::gt || e.op == compare_op::ge)) {
        b.distance = e.args[1].get();
        b.radius = e.args[0].get();
        b.strict = e.op == compare_op::gt;
    } else {
        return std::nullopt;
    }
    if (b.radius->kind == expr_kind::function && b.radius->fn == function_id::distance) return std::nullopt;
    return b;
}

bool distance_coords(const expr& d, const expr* c[4]) {
    if (d.args.size() == 4) {
        for (int i = 0; i < 4; ++i) c[i] = d.args[i].get();
        return true;
    }
    return point_coords(*d.args[0], c[0], c[1]) && point_coords(*d.args[1], c[2], c[3]);
}

namespace {
std::optional<lat_band> band(const expr* lon, const expr* lat, const geometry::lonlat& center, double radius) {
    if (!lat || lat->kind != expr_kind::column || radius < 0 || radius >= 90) return std::nullopt;
    // A centre given beyond a pole (CIRCLE(10, 100, 3)) is a valid point elsewhere to the exact
    // tests (pgSphere: (190, 80)); no band is derived from its numbers.
    if (!std::isfinite(center.lon) || !std::isfinite(center.lat) || std::abs(center.lat) > 90) return std::nullopt;
    auto r = geometry::cap_lat_range(center, radius);
    // Rounded outwards to 1e-9 degree (printed with 9 decimals), with a margin of 1e-7 degree:
    // pgSphere counts points up to 1e-9 radian (5.7e-8 degree) outside a circle as inside, and
    // the band must keep every row the exact test keeps.
    constexpr double margin = 1e-7;
    lat_band b{lat, std::floor((r[0] - margin) * 1e9) / 1e9, std::ceil((r[1] + margin) * 1e9) / 1e9};
    // The widest longitude offset on a cap that avoids the poles: asin(sin r / cos dec0).
    const double rad = M_PI / 180;
    if (lon && lon->kind == expr_kind::column && std::abs(center.lat) + radius < 89) {
        const double w = std::asin(std::min(1.0, std::sin(radius * rad) / std::cos(center.lat * rad))) / rad;
        const double c = std::fmod(std::fmod(center.lon, 360) + 360, 360);
        const double lo = std::floor((c - w - margin) * 1e9) / 1e9, hi = std::ceil((c + w + margin) * 1e9) / 1e9;
        if (lo >= 0 && hi < 360) {
            b.lon_column = lon;
            b.lon_lo = lo;
            b.lon_hi = hi;
        }
    }
    return b;
}
}  // namespace

std::optional<lat_band> band_for_predicate(const expr& fn) {
    for (int side = 0; side < 2; ++side) {
        if (fn.fn == function_id::contains && side == 1) break;  // CONTAINS(point, shape) only
        const expr *x, *y;
        if (!point_coords(*fn.args[side], x, y)) continue;
        auto shape = constant_geometry(*fn.args[1 - side]);
        if (!shape || shape->kind == value_type::point) continue;
        auto [c, r] = bounding_cap(*shape);
        return band(x, y, c, r);
    }
    return std::nullopt;
}

std::optional<spatial_restriction> spatial_restriction_of(const expr& e) {
    if (e.kind != expr_kind::compare) return std::nullopt;
    if (e.op == compare_op::eq || e.op == compare_op::ne) {
        for (int side = 0; side < 2; ++side) {
            const auto& f = *e.args[side];
            const auto& v = *e.args[1 - side];
            if (f.kind == expr_kind::function && (f.fn == function_id::contains || f.fn == function_id::intersects) &&
                v.kind == expr_kind::integer && (v.text == "0" || v.text == "1")) {
                spatial_restriction r;
                r.predicate = &f;
                r.truth = (v.text == "1") == (e.op == compare_op::eq);
                if (r.truth) r.band = band_for_predicate(f);
                return r;
            }
        }
    }
    if (auto d = distance_within(e)) {
        spatial_restriction r;
        r.distance = d;
        r.band = band_for_distance(*d);
        return r;
    }
    return std::nullopt;
}

std::optional<lat_band> band_for_distance(const distance_bound& d) {
    const expr* c[4];
    if (!distance_coords(*d.distance, c)) return std::nullopt;
    auto r = constant_value(*d.radius);
    if (!r) return std::nullopt;
    for (int side = 0; side < 2; ++side) {
        auto x = constant_value(*c[2 * (1 - side)]), y = constant_value(*c[2 * (1 - side) + 1]);
        if (x && y) return band(c[2 * side], c[2 * side + 1], {*x, *y}, *r);
    }
    return std::nullopt;
}

}  // namespace dax::adql::detail
