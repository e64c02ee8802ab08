// The baseline printer: SQL in the PostgreSQL style, with hooks for dialects and for ADQL.
#include "printer.hpp"

#include "functions.hpp"

#include <cmath>
#include <fmt/format.h>

namespace dax::adql::detail {

// ---- constant folding and geometry views --------------------------------------------------------

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
    auto r = geometry::cap_lat_range(center, radius);
    // Rounded outwards to 1e-9 degree (printed with 9 decimals), with a margin of two units:
    // far below any catalogue precision, so rows on the boundary are kept.
    lat_band b{lat, std::floor(r[0] * 1e9 - 2) / 1e9, std::ceil(r[1] * 1e9 + 2) / 1e9};
    // The widest longitude offset on a cap that avoids the poles: asin(sin r / cos dec0).
    const double rad = M_PI / 180;
    if (lon && lon->kind == expr_kind::column && std::abs(center.lat) + radius < 89) {
        const double w = std::asin(std::min(1.0, std::sin(radius * rad) / std::cos(center.lat * rad))) / rad;
        const double c = std::fmod(std::fmod(center.lon, 360) + 360, 360);
        const double lo = std::floor((c - w) * 1e9 - 2) / 1e9, hi = std::ceil((c + w) * 1e9 + 2) / 1e9;
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

// ---- printing -----------------------------------------------------------------------------------

std::string printer::print(const adql::query& q) {
    out.clear();
    derived_counter_ = 0;
    query(q, true);
    return std::move(out);
}

// `s` between two `q`s, each `q` inside doubled: SQL's quoting of names and strings.
static void quoted(std::string& out, std::string_view s, char q) {
    out += q;
    for (char c : s) {
        if (c == q) out += q;
        out += c;
    }
    out += q;
}

void printer::ident(std::string_view name) { quoted(out, name, '"'); }

void printer::written_ident(const identifier& id) {
    if (id.delimited) ident(id.name);
    else out += id.name;
}

void printer::idents(const std::vector<std::string>& parts) {
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += '.';
        ident(parts[i]);
    }
}

void printer::string_literal(std::string_view s) { quoted(out, s, '\''); }

void printer::number(double v) {
    std::string t = geometry::format_number(v);
    if (v < 0) out += "(" + t + ")";
    else out += t;
}

void printer::query(const adql::query& q, bool outermost) {
    (void)outermost;
    if (!q.with.empty()) {
        out += "WITH ";
        for (size_t i = 0; i < q.with.size(); ++i) {
            if (i) out += ", ";
            if (is_adql()) written_ident(q.with[i].name);
            else ident(fold(q.with[i].name));
            out += " AS (";
            query(*q.with[i].body, false);
            out += ')';
        }
        out += ' ';
    }
    std::optional<std::int64_t> limit = q.limit;
    const set_expr& b = *q.body;
    if (b.op == set_op::none && b.select) {
        select(*b.select);
        if (b.select->top && !is_adql()) limit = limit ? std::min(*limit, *b.select->top) : *b.select->top;
    } else {
        set(b);
    }
    if (!q.order_by.empty()) {
        out += " ORDER BY ";
        for (size_t i = 0; i < q.order_by.size(); ++i) {
            if (i) out += ", ";
            emit(*q.order_by[i].value);
            if (q.order_by[i].explicit_direction || q.order_by[i].descending)
                out += q.order_by[i].descending ? " DESC" : " ASC";
        }
    }
    if (is_adql()) {
        if (q.offset) out += fmt::format(" OFFSET {}", *q.offset);
    } else {
        limit_offset(limit, q.offset);
    }
}

void printer::limit_offset(std::optional<std::int64_t> limit, std::optional<std::int64_t> offset) {
    if (limit) out += fmt::format(" LIMIT {}", *limit);
    if (offset) out += fmt::format(" OFFSET {}", *offset);
}

void printer::set(const set_expr& s) {
    if (s.op == set_op::none) {
        set_member(s);
        return;
    }
    auto operand = [&](const set_expr& c, bool right) {
        if (c.op == set_op::none) {
            set_member(c);
            return;
        }
        // SQLite gives all set operators one precedence; nesting is made explicit as a
        // derived table wherever the tree is not a left-deep chain.
        bool inline_ok = is_adql() || (!right && !(s.op == set_op::intersect && c.op != set_op::intersect));
        if (inline_ok) {
            set(c);
            return;
        }
        out += "SELECT * FROM (";
        set(c);
        out += ") AS ";
        ident(fmt::format("dax_set{}", ++derived_counter_));
    };
    operand(*s.left, false);
    set_operator(s);
    operand(*s.right, true);
}

void printer::set_operator(const set_expr& s) {
    out += s.op == set_op::union_ ? " UNION " : s.op == set_op::intersect ? " INTERSECT " : " EXCEPT ";
    if (s.all) out += "ALL ";
}

void printer::set_member(const set_expr& s) {
    if (is_adql()) {
        if (s.select) select(*s.select);
        else {
            out += '(';
            query(*s.nested, false);
            out += ')';
        }
        return;
    }
    bool simple = s.select ? !s.select->top
                           : (s.nested->with.empty() && s.nested->order_by.empty() && !s.nested->offset &&
                              !s.nested->limit && s.nested->body->op == set_op::none && s.nested->body->select &&
                              !s.nested->body->select->top);
    if (simple) {
        select(s.select ? *s.select : *s.nested->body->select);
        return;
    }
    out += "SELECT * FROM (";
    if (s.select) {
        select(*s.select);
        limit_offset(s.select->top, std::nullopt);
    } else {
        query(*s.nested, false);
    }
    out += ") AS ";
    ident(fmt::format("dax_set{}", ++derived_counter_));
}

void printer::select(const select_core& s) {
    out += "SELECT ";
    if (s.distinct) out += "DISTINCT ";
    if (s.all_quantifier) out += "ALL ";
    if (is_adql() && s.top) out += fmt::format("TOP {} ", *s.top);
    if (s.star) out += '*';
    for (size_t i = 0; i < s.items.size(); ++i) {
        if (i) out += ", ";
        const auto& it = s.items[i];
        if (!it.value) {
            if (is_adql()) {
                for (size_t k = 0; k < it.all_of.size(); ++k) {
                    if (k) out += '.';
                    written_ident(it.all_of[k]);
                }
            } else {
                star_qualifier(it.all_of_sql);
            }
            out += ".*";
            continue;
        }
        emit(*it.value);
        if (it.alias) {
            out += " AS ";
            if (is_adql()) written_ident(*it.alias);
            else ident(fold(*it.alias));
        } else if (!is_adql() && !it.output_name.empty()) {
            out += " AS ";
            ident(it.output_name);
        }
    }
    out += " FROM ";
    list(s.from, [&](const table_ref& t) { table(t); });
    if (s.where) {
        out += " WHERE ";
        emit(*s.where);
    }
    if (!s.group_by.empty()) {
        out += " GROUP BY ";
        list(s.group_by, [&](const adql::expr& g) { emit(g); });
    }
    if (s.having) {
        out += " HAVING ";
        emit(*s.having);
    }
}

void printer::join_keyword(const table_ref& t) {
    if (t.natural) out += " NATURAL";
    switch (t.join) {
    case join_kind::cross: out += " CROSS JOIN "; return;
    case join_kind::inner: out += is_adql() && !t.join_explicit_inner ? " JOIN " : " INNER JOIN "; return;
    case join_kind::left: out += " LEFT"; break;
    case join_kind::right: out += " RIGHT"; break;
    case join_kind::full: out += " FULL"; break;
    }
    out += is_adql() && !t.join_outer_word ? " JOIN " : " OUTER JOIN ";
}

void printer::table(const table_ref& t) {
    switch (t.kind) {
    case table_ref::kind_t::table:
        if (is_adql()) {
            for (size_t k = 0; k < t.name.size(); ++k) {
                if (k) out += '.';
                written_ident(t.name[k]);
            }
        } else {
            idents(t.sql_name);
        }
        break;
    case table_ref::kind_t::derived:
        out += '(';
        query(*t.sub, false);
        out += ')';
        break;
    case table_ref::kind_t::join:
        if (t.parenthesized) out += '(';
        table(*t.left);
        join_keyword(t);
        table(*t.right);
        if (t.on) {
            out += " ON ";
            emit(*t.on);
        }
        if (!t.using_columns.empty()) {
            out += " USING (";
            for (size_t i = 0; i < t.using_columns.size(); ++i) {
                if (i) out += ", ";
                if (is_adql()) written_ident(t.using_columns[i]);
                else ident(fold(t.using_columns[i]));
            }
            out += ')';
        }
        if (t.parenthesized) out += ')';
        return;
    }
    if (t.alias) {
        out += " AS ";
        if (is_adql()) written_ident(*t.alias);
        else ident(fold(*t.alias));
    }
}

int printer::precedence(const adql::expr& e) {
    switch (e.kind) {
    case expr_kind::or_: return 1;
    case expr_kind::and_: return 2;
    case expr_kind::not_: return 3;
    case expr_kind::compare: case expr_kind::between: case expr_kind::in_list: case expr_kind::in_query:
    case expr_kind::like: case expr_kind::ilike: case expr_kind::is_null: case expr_kind::exists: return 4;
    case expr_kind::concat: return 5;
    case expr_kind::add: case expr_kind::subtract: return 6;
    case expr_kind::multiply: case expr_kind::divide: return 7;
    case expr_kind::negate: return 8;
    default: return 9;
    }
}

void printer::args(const adql::expr& e, size_t from, std::string_view sep) {
    for (size_t i = from; i < e.args.size(); ++i) {
        if (i > from) out += sep;
        emit(*e.args[i]);
    }
}

void printer::call(std::string_view name, const adql::expr& e, size_t from) {
    out += name;
    out += '(';
    args(e, from);
    out += ')';
}

void printer::compare_op(adql::compare_op op) {
    static const char* ops[] = {" = ", " <> ", " < ", " > ", " <= ", " >= "};
    out += ops[static_cast<int>(op)];
}

std::string printer::printed(const adql::expr& e, int parent_prec) {
    std::string saved;
    std::swap(out, saved);
    emit(e, parent_prec);
    std::swap(out, saved);
    return saved;
}

void printer::ilike_by_folding(const expr& e, std::string_view lower_fn) {
    out += lower_fn;
    out += '(';
    emit(*e.args[0]);
    out += e.negated ? ") NOT LIKE " : ") LIKE ";
    out += lower_fn;
    out += '(';
    emit(*e.args[1]);
    out += ')';
}

void printer::band_prefix(const lat_band& b) {
    out += '(';
    emit(*b.lat_column);
    out += fmt::format(" BETWEEN {:.9f} AND {:.9f} AND ", b.lo, b.hi);
    if (b.lon_column) {
        // Cheap longitude test before the exact one; never drops rows outside [0, 360).
        out += '(';
        emit(*b.lon_column);
        out += fmt::format(" BETWEEN {:.9f} AND {:.9f} OR ", b.lon_lo, b.lon_hi);
        emit(*b.lon_column);
        out += " < 0 OR ";
        emit(*b.lon_column);
        out += " >= 360) AND ";
    }
}

void printer::compare(const adql::expr& e) {
    emit(*e.args[0], 4);
    compare_op(e.op);
    emit(*e.args[1], 4, true);
}

void printer::like(const adql::expr& e) {
    emit(*e.args[0], 4);
    if (e.negated) out += " NOT";
    out += e.kind == expr_kind::like ? " LIKE " : " ILIKE ";
    emit(*e.args[1], 4, true);
}

void printer::concat(const adql::expr& e) {
    emit(*e.args[0], 5);
    out += " || ";
    emit(*e.args[1], 5, true);
}

void printer::cast(const adql::expr& e) {
    out += "CAST(";
    emit(*e.args[0]);
    out += " AS " + e.cast.name;
    if (e.cast.length) out += fmt::format("({})", *e.cast.length);
    out += ')';
}

void printer::subquery_in(const adql::expr& e) {
    emit(*e.args[0], 4);
    out += e.negated ? " NOT IN (" : " IN (";
    query(*e.sub, false);
    out += ')';
}

void printer::function(const adql::expr& e) {
    if (e.fn == function_id::udf) {
        call(e.text, e);
        return;
    }
    switch (e.fn) {
    case function_id::point: case function_id::circle: case function_id::box: case function_id::polygon:
    case function_id::region: case function_id::contains: case function_id::intersects:
    case function_id::distance: case function_id::area: case function_id::centroid:
    case function_id::coord1: case function_id::coord2: case function_id::coordsys:
        geometry_function(e);
        return;
    default: math_function(e);
    }
}

void printer::math_function(const adql::expr& e) {
    switch (e.fn) {
    case function_id::log: call("ln", e); return;
    case function_id::rand: out += "random()"; return;
    case function_id::truncate: call("trunc", e); return;
    case function_id::in_unit:
        out += '(';
        emit(*e.args[0], 7);
        out += " * ";
        out += geometry::format_number(e.scale);
        out += ')';
        return;
    default: call(to_lower(builtin_name(e.fn)), e);
    }
}

void printer::emit(const adql::expr& e, int parent_prec, bool right) {
    const int p = precedence(e);
    bool arith = e.kind == expr_kind::add || e.kind == expr_kind::subtract || e.kind == expr_kind::multiply ||
                 e.kind == expr_kind::divide;
    bool paren = p < parent_prec || (right && p == parent_prec && p != 9);
    // || and arithmetic have different relative precedence in SQLite and PostgreSQL: always bracket.
    if ((parent_prec == 5 && arith) || (parent_prec >= 6 && parent_prec <= 7 && e.kind == expr_kind::concat))
        paren = true;
    if (paren) out += '(';
    switch (e.kind) {
    case expr_kind::column:
        if (is_adql() || e.sql_name.empty()) {
            for (size_t k = 0; k < e.name.size(); ++k) {
                if (k) out += '.';
                if (is_adql()) written_ident(e.name[k]);
                else ident(fold(e.name[k]));
            }
        } else {
            idents(e.sql_name);
        }
        break;
    case expr_kind::integer: case expr_kind::decimal: case expr_kind::real: out += e.text; break;
    case expr_kind::string: string_literal(e.text); break;
    case expr_kind::null: out += "NULL"; break;
    case expr_kind::negate:
        out += '-';
        emit(*e.args[0], 9);
        break;
    case expr_kind::add: case expr_kind::subtract: case expr_kind::multiply: case expr_kind::divide: {
        emit(*e.args[0], p);
        out += e.kind == expr_kind::add ? " + " : e.kind == expr_kind::subtract ? " - " : e.kind == expr_kind::multiply ? " * " : " / ";
        emit(*e.args[1], p, true);
        break;
    }
    case expr_kind::concat: concat(e); break;
    case expr_kind::function: function(e); break;
    case expr_kind::aggregate:
        out += is_adql() ? std::string(aggregate_name(e.agg)) : to_lower(aggregate_name(e.agg));
        out += '(';
        if (e.args.empty()) out += '*';
        else {
            if (e.distinct) out += "DISTINCT ";
            if (e.all_quantifier && is_adql()) out += "ALL ";  // the default; not every backend accepts it
            emit(*e.args[0]);
        }
        out += ')';
        break;
    case expr_kind::cast: cast(e); break;
    case expr_kind::case_when: {
        out += "CASE";
        size_t i = 0;
        if (e.case_operand) {
            out += ' ';
            emit(*e.args[i++]);
        }
        size_t end = e.args.size() - (e.case_else ? 1 : 0);
        for (; i + 1 < end; i += 2) {
            out += " WHEN ";
            emit(*e.args[i]);
            out += " THEN ";
            emit(*e.args[i + 1]);
        }
        if (e.case_else) {
            out += " ELSE ";
            emit(*e.args.back());
        }
        out += " END";
        break;
    }
    case expr_kind::subquery:
        out += '(';
        query(*e.sub, false);
        out += ')';
        break;
    case expr_kind::compare:
        if (auto r = spatial_restriction_of(e)) restriction(e, *r);
        else compare(e);
        break;
    case expr_kind::between:
        emit(*e.args[0], 5);
        out += e.negated ? " NOT BETWEEN " : " BETWEEN ";
        emit(*e.args[1], 5);
        out += " AND ";
        emit(*e.args[2], 5);
        break;
    case expr_kind::in_list:
        emit(*e.args[0], 5);
        out += e.negated ? " NOT IN (" : " IN (";
        args(e, 1);
        out += ')';
        break;
    case expr_kind::in_query: subquery_in(e); break;
    case expr_kind::like: case expr_kind::ilike: like(e); break;
    case expr_kind::is_null:
        emit(*e.args[0], 5);
        out += e.negated ? " IS NOT NULL" : " IS NULL";
        break;
    case expr_kind::exists:
        out += "EXISTS (";
        query(*e.sub, false);
        out += ')';
        break;
    case expr_kind::and_: case expr_kind::or_:
        emit(*e.args[0], p);
        out += e.kind == expr_kind::and_ ? " AND " : " OR ";
        emit(*e.args[1], p, true);
        break;
    case expr_kind::not_:
        out += "NOT (";
        emit(*e.args[0]);
        out += ')';
        break;
    }
    if (paren) out += ')';
}

}  // namespace dax::adql::detail
