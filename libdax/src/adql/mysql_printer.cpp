// ADQL -> MySQL/MariaDB with plain SQL spherical math (no extension), and the Qserv flavour
// that emits the sciSQL UDFs Rubin's Qserv recognises for spatial restrictions.
#include "functions.hpp"
#include <dax/dali/shapes.hpp>
#include "printer.hpp"

#include <cmath>
#include <fmt/format.h>

namespace dax::adql::detail {
namespace {

bool is_ctor(const expr& e, function_id f) { return e.kind == expr_kind::function && e.fn == f; }

class mysql_printer : public printer {
protected:
    virtual const char* name() const { return "MySQL"; }

    // MySQL takes an unqualified * only as the first item: later, the one table's t.*.
    void star_item(const select_item& it, bool first) override {
        if (first) {
            out += '*';
        } else if (!it.all_of_sql.empty()) {
            star_qualifier(it.all_of_sql);
            out += ".*";
        } else {
            throw error(it.span, fmt::format("* after other select items is not supported on {} when several tables are "
                                             "joined: put * first, or write t.* for each table", name()));
        }
    }

    void ident(std::string_view n) override {
        out += '`';
        for (char c : n) {
            if (c == '`') out += '`';
            out += c;
        }
        out += '`';
    }

    void string_literal(std::string_view s) override {
        // MySQL reads backslash escapes in strings unless NO_BACKSLASH_ESCAPES is set.
        out += '\'';
        for (char c : s) {
            if (c == '\'') out += '\'';
            else if (c == '\\') out += '\\';
            out += c;
        }
        out += '\'';
    }

    void concat(const expr& e) override {
        out += "CONCAT(";
        args(e);
        out += ')';
    }

    void like(const expr& e) override {
        if (e.kind == expr_kind::like) {
            // LIKE follows the column collation (often case-insensitive); ADQL's LIKE is not.
            emit(*e.args[0], 4);
            out += e.negated ? " NOT LIKE BINARY " : " LIKE BINARY ";
            emit(*e.args[1], 4, true);
            return;
        }
        ilike_by_folding(e, "LOWER");
    }

    void cast(const expr& e) override {
        const auto& n = e.cast.name;
        if (n == "POINT" || n == "CIRCLE" || n == "POLYGON") return emit(*e.args[0]);  // geometry values are DALI strings
        out += "CAST(";
        emit(*e.args[0]);
        if (n == "SMALLINT" || n == "INTEGER" || n == "BIGINT") out += " AS SIGNED)";
        else if (n == "REAL") out += " AS FLOAT)";
        else if (n == "DOUBLE PRECISION") out += " AS DOUBLE)";
        else if (n == "CHAR" || n == "VARCHAR") out += e.cast.length ? fmt::format(" AS CHAR({}))", *e.cast.length) : " AS CHAR)";
        else if (n == "TIMESTAMP") out += " AS DATETIME)";
        else throw error(e.span, fmt::format("CAST to {} is not supported on {}", n, name()));
    }

    void limit_offset(std::optional<std::int64_t> limit, std::optional<std::int64_t> offset) override {
        if (!limit && offset) out += " LIMIT 18446744073709551615";  // MySQL has no OFFSET without LIMIT
        printer::limit_offset(limit, offset);
    }

    void join_keyword(const table_ref& t) override {
        if (t.join == join_kind::full) throw error(t.span, fmt::format("FULL OUTER JOIN is not supported on {}", name()));
        printer::join_keyword(t);
    }

    void subquery_in(const expr& e) override {
        const auto& q = *e.sub;
        bool limited = q.limit || q.offset || (q.body->select && q.body->select->top);
        if (!limited) {
            printer::subquery_in(e);
            return;
        }
        // MySQL refuses LIMIT directly inside IN (...): go through a derived table.
        emit(*e.args[0], 4);
        out += e.negated ? " NOT IN (SELECT * FROM (" : " IN (SELECT * FROM (";
        query(q, false);
        out += ") AS ";
        ident(fmt::format("dax_in{}", ++derived_counter_));
        out += ')';
    }

