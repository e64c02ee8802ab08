// SQLite implementations of the ADQL geometry functions, on top of geometry/sphere.
#include <dax/sqlite/functions.hpp>
#include <dax/dali/shapes.hpp>

#include <dax/geometry/sphere.hpp>

#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace dax::sqlite {

namespace {

namespace g = dax::geometry;

bool any_null(int argc, sqlite3_value** argv) {
    for (int i = 0; i < argc; ++i)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return true;
    return false;
}

double num(sqlite3_value* v) { return sqlite3_value_double(v); }

void result_text(sqlite3_context* ctx, const std::string& s) {
    sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

std::string text_of(sqlite3_value* v) {
    const unsigned char* t = sqlite3_value_text(v);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_value_bytes(v)) : std::string();
}

// A shape argument kept for the statement when it is constant (SQLite keeps auxdata only then).
struct cached_shape {
    std::string text;
    g::shape shape;
};

// Text keys found by a string_view (no copy of a column value per row).
struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

const g::shape* shape_arg(sqlite3_context* ctx, sqlite3_value** argv, int i) {
    const unsigned char* raw = sqlite3_value_text(argv[i]);
    const std::string_view t = raw ? std::string_view(reinterpret_cast<const char*>(raw), sqlite3_value_bytes(argv[i])) : std::string_view();
    if (auto* c = static_cast<cached_shape*>(sqlite3_get_auxdata(ctx, i)); c && c->text == t) return &c->shape;
    // A column's values (s_region) repeat from query to query: small ones are kept per thread
    // by their text, at most 1,024 of at most 2 KB (never evicted, so pointers stay valid).
    thread_local std::unordered_map<std::string, g::shape, text_hash, std::equal_to<>> parsed;
    if (auto it = parsed.find(t); it != parsed.end()) return &it->second;
    auto s = dax::dali::read_shape(t);
    if (!s) {
        std::string msg = "not a DALI point, circle or polygon: '" + std::string(t.substr(0, 60)) + "'";
        sqlite3_result_error(ctx, msg.c_str(), -1);
        return nullptr;
    }
    if (t.size() <= 2048 && parsed.size() < 1024) return &parsed.emplace(std::string(t), *s).first->second;
    thread_local g::shape scratch[3];
    scratch[i % 3] = *s;
    sqlite3_set_auxdata(ctx, i, new cached_shape{std::string(t), std::move(*s)},
                        [](void* p) { delete static_cast<cached_shape*>(p); });
    return &scratch[i % 3];
}

// Collects numbers from arguments [from, argc): plain numbers, or DALI points (text).
bool collect_vertices(sqlite3_context* ctx, int argc, sqlite3_value** argv, int from, std::vector<double>& out) {
    for (int i = from; i < argc; ++i) {
        if (sqlite3_value_type(argv[i]) == SQLITE_TEXT) {
            auto s = dax::dali::read_shape(text_of(argv[i]));
            if (!s || s->kind != g::shape::kind_t::point) {
                sqlite3_result_error(ctx, "shape arguments must be numbers or points", -1);
                return false;
            }
            out.push_back(s->numbers[0]);
            out.push_back(s->numbers[1]);
        } else {
            out.push_back(num(argv[i]));
        }
    }
    return true;
}

void f_point(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    result_text(ctx, g::format_dali({num(argv[0]), num(argv[1])}));
}

// CIRCLE(point, r) or CIRCLE(lon, lat, r): a DALI point argument counts as its two numbers.
void f_circle(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    std::vector<double> n;
    if (!collect_vertices(ctx, argc, argv, 0, n)) return;
    if (n.size() != 3) return sqlite3_result_error(ctx, "a circle needs a centre and a radius", -1);
    result_text(ctx, g::format_dali(n));
}

std::vector<double> box_numbers(double lon, double lat, double w, double h) {
    std::vector<double> n;
    for (const auto& c : g::box_corners(lon, lat, w, h)) {
        n.push_back(c.lon);
        n.push_back(c.lat);
    }
    return n;
}

// BOX(point, w, h) or BOX(lon, lat, w, h).
void f_box(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    std::vector<double> c;
    if (!collect_vertices(ctx, argc, argv, 0, c)) return;
    if (c.size() != 4) return sqlite3_result_error(ctx, "a box needs a centre, a width and a height", -1);
    result_text(ctx, g::format_dali(box_numbers(c[0], c[1], c[2], c[3])));
}

void f_polygon(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    std::vector<double> n;
    if (!collect_vertices(ctx, argc, argv, 0, n)) return;
    if (n.size() < 6 || n.size() % 2) return sqlite3_result_error(ctx, "a polygon needs at least 3 vertices", -1);
    result_text(ctx, g::format_dali(n));
}

void f_pt_in_circle(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    const g::vec3 p = g::to_vec(num(argv[0]), num(argv[1]));
    const g::vec3 c = g::to_vec(num(argv[2]), num(argv[3]));
    sqlite3_result_int(ctx, g::point_in_circle(p, c, num(argv[4])) ? 1 : 0);
}

// Polygon from arguments [2, argc), cached on argument 2 while the vertices stay the same.
struct cached_polygon {
    std::vector<double> numbers;
    g::polygon poly;
    bool ok = false;
};

const cached_polygon* polygon_args(sqlite3_context* ctx, int argc, sqlite3_value** argv, bool box) {
    std::vector<double> n;
    for (int i = 2; i < argc; ++i) n.push_back(num(argv[i]));
    auto* c = static_cast<cached_polygon*>(sqlite3_get_auxdata(ctx, 2));
    if (c && c->numbers == n) return c;
    auto* fresh = new cached_polygon;
    fresh->numbers = n;
    std::vector<g::lonlat> vs;
    if (box) {
        vs = g::box_corners(n[0], n[1], n[2], n[3]);
    } else {
        for (size_t i = 0; i + 1 < n.size(); i += 2) vs.push_back({n[i], n[i + 1]});
    }
    fresh->poly = g::make_polygon(vs);
    fresh->ok = g::prepare(fresh->poly);
    sqlite3_set_auxdata(ctx, 2, fresh, [](void* p) { delete static_cast<cached_polygon*>(p); });
    if (auto* kept = static_cast<cached_polygon*>(sqlite3_get_auxdata(ctx, 2))) return kept;
    thread_local cached_polygon scratch;
    scratch.numbers = n;
    scratch.poly = g::make_polygon(vs);
    scratch.ok = g::prepare(scratch.poly);
    return &scratch;
}

void f_pt_in_polygon(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    if (argc < 8 || argc % 2) return sqlite3_result_error(ctx, "dax_pt_in_polygon: need a point and at least 3 vertices", -1);
    const cached_polygon* c = polygon_args(ctx, argc, argv, false);
    if (!c->ok) return sqlite3_result_error(ctx, "degenerate polygon (repeated or antipodal vertices)", -1);
    sqlite3_result_int(ctx, g::point_in_polygon(g::to_vec(num(argv[0]), num(argv[1])), c->poly) ? 1 : 0);
}

void f_pt_in_box(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    const cached_polygon* c = polygon_args(ctx, argc, argv, true);
    if (!c->ok) return sqlite3_result_error(ctx, "degenerate box", -1);
    sqlite3_result_int(ctx, g::point_in_polygon(g::to_vec(num(argv[0]), num(argv[1])), c->poly) ? 1 : 0);
}

void f_pt_in_region(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    const g::shape* r = shape_arg(ctx, argv, 2);
    if (!r) return;
    g::shape p;
    p.kind = g::shape::kind_t::point;
    p.center = g::to_vec(num(argv[0]), num(argv[1]));
    auto v = g::contains(p, *r);
    sqlite3_result_int(ctx, v.value_or(false) ? 1 : 0);
}

void f_relation(sqlite3_context* ctx, int argc, sqlite3_value** argv, bool contain) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    const g::shape* a = shape_arg(ctx, argv, 0);
    if (!a) return;
    const g::shape* b = shape_arg(ctx, argv, 1);
    if (!b) return;
    auto v = contain ? g::contains(*a, *b) : g::intersects(*a, *b);
    if (!v) return sqlite3_result_error(ctx, "unsupported combination of geometries", -1);
    sqlite3_result_int(ctx, *v ? 1 : 0);
}

