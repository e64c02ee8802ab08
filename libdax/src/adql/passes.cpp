// The ordered pass list over the AST: REGION lowering, name resolution with ADQL case rules,
// typing (geometry, units), result-column metadata, and the MAXREC row limit.
#include <dax/adql/translate.hpp>

#include <dax/dali/shapes.hpp>
#include <dax/geometry/sphere.hpp>
#include "analyzer.hpp"
#include "functions.hpp"
#include "units.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <set>
#include <tuple>
#include <sstream>

namespace dax::adql {

using detail::to_lower;
using detail::to_upper;

namespace {

using namespace detail;

// ---- pass 1: REGION('...') -> POINT/CIRCLE/POLYGON/BOX ------------------------------------------

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
        for (auto& a : e->args) expr(a);
        if (e->sub) query(*e->sub);
        if (e->kind == expr_kind::function && e->fn == function_id::region) lower(e);
    }

    void lower(expr_ptr& e) {
        auto r = dali::parse_region(e->args[0]->text);
        if (!r) {
            errors.push_back({e->args[0]->span, std::string("REGION: ") + r.err().what()});
            return;
        }
        using k = dali::shape::kind_t;
        const function_id fn = r->kind == k::point ? function_id::point : r->kind == k::circle ? function_id::circle
                             : r->kind == k::box   ? function_id::box   : function_id::polygon;
        auto out = std::make_unique<adql::expr>(expr_kind::function, e->span);
        out->fn = fn;
        out->text = std::string(detail::builtin_name(fn));
        for (double v : r->numbers) out->args.push_back(number_literal(v, e->args[0]->span));
        e = std::move(out);
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

// Names, types and result columns, in one walk of the query (each needs the one before).
void analyze(query& q, const translate_options& options) {
    analyzer a(options.names, q, options.sqlite_region_indexes);
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
