// ADQL -> SQLite. Geometry goes to the dax_* functions libdax registers on the connection
// (dax/sqlite/functions.hpp); geometry values are DALI strings ("lon lat r" ...). Spatial
// predicates get a latitude-band prefilter so an index on the latitude column is used.
#include "functions.hpp"
#include "printer.hpp"

#include <dax/sqlite/region_index.hpp>

#include <fmt/format.h>

#include <cmath>

namespace dax::adql::detail {
namespace {

class sqlite_printer final : public printer {
    void star_qualifier(const std::vector<std::string>& parts) override {
        ident(parts.back());  // SQLite: table.* only, no schema
    }

    void set_operator(const set_expr& s) override {
        if (s.all && s.op != set_op::union_)
            throw error(s.right->span, fmt::format("{} ALL is not supported on SQLite",
                                                   s.op == set_op::intersect ? "INTERSECT" : "EXCEPT"));
        printer::set_operator(s);
    }

    void limit_offset(std::optional<std::int64_t> limit, std::optional<std::int64_t> offset) override {
        if (!limit && offset) out += " LIMIT -1";  // SQLite has no OFFSET without LIMIT
        printer::limit_offset(limit, offset);
    }

    void math_function(const expr& e) override {
        switch (e.fn) {
        case function_id::log: call("ln", e); return;
        case function_id::rand: out += "(random() / 18446744073709551616.0 + 0.5)"; return;
        case function_id::cot:
            out += "(1.0 / tan(";
            emit(*e.args[0]);
            out += "))";
            return;
        case function_id::truncate:
            if (e.args.size() == 1) return call("trunc", e);
            out += fmt::format("(trunc({0} * power(10, {1})) / power(10, {1}))", printed(*e.args[0], 7), printed(*e.args[1]));
            return;
        case function_id::round:
            // round(x) in SQLite keeps a REAL; ADQL ROUND rounds half away from zero as SQLite does.
            call("round", e);
            return;
        default: printer::math_function(e);
        }
    }

    void cast(const expr& e) override {
        const auto& n = e.cast.name;
        if (n == "SMALLINT" || n == "INTEGER" || n == "BIGINT") {
            out += "CAST(";
            emit(*e.args[0]);
            out += " AS INTEGER)";
        } else if (n == "REAL" || n == "DOUBLE PRECISION") {
            out += "CAST(";
            emit(*e.args[0]);
            out += " AS REAL)";
        } else if (n == "CHAR" || n == "VARCHAR") {
            if (e.cast.length) out += "substr(";
            out += "CAST(";
            emit(*e.args[0]);
            out += " AS TEXT)";
            if (e.cast.length) out += fmt::format(", 1, {})", *e.cast.length);
        } else if (n == "TIMESTAMP") {
            out += "strftime('%Y-%m-%dT%H:%M:%f', ";
            emit(*e.args[0]);
            out += ')';
        } else {
            emit(*e.args[0]);  // POINT, CIRCLE, POLYGON: geometry values are DALI strings here
        }
    }

    void like(const expr& e) override {
        // LIKE is case-sensitive in ADQL; libdax sets PRAGMA case_sensitive_like on the connection.
        if (e.kind == expr_kind::like) {
            printer::like(e);
            return;
        }
        ilike_by_folding(e, "lower");
    }

    void restriction(const expr& e, const spatial_restriction& r) override {
        if (r.predicate && r.truth && conjuncts.count(&e) && region_prefilter(*r.predicate)) {
            restriction_body(e, r);
            out += ')';
            return;
        }
        restriction_body(e, r);
    }

    void restriction_body(const expr& e, const spatial_restriction& r) {
        banded(usable_band(e, r), [&] {
            if (!r.predicate) return compare(e);
            geometry_function(*r.predicate);
            out += r.truth ? " = 1" : " = 0";
        });
    }

