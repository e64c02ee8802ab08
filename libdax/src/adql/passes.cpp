// The ordered pass list over the AST: REGION lowering, name resolution with ADQL case rules,
// typing (geometry, units), result-column metadata, and the MAXREC row limit.
#include <dax/adql/translate.hpp>

#include <dax/dali/shapes.hpp>
#include <dax/geometry/frames.hpp>
#include <dax/geometry/sphere.hpp>
#include "analyzer.hpp"
#include "printer.hpp"
#include "functions.hpp"
#include "units.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <sstream>

namespace dax::adql {

using detail::to_lower;
using detail::to_upper;

namespace {

using namespace detail;

// ---- pass 1: REGION('...') -> POINT/CIRCLE/POLYGON/BOX; compound regions -> AND/OR/NOT -----

void report(std::vector<diagnostic>& errors, const error& x) {
    if (x.diagnostics().empty()) errors.push_back({{}, x.what()});
    for (const auto& d : x.diagnostics()) errors.push_back(d);
}

// A copy of an expression before analysis (what a compound region's operand is, repeated in
// each of its comparisons); subqueries are not copied.
expr_ptr clone(const adql::expr& e) {
    if (e.sub) throw error(e.span, "a subquery cannot be compared with a Union, Intersection or Not region");
    auto c = std::make_unique<adql::expr>(e.kind, e.span);
    c->text = e.text;
    c->name = e.name;
    c->fn = e.fn;
    c->agg = e.agg;
    c->op = e.op;
    c->cast = e.cast;
    c->negated = e.negated;
    c->distinct = e.distinct;
    c->all_quantifier = e.all_quantifier;
    c->case_operand = e.case_operand;
    c->case_else = e.case_else;
    for (const auto& x : e.args) c->args.push_back(clone(*x));
    if (e.coord_sys) c->coord_sys = clone(*e.coord_sys);
    return c;
}

expr_ptr node(expr_kind k, source_span span, std::vector<expr_ptr> args) {
    auto n = std::make_unique<adql::expr>(k, span);
    n->args = std::move(args);
    return n;
}

bool is_call(const adql::expr& e, function_id fn) { return e.kind == expr_kind::function && e.fn == fn; }

struct region_lowering {
    std::vector<diagnostic>& errors;

    void query(adql::query& q) {
        for (auto& c : q.with) query(*c.body);
        set(*q.body);
        for (auto& o : q.order_by) expr(o.value);
    }
    void set(set_expr& s) {
        if (s.left) { set(*s.left); set(*s.right); return; }
        if (s.nested) { query(*s.nested); return; }
        auto& c = *s.select;
        for (auto& i : c.items) if (i.value) expr(i.value);
        for (auto& f : c.from) table(*f);
        if (c.where) expr(c.where);
        for (auto& g : c.group_by) expr(g);
        if (c.having) expr(c.having);
    }
    void table(table_ref& t) {
        if (t.sub) query(*t.sub);
        if (t.left) { table(*t.left); table(*t.right); }
        if (t.on) expr(t.on);
    }
    void expr(expr_ptr& e) {
        if (e->kind == expr_kind::compare) {
            try {
                if (auto lowered = compound_comparison(*e)) {
                    e = std::move(lowered);
                    expr(e);  // the shapes it holds are simple REGIONs now
                    return;
                }
            } catch (const error& x) {
                report(errors, x);
                return;
            }
        }
        for (auto& a : e->args) expr(a);
        if (e->coord_sys) expr(e->coord_sys);
        if (e->sub) query(*e->sub);
        if (is_call(*e, function_id::region)) lower(e);
        if (e->kind == expr_kind::cast && !e->args.empty() && e->args[0]->kind == expr_kind::string) cast_literal(e);
    }

    // CAST('10 20' AS POINT) and the like: a constant DALI value becomes the constructor, so
    // every dialect (and the spatial restrictions) sees an ordinary shape.
    void cast_literal(expr_ptr& e) {
        const auto& n = e->cast.name;
        if (n != "POINT" && n != "CIRCLE" && n != "POLYGON") return;
        const std::string& text = e->args[0]->text;
        auto s = n == "POINT" ? dali::parse_point(text) : n == "CIRCLE" ? dali::parse_circle(text) : dali::parse_polygon(text);
        if (!s) {
            errors.push_back({e->args[0]->span, fmt::format("CAST to {}: {}", n, s.err().what())});
            return;
        }
        e = constructor(*s, "", e->span);
    }

