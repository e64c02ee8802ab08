// ADQL -> PostgreSQL + pgSphere (1.2, as packaged by Debian). Points are built exactly as
// `spoint(radians(lon), radians(lat))` so an expression GiST index on that form is used;
// CONTAINS/INTERSECTS compared with 1/0 become `<@`/`&&` and their negations; DISTANCE(...) <= r
// becomes the index-friendly `p <@ scircle(c, radians(r))`.
#include "functions.hpp"
#include "printer.hpp"

#include <fmt/format.h>

namespace dax::adql::detail {
namespace {

bool is_ctor(const expr& e, function_id f) { return e.kind == expr_kind::function && e.fn == f; }

class postgres_printer final : public printer {
    void math_function(const expr& e) override {
        switch (e.fn) {
        case function_id::round: case function_id::truncate: {
            const char* f = e.fn == function_id::round ? "round" : "trunc";
            if (e.args.size() == 1) {
                call(f, e);
                return;
            }
            // Only numeric has the two-argument forms; the result goes back to double precision.
            out += fmt::format("CAST({}(CAST({} AS numeric), {}) AS double precision)", f, printed(*e.args[0]),
                               printed(*e.args[1]));
            return;
        }
        case function_id::mod:
            if (e.args[0]->type == value_type::integer && e.args[1]->type == value_type::integer) return call("mod", e);
            out += fmt::format("CAST(mod(CAST({} AS numeric), CAST({} AS numeric)) AS double precision)", printed(*e.args[0]),
                               printed(*e.args[1]));
            return;
        case function_id::rand:
            out += "random()";
            return;
        default: printer::math_function(e);
        }
    }

    // CAST of a DALI string (a constant one was made a constructor by the passes): its numbers
    // as a float8 array, then the pgSphere type.
    void cast(const expr& e) override {
        const auto& n = e.cast.name;
        if (n != "POINT" && n != "CIRCLE" && n != "POLYGON") return printer::cast(e);
        out += "(SELECT ";
        if (n == "POINT") out += "spoint(radians(dax_c.v[1]), radians(dax_c.v[2]))";
        else if (n == "CIRCLE") out += "scircle(spoint(radians(dax_c.v[1]), radians(dax_c.v[2])), radians(dax_c.v[3]))";
        else out += "(SELECT spoly(spoint(radians(dax_c.v[2 * i - 1]), radians(dax_c.v[2 * i])) ORDER BY i) "
                    "FROM generate_series(1, array_length(dax_c.v, 1) / 2) AS i)";
        out += " FROM (SELECT regexp_split_to_array(btrim(";
        emit(*e.args[0]);
        out += "), '\\s+')::float8[] AS v) AS dax_c)";
    }

    void restriction(const expr& e, const spatial_restriction& r) override {
        // On a table partitioned by declination (dax/tap/postgres_shards.hpp, known through
        // translate_options::prepared_tables) a term of the WHERE/ON reached through AND and OR
        // gets its declination band too: the planner then scans only the partitions the region
        // meets. The GiST index serves the test itself, so no longitude window.
        auto band = usable_band(e, r);
        if (band && band->lat_column->base_table_sql.empty()) band.reset();
        if (band) band->lon_column = nullptr;
        banded(band, [&] {
            if (r.predicate) relation(*r.predicate, r.truth);
            else distance(e, *r.distance);
        });
    }

    // DISTANCE(p1, p2) < r as a point-in-circle test a GiST index can serve.
    void distance(const expr& e, const distance_bound& d) {
        // pgSphere circles take radii of 0 to 90 degrees: a constant radius outside that is
        // compared exactly; an expression radius gets a guarded rewrite.
        auto r = constant_value(*d.radius);
        if (r && (*r < 0 || *r > 90)) return compare(e);
        const expr& a = *d.distance->args[0];
        const expr* p1 = nullptr;
        const expr* p2 = nullptr;
        if (d.distance->args.size() == 2) {
            p1 = &a;
            p2 = d.distance->args[1].get();
            // The side that varies goes left of <@, where a GiST index can serve it.
            if (constant_geometry(*p1) && !constant_geometry(*p2)) std::swap(p1, p2);
        }
        auto point_sql = [&](const expr* p, size_t first) {
            if (p) point(*p);
            else coords_point(*d.distance, first);
        };
        const bool guarded = !r;
        if (d.strict || guarded) out += '(';
        if (guarded) out += '(';
        point_sql(p1, 0);
        out += " <@ scircle(";
        point_sql(p2, 2);
        if (guarded) {
            out += ", radians(LEAST(GREATEST(";
            emit(*d.radius);
            out += ", 0), 90))) AND ";
            emit(*d.radius, 4);
            out += " >= 0 OR ";
            emit(*d.radius, 4);
            out += " > 90 AND degrees(";
            point_sql(p1, 0);
            out += " <-> ";
            point_sql(p2, 2);
            out += ") <= ";
            emit(*d.radius, 4);
            out += ')';
        } else {
            out += ", radians(";
            emit(*d.radius);
            out += "))";
        }
        if (d.strict) {
            out += " AND ";
            compare(e);
        }
        if (d.strict || guarded) out += ')';
    }