    // INTERSECTS/CONTAINS of a region column of a catalog table and a constant shape: the rows
    // whose bounding-cap latitudes overlap the shape's are read from the column's R*Tree first
    // (dax/sqlite/region_index.hpp). Prints "(rowid IN (...) AND " and returns true, the caller
    // closes the parenthesis; prints nothing otherwise.
    bool region_prefilter(const expr& fn) {
        if (fn.fn != function_id::intersects && fn.fn != function_id::contains) return false;
        for (int side = 0; side < 2; ++side) {
            const expr& col = *fn.args[side];
            if (col.kind != expr_kind::column || !col.column || col.base_table_sql.size() != 2 || col.row_qualifier_sql.empty() ||
                !sqlite::has_region_index(col.base_table_sql[1], col.sql_name.back(), col.column->xtype))
                continue;
            auto shape = constant_geometry(*fn.args[1 - side]);
            if (!shape) continue;
            auto [c, radius] = bounding_cap(*shape);
            // A cap of 90 degrees or more does not hold a polygon's edges; a centre given outside
            // the sphere's coordinates is normalised as the exact test does.
            if (!std::isfinite(c.lon) || !std::isfinite(c.lat) || !std::isfinite(radius) || radius < 0 || radius >= 90) return false;
            const auto lat = geometry::cap_lat_range(geometry::to_lonlat(geometry::to_vec(c.lon, c.lat)), radius);
            // The R*Tree stores 32-bit floats rounded outwards; a margin of 1e-6 degree on the
            // query side keeps rows touching the boundary.
            out += "(";
            idents(col.row_qualifier_sql);
            out += ".rowid IN (SELECT id FROM ";
            ident(col.base_table_sql[0]);
            out += '.';
            ident(sqlite::region_index_table(col.base_table_sql[1], col.sql_name.back()));
            out += fmt::format(" WHERE lat_hi >= {:.9f} AND lat_lo <= {:.9f}) AND ", lat[0] - 1e-6, lat[1] + 1e-6);
            return true;
        }
        return false;
    }

    void geometry_function(const expr& e) override {
        const auto& a = e.args;
        switch (e.fn) {
        case function_id::point: call("dax_point", e); return;
        case function_id::circle: call("dax_circle", e); return;
        case function_id::box: call("dax_box", e); return;
        case function_id::polygon: call("dax_polygon", e); return;
        case function_id::contains: contains(*a[0], *a[1]); return;
        case function_id::intersects:
            if (a[0]->type == value_type::point || is_point_ctor(*a[0])) contains(*a[0], *a[1]);
            else if (a[1]->type == value_type::point || is_point_ctor(*a[1])) contains(*a[1], *a[0]);
            else call("dax_intersects", e);
            return;
        case function_id::distance: {
            const expr* c[4];
            if (distance_coords(e, c)) {
                out += "dax_distance(";
                for (int i = 0; i < 4; ++i) {
                    if (i) out += ", ";
                    emit(*c[i]);
                }
                out += ')';
            } else {
                call("dax_distance", e);
            }
            return;
        }
        case function_id::area:
            if (circle_area(e, true)) return;  // a constant circle: its area folded
            call("dax_area", e);
            return;
        case function_id::centroid: call("dax_centroid", e); return;
        case function_id::coord1: case function_id::coord2: {
            const expr *x, *y;
            if (point_coords(*a[0], x, y)) {
                out += '(';
                emit(e.fn == function_id::coord1 ? *x : *y);
                out += ')';
            } else {
                call(e.fn == function_id::coord1 ? "dax_coord1" : "dax_coord2", e);
            }
            return;
        }
        case function_id::coordsys: out += "'ICRS'"; return;
        default: throw error(e.span, "internal: unexpected geometry function");
        }
    }

    static bool is_point_ctor(const expr& e) { return e.kind == expr_kind::function && e.fn == function_id::point; }

    void contains(const expr& a, const expr& b) {
        const expr *x, *y;
        if (point_coords(a, x, y)) {
            // A point given as coordinates against a shape: the shape's own test, or the
            // general one for a region expression.
            const char* fname = "dax_pt_in_region";
            if (b.kind == expr_kind::function) {
                if (b.fn == function_id::circle && b.args.size() == 3) fname = "dax_pt_in_circle";
                else if (b.fn == function_id::box && b.args.size() == 4) fname = "dax_pt_in_box";
                else if (b.fn == function_id::polygon && b.args.size() >= 6 && !is_point_ctor(*b.args[0])) fname = "dax_pt_in_polygon";
            }
            out += fname;
            out += '(';
            emit(*x);
            out += ", ";
            emit(*y);
            out += ", ";
            if (fname == std::string_view("dax_pt_in_region")) emit(b);
            else args(b);
            out += ')';
            return;
        }
        out += "dax_contains(";
        emit(a);
        out += ", ";
        emit(b);
        out += ')';
    }
};

}  // namespace

std::unique_ptr<printer> make_sqlite_printer() { return std::make_unique<sqlite_printer>(); }

}  // namespace dax::adql::detail