void f_contains(sqlite3_context* ctx, int argc, sqlite3_value** argv) { f_relation(ctx, argc, argv, true); }
void f_intersects(sqlite3_context* ctx, int argc, sqlite3_value** argv) { f_relation(ctx, argc, argv, false); }

void f_distance(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    if (argc == 4) return sqlite3_result_double(ctx, g::distance_deg(num(argv[0]), num(argv[1]), num(argv[2]), num(argv[3])));
    const g::shape* a = shape_arg(ctx, argv, 0);
    if (!a) return;
    const g::shape* b = shape_arg(ctx, argv, 1);
    if (!b) return;
    if (a->kind != g::shape::kind_t::point || b->kind != g::shape::kind_t::point)
        return sqlite3_result_error(ctx, "DISTANCE takes two points", -1);
    sqlite3_result_double(ctx, g::distance_deg(a->center, b->center));
}

void f_area(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    const g::shape* a = shape_arg(ctx, argv, 0);
    if (!a) return;
    sqlite3_result_double(ctx, g::area_deg2(*a));
}

void f_centroid(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    if (any_null(argc, argv)) return sqlite3_result_null(ctx);
    const g::shape* a = shape_arg(ctx, argv, 0);
    if (!a) return;
    auto c = g::centroid(*a);
    result_text(ctx, g::format_dali({c.lon, c.lat}));
}