    void math_function(const expr& e) override {
        switch (e.fn) {
        case function_id::log: call("LN", e); return;
        case function_id::rand: call("RAND", e); return;
        case function_id::truncate:
            out += "TRUNCATE(";
            emit(*e.args[0]);
            out += ", ";
            if (e.args.size() == 2) emit(*e.args[1]);
            else out += '0';
            out += ')';
            return;
        case function_id::in_unit: printer::math_function(e); return;
        default: call(to_upper(builtin_name(e.fn)), e);
        }
    }

    // -- plain-SQL spherical math --

    void angular_distance(const expr* c[4]) {
        // Haversine: accurate for small separations, which cone searches and cross-matches use.
        const std::string lon1 = printed(*c[0]), lat1 = printed(*c[1]), lon2 = printed(*c[2]), lat2 = printed(*c[3]);
        out += fmt::format(
            "DEGREES(2 * ASIN(LEAST(1, SQRT(POWER(SIN((RADIANS({3}) - RADIANS({1})) / 2), 2) + COS(RADIANS({1})) * "
            "COS(RADIANS({3})) * POWER(SIN((RADIANS({2}) - RADIANS({0})) / 2), 2)))))",
            lon1, lat1, lon2, lat2);
    }

    void unsupported(const expr& e, std::string_view what) {
        throw error(e.span, fmt::format("{} is not supported on {}", what, name()));
    }

    virtual void point_in(const expr& x, const expr& y, const expr& region) {
        const expr* c[4] = {&x, &y, nullptr, nullptr};
        if (is_ctor(region, function_id::circle)) {
            if (region.args.size() == 3) {
                c[2] = region.args[0].get();
                c[3] = region.args[1].get();
            } else if (!point_coords(*region.args[0], c[2], c[3])) {
                unsupported(region, "CIRCLE with a centre that is not POINT(lon, lat)");
            }
            out += '(';
            angular_distance(c);
            out += " <= ";
            emit(*region.args.back(), 5);
            out += ')';
            return;
        }
        auto s = constant_geometry(region);
        if (!s || s->kind != value_type::polygon)
            unsupported(region, "a region that is not a CIRCLE or a constant POLYGON/BOX");
        if (!geometry::is_convex(s->vertices))
            throw error(region.span, fmt::format("POLYGON must be convex on {}", name()));
        // Inside a convex polygon (counter-clockwise) = on the left of every edge's great circle.
        auto v = geometry::counter_clockwise(s->vertices);
        out += '(';
        for (size_t i = 0; i < v.size(); ++i) {
            auto n = geometry::cross(geometry::to_vec(v[i].lon, v[i].lat), geometry::to_vec(v[(i + 1) % v.size()].lon, v[(i + 1) % v.size()].lat));
            if (i) out += " AND ";
            out += fmt::format("{} * COS(RADIANS(", geometry::format_number(n.x));
            emit(y);
            out += ")) * COS(RADIANS(";
            emit(x);
            out += fmt::format(")) + {} * COS(RADIANS(", geometry::format_number(n.y));
            emit(y);
            out += ")) * SIN(RADIANS(";
            emit(x);
            out += fmt::format(")) + {} * SIN(RADIANS(", geometry::format_number(n.z));
            emit(y);
            out += ")) >= 0";
        }
        out += ')';
    }

    void spatial(const expr& fn) {
        const expr* a = fn.args[0].get();
        const expr* b = fn.args[1].get();
        if (fn.fn == function_id::intersects && is_ctor(*b, function_id::point) && !is_ctor(*a, function_id::point)) std::swap(a, b);
        const expr *x, *y;
        if (point_coords(*a, x, y)) {
            point_in(*x, *y, *b);
            return;
        }
        auto ca = constant_geometry(*a), cb = constant_geometry(*b);
        if (ca && cb) {
            // Both constant: decide now.
            auto shape_of = [](const constant_shape& s) {
                std::vector<double> n;
                if (s.kind == value_type::polygon) for (auto& v : s.vertices) { n.push_back(v.lon); n.push_back(v.lat); }
                else { n = {s.center.lon, s.center.lat}; if (s.kind == value_type::circle) n.push_back(s.radius); }
                return dali::read_shape(geometry::format_dali(n));
            };
            auto sa = shape_of(*ca), sb = shape_of(*cb);
            std::optional<bool> r;
            if (sa && sb) r = fn.fn == function_id::contains ? geometry::contains(*sa, *sb) : geometry::intersects(*sa, *sb);
            if (r) {
                out += *r ? "1" : "0";
                return;
            }
        }
        unsupported(fn, fmt::format("{} of these geometries", builtin_name(fn.fn)));
    }