    static std::optional<dali::region> parsed(const adql::expr& e) {
        if (!is_call(e, function_id::region) || e.args.empty() || e.args[0]->kind != expr_kind::string) return std::nullopt;
        auto r = dali::parse_region(e.args[0]->text);
        if (!r) return std::nullopt;  // reported where the REGION is lowered
        return std::move(*r);
    }

    // A shape of a region as a constructor of literals, its frame as the coordinate-system
    // argument (converted to ICRS by the next pass).
    static expr_ptr constructor(const dali::shape& sh, const std::string& frame, source_span span) {
        using k = dali::shape::kind_t;
        const function_id fn = sh.kind == k::point ? function_id::point : sh.kind == k::circle ? function_id::circle
                             : sh.kind == k::box   ? function_id::box   : function_id::polygon;
        auto out = std::make_unique<adql::expr>(expr_kind::function, span);
        out->fn = fn;
        out->text = std::string(detail::builtin_name(fn));
        for (double v : sh.numbers) out->args.push_back(number_literal(v, span));
        if (!frame.empty()) {
            out->coord_sys = std::make_unique<adql::expr>(expr_kind::string, span);
            out->coord_sys->text = frame;
        }
        return out;
    }

    // CONTAINS(s, R) = 1|0 and INTERSECTS(s, R) (or R, s) = 1|0, R a Union, Intersection or Not:
    // the same comparison of s with R's shapes, combined where that is exact for any s:
    //   s in union: only a point (OR)         s meets union: OR
    //   s in intersection: AND                s meets intersection: only a point (AND)
    //   s in Not A: NOT (s meets A)           s meets Not A: NOT (s in A)
    // A POINT constructor is a point; another operand counts as a region.
    expr_ptr compound_comparison(const adql::expr& cmp) {
        if (cmp.op != compare_op::eq && cmp.op != compare_op::ne) return nullptr;
        for (int side = 0; side < 2; ++side) {
            const adql::expr& call = *cmp.args[side];
            const adql::expr& lit = *cmp.args[1 - side];
            if (!is_call(call, function_id::contains) && !is_call(call, function_id::intersects)) continue;
            if (lit.kind != expr_kind::integer || (lit.text != "0" && lit.text != "1")) continue;
            const bool contains = is_call(call, function_id::contains);
            int at = -1;
            std::optional<dali::region> tree;
            for (int k = 0; k < 2; ++k)
                if (auto r = parsed(*call.args[k]); r && r->op != dali::region::op_t::shape) {
                    if (at >= 0) throw error(call.span, "both operands are Union, Intersection or Not regions: not supported");
                    at = k;
                    tree = std::move(r);
                }
            if (at < 0) return nullptr;
            if (contains && at == 0)
                throw error(call.args[0]->span, "a Union, Intersection or Not region as the first argument of CONTAINS "
                                                "is not supported (it has no exact form); put it second");
            const adql::expr& s = *call.args[1 - at];
            if (shapes_in(*tree) > max_region_shapes)
                throw error(call.args[at]->span, fmt::format("the region has {} shapes, more than the {} a query may compare with",
                                                             shapes_in(*tree), max_region_shapes));
            if (!simple_operand(s))
                throw error(s.span, "a Union, Intersection or Not region is compared with a column, or with POINT, CIRCLE, BOX or "
                                    "POLYGON of columns and numbers; not with this expression");
            auto cond = combine(contains, s, *tree, "", call.args[at]->span);
            const bool truth = (lit.text == "1") == (cmp.op == compare_op::eq);
            if (!truth) {
                std::vector<expr_ptr> a;
                a.push_back(std::move(cond));
                cond = node(expr_kind::not_, cmp.span, std::move(a));
            }
            return cond;
        }
        return nullptr;
    }