void f_coord(sqlite3_context* ctx, sqlite3_value** argv, int which) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
    const g::shape* a = shape_arg(ctx, argv, 0);
    if (!a) return;
    if (a->kind != g::shape::kind_t::point) return sqlite3_result_error(ctx, "COORD1/COORD2 take a point", -1);
    sqlite3_result_double(ctx, a->numbers[which]);
}
void f_coord1(sqlite3_context* ctx, int, sqlite3_value** argv) { f_coord(ctx, argv, 0); }
void f_coord2(sqlite3_context* ctx, int, sqlite3_value** argv) { f_coord(ctx, argv, 1); }

// dax_lat_bound(shape, 0|1): the lowest / highest latitude of the shape's bounding cap, what the
// region indexes hold (-90 / 90 for a value that is not a shape: such a row is never excluded).
void f_lat_bound(sqlite3_context* ctx, int, sqlite3_value** argv) {
    const bool high = sqlite3_value_int(argv[1]) != 0;
    const unsigned char* raw = sqlite3_value_text(argv[0]);
    std::optional<g::shape> s;
    if (raw) s = dax::dali::read_shape(std::string_view(reinterpret_cast<const char*>(raw), sqlite3_value_bytes(argv[0])));
    if (!s) return sqlite3_result_double(ctx, high ? 90.0 : -90.0);
    std::array<double, 2> r{-90.0, 90.0};
    switch (s->kind) {
    case g::shape::kind_t::point: r = g::cap_lat_range(g::to_lonlat(s->center), 0); break;
    case g::shape::kind_t::circle: r = g::cap_lat_range(g::to_lonlat(s->center), s->radius); break;
    case g::shape::kind_t::polygon:
        // A cap of 90 degrees or more does not hold the polygon's edges: the whole sphere.
        if (s->poly.cap_radius_deg < 90) r = g::cap_lat_range(g::to_lonlat(s->poly.cap_center), s->poly.cap_radius_deg);
        break;
    }
    if (!(r[0] <= r[1]) || !std::isfinite(r[0]) || !std::isfinite(r[1])) r = {-90.0, 90.0};  // never excluded
    sqlite3_result_double(ctx, high ? r[1] : r[0]);
}

}  // namespace

int register_functions(sqlite3* db) {
    struct def {
        const char* name;
        int nargs;
        void (*fn)(sqlite3_context*, int, sqlite3_value**);
    };
    static const def defs[] = {
        {"dax_point", 2, f_point},           {"dax_circle", 3, f_circle},
        {"dax_circle", 2, f_circle},         {"dax_box", 4, f_box},
        {"dax_box", 3, f_box},               {"dax_polygon", -1, f_polygon},
        {"dax_pt_in_circle", 5, f_pt_in_circle}, {"dax_pt_in_polygon", -1, f_pt_in_polygon},
        {"dax_pt_in_box", 6, f_pt_in_box},   {"dax_pt_in_region", 3, f_pt_in_region},
        {"dax_contains", 2, f_contains},     {"dax_intersects", 2, f_intersects},
        {"dax_distance", 4, f_distance},     {"dax_distance", 2, f_distance},
        {"dax_area", 1, f_area},             {"dax_centroid", 1, f_centroid},
        {"dax_coord1", 1, f_coord1},         {"dax_coord2", 1, f_coord2},
        {"dax_lat_bound", 2, f_lat_bound},
    };
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    for (const auto& d : defs) {
        int rc = sqlite3_create_function_v2(db, d.name, d.nargs, flags, nullptr, d.fn, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) return rc;
    }
    // ADQL's LIKE is case-sensitive (ILIKE is translated to lower() LIKE lower()).
    return sqlite3_exec(db, "PRAGMA case_sensitive_like = ON", nullptr, nullptr, nullptr);
}

}  // namespace dax::sqlite