    void restriction(const expr& e, const spatial_restriction& r) override {
        auto band = usable_band(e, r);
        if (band) band->lon_column = nullptr;  // MySQL's (dec, ra) index serves the band alone
        banded(band, [&] {
            if (!r.predicate) return compare(e);
            if (!r.truth) out += "NOT ";
            spatial(*r.predicate);
        });
    }

    // A geometry value as its DALI string: CONCAT of the numbers (NULL when any is NULL); a
    // POINT constructor among the arguments gives its two coordinates, another point its string.
    void dali(const expr& e, size_t from = 0) {
        out += "CONCAT(";
        for (size_t i = from; i < e.args.size(); ++i) {
            if (i > from) out += ", ' ', ";
            const expr *x, *y;
            if (point_coords(*e.args[i], x, y)) {
                emit(*x);
                out += ", ' ', ";
                emit(*y);
            } else {
                emit(*e.args[i]);
            }
        }
        out += ')';
    }

    void geometry_function(const expr& e) override {
        const auto& a = e.args;
        switch (e.fn) {
        case function_id::point: dali(e); return;
        case function_id::circle: dali(e); return;
        case function_id::polygon: dali(e); return;
        case function_id::box: {
            auto s = constant_geometry(e);
            if (!s) unsupported(e, "BOX with non-constant arguments");
            std::vector<double> n;
            for (auto& v : s->vertices) { n.push_back(v.lon); n.push_back(v.lat); }
            string_literal(geometry::format_dali(n));
            return;
        }
        case function_id::contains: case function_id::intersects: spatial(e); return;
        case function_id::distance: {
            const expr* c[4];
            if (!distance_coords(e, c)) unsupported(e, "DISTANCE of points that are not POINT(lon, lat)");
            distance_sql(c);
            return;
        }
        case function_id::coord1: case function_id::coord2: {
            const expr *x, *y;
            if (point_coords(*a[0], x, y)) {
                out += '(';
                emit(e.fn == function_id::coord1 ? *x : *y);
                out += ')';
                return;
            }
            // A point column holds "lon lat": the first or the second word, as a number.
            out += e.fn == function_id::coord1 ? "(SUBSTRING_INDEX(TRIM(" : "(SUBSTRING_INDEX(SUBSTRING_INDEX(TRIM(";
            emit(*a[0]);
            out += e.fn == function_id::coord1 ? "), ' ', 1) + 0)" : "), ' ', 2), ' ', -1) + 0)";
            return;
        }
        case function_id::area: {
            if (circle_area(e)) return;
            auto s = constant_geometry(*a[0]);
            if (!s) unsupported(e, "AREA of a non-constant geometry");
            std::vector<double> n;
            if (s->kind == value_type::polygon) for (auto& v : s->vertices) { n.push_back(v.lon); n.push_back(v.lat); }
            else { n = {s->center.lon, s->center.lat}; if (s->kind == value_type::circle) n.push_back(s->radius); }
            auto sh = dali::read_shape(geometry::format_dali(n));
            number(sh ? geometry::area_deg2(*sh) : 0);
            return;
        }
        case function_id::centroid: {
            auto s = constant_geometry(*a[0]);
            if (!s && is_ctor(*a[0], function_id::circle)) {  // a circle's centre
                const expr& c = *a[0];
                if (c.args.size() == 2) return emit(*c.args[0]);
                out += "CONCAT(";
                emit(*c.args[0]);
                out += ", ' ', ";
                emit(*c.args[1]);
                out += ')';
                return;
            }
            if (!s) unsupported(e, "CENTROID of a non-constant geometry");
            auto c = s->kind == value_type::polygon ? geometry::to_lonlat(geometry::make_polygon(s->vertices).cap_center) : s->center;
            string_literal(geometry::format_dali({c.lon, c.lat}));
            return;
        }
        case function_id::coordsys: out += "'ICRS'"; return;
        default: unsupported(e, builtin_name(e.fn));
        }
    }