    expr_ptr combine(bool contains, const adql::expr& s, const dali::region& r, const std::string& outer_frame, source_span span) {
        const std::string frame = r.frame.empty() ? outer_frame : r.frame;
        const bool point = is_call(s, function_id::point);
        using op = dali::region::op_t;
        if (r.op == op::shape) {
            std::vector<expr_ptr> a;
            a.push_back(clone(s));
            a.push_back(constructor(r.value, frame, span));
            auto call = node(expr_kind::function, span, std::move(a));
            call->fn = contains || point ? function_id::contains : function_id::intersects;
            call->text = std::string(detail::builtin_name(call->fn));
            std::vector<expr_ptr> c;
            c.push_back(std::move(call));
            c.push_back(number_literal(1, span));
            auto cmp = node(expr_kind::compare, span, std::move(c));
            cmp->op = compare_op::eq;
            return cmp;
        }
        if (r.op == op::not_) {
            std::vector<expr_ptr> a;
            a.push_back(combine(!contains, s, r.parts[0], frame, span));
            return node(expr_kind::not_, span, std::move(a));
        }
        const bool is_union = r.op == op::union_;
        if (!point && (is_union ? contains : !contains))
            throw error(span, fmt::format("{} of a region {} a{} {} region has no exact form: only a POINT can be tested (write POINT(ra, dec))",
                                          contains ? "CONTAINS" : "INTERSECTS", contains ? "in" : "and",
                                          is_union ? "" : "n", is_union ? "Union" : "Intersection"));
        // A balanced tree of OR / AND: its depth grows with the log of the parts.
        std::vector<expr_ptr> terms;
        for (const auto& p : r.parts) terms.push_back(combine(contains, s, p, frame, span));
        while (terms.size() > 1) {
            std::vector<expr_ptr> next;
            for (std::size_t i = 0; i + 1 < terms.size(); i += 2) {
                std::vector<expr_ptr> a;
                a.push_back(std::move(terms[i]));
                a.push_back(std::move(terms[i + 1]));
                next.push_back(node(is_union ? expr_kind::or_ : expr_kind::and_, span, std::move(a)));
            }
            if (terms.size() % 2) next.push_back(std::move(terms.back()));
            terms = std::move(next);
        }
        return std::move(terms[0]);
    }

    // The shapes of a compound region (its leaves), at most max_region_shapes.
    static constexpr std::size_t max_region_shapes = 256;
    static std::size_t shapes_in(const dali::region& r) {
        if (r.op == dali::region::op_t::shape) return 1;
        std::size_t n = 0;
        for (const auto& p : r.parts) n += shapes_in(p);
        return n;
    }
    // What a compound region may be compared with (it is copied into each comparison): a column,
    // a number, or a geometry constructor of columns and numbers (arithmetic included).
    static bool simple_operand(const adql::expr& e, int depth = 0) {
        if (depth > 8) return false;
        switch (e.kind) {
        case expr_kind::column: case expr_kind::integer: case expr_kind::decimal: case expr_kind::real: case expr_kind::string:
        case expr_kind::null:
            return true;
        case expr_kind::negate: case expr_kind::add: case expr_kind::subtract: case expr_kind::multiply: case expr_kind::divide:
            break;
        case expr_kind::function:
            if (e.fn != function_id::point && e.fn != function_id::circle && e.fn != function_id::box && e.fn != function_id::polygon &&
                e.fn != function_id::pi)
                return false;
            if (e.coord_sys && !simple_operand(*e.coord_sys, depth + 1)) return false;
            break;
        default: return false;
        }
        for (const auto& a : e.args)
            if (!simple_operand(*a, depth + 1)) return false;
        return true;
    }

    void lower(expr_ptr& e) {
        auto r = dali::parse_region(e->args[0]->text);
        if (!r) {
            errors.push_back({e->args[0]->span, std::string("REGION: ") + r.err().what()});
            return;
        }
        if (r->op != dali::region::op_t::shape) {
            errors.push_back({e->args[0]->span, "REGION: a Union, Intersection or Not region can only be compared with 0 or 1 "
                                                "through CONTAINS or INTERSECTS"});
            return;
        }
        e = constructor(r->value, r->frame, e->span);
    }
};

// ---- pass 2: geometry in other frames -> ICRS ----------------------------------------------------

bool is_constructor(const adql::expr& e) {
    return e.kind == expr_kind::function && (e.fn == function_id::point || e.fn == function_id::circle ||
                                             e.fn == function_id::box || e.fn == function_id::polygon);
}

// The frame of a coordinate-system argument: a string (literals joined by || too), NULL or ''
// is ICRS; anything else cannot be known before the query runs.
geometry::frame frame_of(const adql::expr& cs) {
    std::function<std::optional<std::string>(const adql::expr&)> text = [&](const adql::expr& x) -> std::optional<std::string> {
        if (x.kind == expr_kind::string) return x.text;
        if (x.kind == expr_kind::null) return std::string();
        if (x.kind == expr_kind::concat) {
            auto a = text(*x.args[0]), b = text(*x.args[1]);
            if (a && b) return *a + *b;
        }
        return std::nullopt;
    };
    auto t = text(cs);
    if (!t) throw error(cs.span, "the coordinate system must be a string literal (such as 'ICRS' or 'GALACTIC'), NULL or ''");
    auto f = geometry::parse_frame(*t);
    if (!f) throw error(cs.span, f.err().what());
    return *f;
}

// POINT/CIRCLE/BOX/POLYGON with a coordinate system other than ICRS become ICRS constructors
// of literals (a BOX its POLYGON); only constants can be converted before the query runs.
struct frame_conversion {
    std::vector<diagnostic>& errors;

