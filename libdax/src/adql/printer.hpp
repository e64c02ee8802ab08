#pragma once
// Printers from the AST: a baseline SQL printer with hooks that each dialect (and ADQL itself)
// overrides. Geometry helpers shared by the dialects are declared here too; they are defined in
// spatial_restriction.cpp.
#include <dax/adql/ast.hpp>
#include <dax/adql/translate.hpp>

#include <dax/geometry/sphere.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dax::adql::detail {

/// The value of a numeric expression made of literals, signs, + - * / and PI(), if constant.
std::optional<double> constant_value(const expr& e);
/// A geometry whose shape is known at translation time (POINT/CIRCLE/POLYGON/BOX of constants).
struct constant_shape {
    value_type kind = value_type::unknown;        // point, circle, polygon
    geometry::lonlat center;                      // point, circle
    double radius = 0;                            // circle
    std::vector<geometry::lonlat> vertices;       // polygon (a BOX becomes its 4 corners)
};
std::optional<constant_shape> constant_geometry(const expr& e);
/// The bounding cap (centre, radius in degrees) of a constant shape.
std::pair<geometry::lonlat, double> bounding_cap(const constant_shape& s);

/// A POINT(x, y) constructor's coordinate expressions, if `e` is one.
bool point_coords(const expr& e, const expr*& x, const expr*& y);

/// `DISTANCE(...) < r`, `<= r`, `r > DISTANCE(...)`, `r >= DISTANCE(...)`: the distance call,
/// the radius expression and whether the bound is strict.
struct distance_bound {
    const expr* distance = nullptr;
    const expr* radius = nullptr;
    bool strict = false;
};
std::optional<distance_bound> distance_within(const expr& compare);

/// The two points of a DISTANCE call as coordinate expressions, if both are given as
/// coordinates (4-argument form) or POINT(x, y) constructors.
bool distance_coords(const expr& distance, const expr* c[4]);

/// A latitude band [lo, hi] that holds every row a spatial predicate can select, on a plain
/// latitude column: the index-friendly prefilter for backends without a spatial index.
struct lat_band {
    const expr* lat_column = nullptr;
    double lo = -90, hi = 90;
    /// A longitude window [lon_lo, lon_hi] within [0, 360) when the cap avoids the poles and
    /// does not cross lon 0 (nullptr otherwise). Rows outside [0, 360) must not be excluded by
    /// it: dialects print it as (lon BETWEEN lo AND hi OR lon < 0 OR lon >= 360).
    const expr* lon_column = nullptr;
    double lon_lo = 0, lon_hi = 360;
};
/// For CONTAINS/INTERSECTS(POINT(lon, lat), constant shape) = 1 (given the function) or a
/// distance bound with one constant point and a constant radius.
std::optional<lat_band> band_for_predicate(const expr& fn);
std::optional<lat_band> band_for_distance(const distance_bound& d);

/// A comparison that selects rows by position, recognised here once for every dialect:
/// `CONTAINS|INTERSECTS(a, b) = 1|0` (predicate and truth) or `DISTANCE(...) < r` (distance),
/// with the latitude band that holds every selected row when the shape is constant.
struct spatial_restriction {
    const expr* predicate = nullptr;
    bool truth = true;
    std::optional<distance_bound> distance;
    std::optional<lat_band> band;
};
std::optional<spatial_restriction> spatial_restriction_of(const expr& compare);

class printer {
public:
    virtual ~printer() = default;
    std::string print(const query& q);

protected:
    std::string out;
    /// The top-level AND terms of the WHERE and ON conditions printed so far: where a predicate's
    /// false and NULL select the same rows (a prefilter may turn NULL into false only there).
    std::set<const adql::expr*> conjuncts;
    /// The terms of the WHERE and ON conditions reached through AND and OR only (no NOT, CASE or
    /// comparison above them): there too false and NULL select the same rows, so a prefilter
    /// that is false where the exact test is NULL (a row with a NULL longitude) changes nothing.
    std::set<const adql::expr*> positive;
    void collect_conjuncts(const adql::expr& root) {
        // One walk, no recursion (AND/OR chains may be long): a node is a conjunct while only
        // ANDs stand above it, and positive while only ANDs and ORs do.
        std::vector<std::pair<const adql::expr*, bool>> todo{{&root, true}};
        while (!todo.empty()) {
            const auto [e, only_and] = todo.back();
            todo.pop_back();
            positive.insert(e);
            if (only_and && e->kind != expr_kind::and_) conjuncts.insert(e);
            if (e->kind == expr_kind::and_ || e->kind == expr_kind::or_)
                for (const auto& a : e->args) todo.emplace_back(a.get(), only_and && e->kind == expr_kind::and_);
        }
    }
    /// The latitude band of a restriction where it may be printed (a positive term), else none.
    std::optional<lat_band> usable_band(const expr& e, const spatial_restriction& r) const {
        return positive.count(&e) ? r.band : std::nullopt;
    }
    int derived_counter_ = 0;