    virtual void distance_sql(const expr* c[4]) { angular_distance(c); }
};

/// Qserv: sciSQL UDFs; a spatial predicate compared with 1 stays `= 1`, the form Qserv's
/// restrictor plugin turns into chunk pruning (qana/QservRestrictorPlugin.cc).
class qserv_printer final : public mysql_printer {
    const char* name() const override { return "Qserv"; }

    void distance_sql(const expr* c[4]) override {
        out += "scisql_angSep(";
        for (int i = 0; i < 4; ++i) {
            if (i) out += ", ";
            emit(*c[i]);
        }
        out += ')';
    }

    void point_in(const expr& x, const expr& y, const expr& region) override {
        auto head = [&](const char* f) {
            out += f;
            out += '(';
            emit(x);
            out += ", ";
            emit(y);
        };
        if (is_ctor(region, function_id::circle)) {
            head("scisql_s2PtInCircle");
            const expr *cx, *cy;
            if (region.args.size() == 3) {
                cx = region.args[0].get();
                cy = region.args[1].get();
            } else if (!point_coords(*region.args[0], cx, cy)) {
                unsupported(region, "CIRCLE with a centre that is not POINT(lon, lat)");
            }
            out += ", ";
            emit(*cx);
            out += ", ";
            emit(*cy);
            out += ", ";
            emit(*region.args.back());
            out += ')';
            return;
        }
        if (is_ctor(region, function_id::polygon) && !is_ctor(*region.args[0], function_id::point) && !constant_geometry(region)) {
            head("scisql_s2PtInCPoly");
            out += ", ";
            args(region);
            out += ')';
            return;
        }
        auto s = constant_geometry(region);
        if (!s || s->kind != value_type::polygon)
            unsupported(region, "a region that is not a CIRCLE, POLYGON or BOX");
        // sciSQL wants convex polygons with counter-clockwise vertices; a BOX is its 4 corners.
        if (!geometry::is_convex(s->vertices))
            throw error(region.span, "POLYGON must be convex on Qserv (scisql_s2PtInCPoly)");
        head("scisql_s2PtInCPoly");
        for (const auto& v : geometry::counter_clockwise(s->vertices)) {
            out += ", ";
            out += geometry::format_number(v.lon);
            out += ", ";
            out += geometry::format_number(v.lat);
        }
        out += ')';
    }

    void restriction(const expr& e, const spatial_restriction& r) override {
        if (r.predicate) {
            spatial(*r.predicate);
            out += r.truth ? " = 1" : " = 0";
            return;
        }
        // DISTANCE(p, c) <= r is the cone scisql_s2PtInCircle(p, c, r) = 1.
        const expr* c[4];
        if (r.distance->strict || !distance_coords(*r.distance->distance, c)) return compare(e);
        int var = constant_value(*c[0]) && constant_value(*c[1]) ? 1 : 0;
        out += "scisql_s2PtInCircle(";
        emit(*c[2 * var]);
        out += ", ";
        emit(*c[2 * var + 1]);
        out += ", ";
        emit(*c[2 * (1 - var)]);
        out += ", ";
        emit(*c[2 * (1 - var) + 1]);
        out += ", ";
        emit(*r.distance->radius);
        out += ") = 1";
    }
};

}  // namespace

std::unique_ptr<printer> make_mysql_printer() { return std::make_unique<mysql_printer>(); }
std::unique_ptr<printer> make_qserv_printer() { return std::make_unique<qserv_printer>(); }

}  // namespace dax::adql::detail