    void query(adql::query& q) {
        for (auto& c : q.with) query(*c.body);
        set(*q.body);
        for (auto& o : q.order_by) expr(*o.value);
    }
    void set(set_expr& s) {
        if (s.left) { set(*s.left); set(*s.right); return; }
        if (s.nested) { query(*s.nested); return; }
        auto& c = *s.select;
        for (auto& i : c.items) if (i.value) expr(*i.value);
        for (auto& f : c.from) table(*f);
        if (c.where) expr(*c.where);
        for (auto& g : c.group_by) expr(*g);
        if (c.having) expr(*c.having);
    }
    void table(table_ref& t) {
        if (t.sub) query(*t.sub);
        if (t.left) { table(*t.left); table(*t.right); }
        if (t.on) expr(*t.on);
    }
    void expr(adql::expr& e) {
        if (is_constructor(e) && e.coord_sys) {
            try {
                convert(e);
            } catch (const error& x) {
                report(errors, x);
            }
        }
        for (auto& a : e.args) expr(*a);
        if (e.sub) query(*e.sub);
    }

    void convert(adql::expr& e) {
        const geometry::frame f = frame_of(*e.coord_sys);
        e.coord_sys.reset();
        // A POINT given to CIRCLE/BOX/POLYGON in the same frame (or none: NULL, '') is converted
        // with its shape.
        auto unspecified = [](const adql::expr& cs) {
            return cs.kind == expr_kind::null ||
                   (cs.kind == expr_kind::string && cs.text.find_first_not_of(" \t") == std::string::npos);
        };
        for (auto& a : e.args)
            if (is_call(*a, function_id::point) && a->coord_sys) {
                if (!unspecified(*a->coord_sys) && frame_of(*a->coord_sys) != f)
                    throw error(a->span, "the POINT's coordinate system differs from its shape's");
                a->coord_sys.reset();
            }
        if (f == geometry::frame::icrs) return;
        auto shape = constant_geometry(e);
        if (!shape)
            throw error(e.span, fmt::format("{} in {} needs constant coordinates: only constant shapes are converted to "
                                            "ICRS (the coordinate-system argument is deprecated since ADQL 2.1)",
                                            builtin_name(e.fn), geometry::frame_name(f)));
        // The shape must be one before it is converted (a radius of 200 or a latitude of 95 would
        // come out as another, valid-looking shape).
        auto bad = [&](const std::string& what) {
            return error(e.span, fmt::format("{} in {}: {}", builtin_name(e.fn), geometry::frame_name(f), what));
        };
        auto check_point = [&](const geometry::lonlat& p) {
            if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || std::fabs(p.lat) > 90)
                throw bad("a latitude must be between -90 and 90 degrees (and every coordinate finite)");
        };
        if (shape->kind == value_type::polygon) for (const auto& v : shape->vertices) check_point(v);
        else check_point(shape->center);
        if (shape->kind == value_type::circle && !(shape->radius >= 0 && shape->radius <= 180))
            throw bad("the radius must be between 0 and 180 degrees");
        if (e.fn == function_id::box) {
            const auto& a = e.args;
            auto w = constant_value(*a[a.size() - 2]), h = constant_value(*a[a.size() - 1]);
            if (!w || !h || !(*w > 0 && *w <= 180 && *h > 0 && *h <= 180)) throw bad("width and height must be in (0, 180] degrees");
        }
        std::vector<double> n;
        if (shape->kind == value_type::point) {
            const auto p = geometry::to_icrs(f, shape->center);
            n = {p.lon, p.lat};
            e.fn = function_id::point;
        } else if (shape->kind == value_type::circle) {
            const auto [c, r] = geometry::circle_to_icrs(f, shape->center, shape->radius);
            n = {c.lon, c.lat, shape->radius >= 180 ? 180.0 : std::min(r, 180.0)};
            e.fn = function_id::circle;
        } else {
            for (const auto& v : shape->vertices) {
                const auto p = geometry::to_icrs(f, v);
                n.push_back(p.lon);
                n.push_back(p.lat);
            }
            e.fn = function_id::polygon;  // a BOX too: its corners
        }
        e.text = std::string(builtin_name(e.fn));
        e.args.clear();
        for (double v : n) e.args.push_back(number_literal(v, e.span));
    }
};

/// Unaliased expression names must be unique in one select list (SQL output names).
void dedupe_output_names(select_core& s) {
    std::map<std::string, int> used;
    for (auto& it : s.items) {
        if (it.alias) used[to_lower(it.alias->name)]++;
        else if (it.value && it.value->kind == expr_kind::column && !it.value->sql_name.empty())
            used[to_lower(it.value->sql_name.back())]++;
    }
    for (auto& it : s.items) {
        if (it.output_name.empty()) continue;
        std::string base = it.output_name, name = base;
        for (int k = 2; used.count(to_lower(name)); ++k) name = fmt::format("{}_{}", base, k);
        used[to_lower(name)]++;
        it.output_name = name;
    }
}

void dedupe_all(query& q);
void dedupe_set(set_expr& s) {
    if (s.left) { dedupe_set(*s.left); dedupe_set(*s.right); return; }
    if (s.nested) { dedupe_all(*s.nested); return; }
    dedupe_output_names(*s.select);
}
void dedupe_all(query& q) {
    for (auto& c : q.with) dedupe_all(*c.body);
    dedupe_set(*q.body);
}

}  // namespace