    // -- hooks a dialect overrides --
    virtual bool is_adql() const { return false; }
    virtual void ident(std::string_view name);
    virtual void string_literal(std::string_view s);
    virtual void function(const expr& e);
    virtual void geometry_function(const expr& e) = 0;
    /// A spatial restriction (CONTAINS(...) = 1, DISTANCE(...) < r): dialects rewrite it for
    /// their spatial functions and indexes; the baseline prints the comparison as written.
    virtual void restriction(const expr& e, const spatial_restriction&) { compare(e); }
    virtual void like(const expr& e);
    virtual void cast(const expr& e);
    virtual void concat(const expr& e);
    virtual void limit_offset(std::optional<std::int64_t> limit, std::optional<std::int64_t> offset);
    virtual void subquery_in(const expr& e);
    virtual void math_function(const expr& e);
    virtual void join_keyword(const table_ref& t);
    /// The qualifier of t.* (SQLite accepts only a table name there).
    virtual void star_qualifier(const std::vector<std::string>& parts) { idents(parts); }
    /// A * select item (`first`: the first item).
    virtual void star_item(const select_item&, bool /*first*/) { out += '*'; }
    /// UNION / INTERSECT / EXCEPT [ALL] between two operands.
    virtual void set_operator(const set_expr& s);

    // -- shared machinery --
    void query(const adql::query& q, bool outermost);
    void set(const set_expr& s);
    void set_member(const set_expr& s);
    void select(const select_core& s);
    void table(const table_ref& t);
    void emit(const adql::expr& e, int parent_prec = 0, bool right = false);
    /// emit's halves, inside any brackets: names, literals, calls and CASE; then operators,
    /// whose operands are bracketed against precedence `p`.
    void emit_term(const adql::expr& e);
    void case_expression(const adql::expr& e);
    void emit_operation(const adql::expr& e, int p);
    void args(const adql::expr& e, size_t from = 0, std::string_view sep = ", ");
    void call(std::string_view name, const adql::expr& e, size_t from = 0);
    void idents(const std::vector<std::string>& parts);
    void written_ident(const identifier& id);
    void number(double v);
    /// AREA(CIRCLE(...)) in square degrees with no geometry type: 4 pi sin^2(r / 2) steradians,
    /// exact for any radius up to 180 degrees; a constant circle is folded (radius 0 to 180 and
    /// latitude checked), else NULL where the centre is NULL or the radius outside 0..180.
    /// False when AREA's argument is not a CIRCLE constructor.
    /// `constant_only`: fold a constant circle, else return false (the dialect's own way).
    bool circle_area(const expr& area, bool constant_only = false);
    void compare_op(compare_op op);
    void compare(const expr& e);
    /// `(lat BETWEEN lo AND hi AND [lon window AND] body)`, or just body without a band.
    template <class Body>
    void banded(const std::optional<lat_band>& b, Body body) {
        if (b) band_prefix(*b);
        body();
        if (b) out += ')';
    }
    void band_prefix(const lat_band& b);
    /// The SQL of `e` as a string (for templates filled with fmt::format).
    std::string printed(const adql::expr& e, int parent_prec = 0);
    /// ILIKE where the dialect has none: `lower_fn(a) [NOT] LIKE lower_fn(b)`.
    void ilike_by_folding(const expr& e, std::string_view lower_fn);
    /// A list of items printed by `each`, separated by ", ".
    template <class Items, class Each>
    void list(const Items& items, Each each) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out += ", ";
            each(*items[i]);
        }
    }
    static int precedence(const adql::expr& e);
};

std::unique_ptr<printer> make_printer(dialect d);
std::unique_ptr<printer> make_adql_printer();

}  // namespace dax::adql::detail