    void coords_point(const expr& d, size_t first) {
        out += "spoint(radians(";
        emit(*d.args[first]);
        out += "), radians(";
        emit(*d.args[first + 1]);
        out += "))";
    }

    void point(const expr& e) { emit(e); }

    // CONTAINS / INTERSECTS as a boolean relation.
    void relation(const expr& fn, bool truth) {
        const expr* a = fn.args[0].get();
        const expr* b = fn.args[1].get();
        auto pointish = [](const expr& x) { return x.type == value_type::point || is_ctor(x, function_id::point); };
        bool contain = fn.fn == function_id::contains;
        if (!contain) {
            // INTERSECTS with a point is CONTAINS of the point (ADQL 2.1 section 4.2.12).
            if (pointish(*b) && !pointish(*a)) std::swap(a, b);
            contain = pointish(*a);
        }
        emit(*a, 9);
        out += contain ? (truth ? " <@ " : " !<@ ") : (truth ? " && " : " !&& ");
        emit(*b, 9);
    }

    void geometry_function(const expr& e) override {
        const auto& a = e.args;
        switch (e.fn) {
        case function_id::point:
            out += "spoint(radians(";
            emit(*a[0]);
            out += "), radians(";
            emit(*a[1]);
            out += "))";
            return;
        case function_id::circle:
            if (auto r = constant_value(*a.back()); r && (*r < 0 || *r > 90))
                throw error(a.back()->span, "a CIRCLE radius must be between 0 and 90 degrees on PostgreSQL (pgSphere)");
            out += "scircle(";
            if (a.size() == 3) {
                out += "spoint(radians(";
                emit(*a[0]);
                out += "), radians(";
                emit(*a[1]);
                out += "))";
            } else {
                emit(*a[0]);
            }
            out += ", radians(";
            emit(*a.back());
            out += "))";
            return;
        case function_id::box: case function_id::polygon: polygon(e); return;
        case function_id::contains: case function_id::intersects:
            out += "CAST(";
            relation(e, true);
            out += " AS integer)";
            return;
        case function_id::distance:
            out += "degrees(";
            if (a.size() == 4) {
                coords_point(e, 0);
                out += " <-> ";
                coords_point(e, 2);
            } else {
                emit(*a[0], 9);
                out += " <-> ";
                emit(*a[1], 9);
            }
            out += ')';
            return;
        case function_id::area:
            if (circle_area(e)) return;  // any radius up to 180 (an scircle takes 90 at most)
            // pgSphere gives steradians; ADQL wants square degrees.
            out += "degrees(degrees(area(";
            emit(*a[0]);
            out += ")))";
            return;
        case function_id::centroid:
            if (a[0]->type == value_type::point) {
                emit(*a[0]);
                return;
            }
            if (a[0]->type == value_type::polygon || is_ctor(*a[0], function_id::polygon) || is_ctor(*a[0], function_id::box))
                throw error(e.span, "CENTROID of a polygon is not supported on PostgreSQL (pgSphere 1.2 has no polygon centre)");
            call("center", e);
            return;
        case function_id::coord1: case function_id::coord2:
            out += e.fn == function_id::coord1 ? "degrees(long(" : "degrees(lat(";
            emit(*a[0]);
            out += "))";
            return;
        case function_id::coordsys: out += "'ICRS'"; return;
        default: throw error(e.span, "internal: unexpected geometry function");
        }
    }

    void polygon(const expr& e) {
        if (auto s = constant_geometry(e)) {
            // A constant polygon is one literal the planner can use with a GiST index.
            out += "spoly '{";
            for (size_t i = 0; i < s->vertices.size(); ++i) {
                if (i) out += ',';
                out += fmt::format("({:.12f}d,{:.12f}d)", s->vertices[i].lon, s->vertices[i].lat);
            }
            out += "}'";
            return;
        }
        if (e.fn == function_id::box)
            throw error(e.span, "BOX needs constant arguments on PostgreSQL; use POLYGON for computed corners");
        // Vertices that are expressions: pgSphere's spoly aggregate over the ordered points.
        out += "(SELECT spoly(dax_v.p ORDER BY dax_v.i) FROM (VALUES ";
        const auto& a = e.args;
        bool points = is_ctor(*a[0], function_id::point) || a[0]->type == value_type::point;
        size_t n = points ? a.size() : a.size() / 2;
        for (size_t i = 0; i < n; ++i) {
            if (i) out += ", ";
            out += fmt::format("({}, ", i + 1);
            if (points) {
                emit(*a[i]);
            } else {
                out += "spoint(radians(";
                emit(*a[2 * i]);
                out += "), radians(";
                emit(*a[2 * i + 1]);
                out += "))";
            }
            out += ')';
        }
        out += ") AS dax_v(i, p))";
    }
};

}  // namespace

std::unique_ptr<printer> make_postgres_printer() { return std::make_unique<postgres_printer>(); }

}  // namespace dax::adql::detail