std::optional<std::int64_t> apply_row_limit(query& q, std::int64_t maxrec) {
    // MAXREC+1 rows are fetched so the writer can tell an overflow (TAP 1.1 section 2.7.4).
    const std::int64_t cap = maxrec < INT64_MAX ? maxrec + 1 : maxrec;
    set_expr& b = *q.body;
    if (b.op == set_op::none && b.select) {
        auto& s = *b.select;
        s.top = s.top ? std::min(*s.top, cap) : cap;
        return s.top;
    }
    q.limit = q.limit ? std::min(*q.limit, cap) : cap;
    return q.limit;
}

namespace {

void lower_regions(query& q, const translate_options&) {
    std::vector<diagnostic> errors;
    region_lowering{errors}.query(q);
    if (!errors.empty()) throw error(std::move(errors));
}

void convert_frames(query& q, const translate_options&) {
    std::vector<diagnostic> errors;
    frame_conversion{errors}.query(q);
    if (!errors.empty()) throw error(std::move(errors));
}

// Names, types and result columns, in one walk of the query (each needs the one before).
void analyze(query& q, const translate_options& options) {
    analyzer a(options.names, options.check_names, q, options.prepared_tables);
    bool more = false;
    try {
        a.analyze(q, nullptr);
    } catch (const analyzer::too_many_errors&) {
        more = true;
    }
    if (a.errors.empty()) return;
    std::stable_sort(a.errors.begin(), a.errors.end(), [](const diagnostic& x, const diagnostic& y) {
        return x.span.begin < y.span.begin;
    });
    if (more) a.errors.push_back({{}, fmt::format("(the query has more errors; the first {} are shown)", analyzer::max_errors)});
    throw error(std::move(a.errors));
}

void dedupe_columns(query& q, const translate_options&) { dedupe_all(q); }

void row_limit(query& q, const translate_options& options) {
    if (options.maxrec) apply_row_limit(q, *options.maxrec);
}

struct pass {
    const char* name;
    void (*run)(query&, const translate_options&);
};

// The passes, in the order they run: run_passes walks this list and nothing else.
constexpr pass passes[] = {{"lower_regions", lower_regions},
                           {"convert_frames", convert_frames},
                           {"resolve_names+infer_types+result_columns", analyze},
                           {"dedupe_columns", dedupe_columns},
                           {"row_limit", row_limit}};

}  // namespace

const std::vector<std::string>& pass_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& p : passes) n.emplace_back(p.name);
        return n;
    }();
    return names;
}

void run_passes(query& q, const translate_options& options) {
    for (const auto& p : passes) {
        if (options.on_pass) options.on_pass(p.name);
        p.run(q, options);
    }
}

std::vector<result_column> result_columns(const query& q) {
    std::vector<result_column> out;
    for (const auto* c : q.result) {
        result_column r = *c;
        r.db_name.clear();
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace dax::adql
