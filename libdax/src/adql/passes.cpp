// The ordered pass list over the AST: REGION lowering, name resolution with ADQL case rules,
// typing (geometry, units), result-column metadata, and the MAXREC row limit.
#include <dax/adql/translate.hpp>

#include <dax/dali/shapes.hpp>
#include <dax/geometry/sphere.hpp>
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

// ---- helpers -----------------------------------------------------------------------------------

using detail::fold;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (x != y && std::tolower(x) != std::tolower(y)) return false;
    }
    return true;
}

bool name_matches(const identifier& id, std::string_view name) {
    if (id.delimited) return id.name == name;
    return equal_ignoring_case(id.name, name);
}

std::string written(const std::vector<identifier>& parts) {
    std::string s;
    for (const auto& p : parts) {
        if (!s.empty()) s += '.';
        s += p.delimited ? "\"" + p.name + "\"" : p.name;
    }
    return s;
}

expr_ptr number_literal(double v, source_span span) {
    auto lit = std::make_unique<expr>(expr_kind::real, span);
    std::string t = geometry::format_number(std::abs(v));
    bool has_exp = t.find_first_of("eE") != std::string::npos;
    lit->kind = has_exp ? expr_kind::real : (t.find('.') != std::string::npos ? expr_kind::decimal : expr_kind::integer);
    lit->text = t;
    if (v < 0 || (v == 0 && std::signbit(v))) {
        auto neg = std::make_unique<expr>(expr_kind::negate, span);
        neg->args.push_back(std::move(lit));
        return neg;
    }
    return lit;
}

template <class F>
void for_each_expr_child(expr& e, F&& f) {
    for (auto& a : e.args) f(*a);
}

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

// ---- pass 2-4: names, types, result metadata ----------------------------------------------------

struct range_var {
    identifier corr;                              // alias, or the table name
    bool aliased = false;
    std::string schema;                           // ADQL schema of a catalog table
    std::vector<std::string> qualifier_sql;       // how references qualify its columns in SQL
    std::vector<const column_info*> columns;
    std::string label;                            // for messages
    bool unresolved = false;                      // an unknown table: its columns cannot be checked
};

struct scope {
    scope* outer = nullptr;
    std::vector<range_var> vars;
    std::set<std::string> merged;                 // USING / NATURAL columns (lower case)
    const select_core* select = nullptr;
};

struct cte_def {
    identifier name;
    const std::vector<const column_info*>* columns;
};

value_type type_of_column(const column_info& c) {
    const std::string x = to_lower(c.xtype);
    if (x == "point") return value_type::point;
    if (x == "circle") return value_type::circle;
    if (x == "polygon") return value_type::polygon;
    if (x == "region" || x == "shape" || x == "adql:region" || x == "stc-s") return value_type::region;
    if (x == "timestamp" || x == "adql:timestamp") return value_type::timestamp;
    const std::string d = to_lower(c.datatype);
    if (d == "short" || d == "int" || d == "long" || d == "unsignedbyte" || d == "bit") return value_type::integer;
    if (d == "float" || d == "double") return value_type::real;
    if (d == "boolean") return value_type::boolean;
    if (d == "char" || d == "unicodechar") return value_type::string;
    return value_type::unknown;
}

const char* type_word(value_type t) {
    switch (t) {
    case value_type::unknown: return "a value";
    case value_type::boolean: return "a boolean";
    case value_type::integer: return "an integer";
    case value_type::real: return "a number";
    case value_type::string: return "a string";
    case value_type::timestamp: return "a timestamp";
    case value_type::point: return "a POINT";
    case value_type::circle: return "a CIRCLE";
    case value_type::polygon: return "a POLYGON";
    case value_type::region: return "a region";
    }
    return "a value";
}

class analyzer {
public:
    analyzer(const catalog* cat, query& root) : cat_(cat), root_(root) {}
    std::vector<diagnostic> errors;

    std::vector<const column_info*> analyze(query& q, scope* outer) {
        size_t pushed = 0;
        for (auto& c : q.with) {
            auto cols = analyze(*c.body, nullptr);
            auto& stored = cte_columns_.emplace_back(std::make_unique<std::vector<const column_info*>>(cols));
            ctes_.push_back({c.name, stored.get()});
            ++pushed;
        }
        scope* last = nullptr;
        auto out = set(*q.body, outer, last);
        for (auto& o : q.order_by) order_item(o, out, last, outer);
        ctes_.resize(ctes_.size() - pushed);
        q.analyzed = cat_ != nullptr;
        q.result = out;
        return out;
    }

private:
    const catalog* cat_;
    query& root_;
    std::vector<cte_def> ctes_;
    std::vector<std::unique_ptr<std::vector<const column_info*>>> cte_columns_;
    std::vector<std::unique_ptr<scope>> scopes_;

public:
    // A hostile query can make thousands of errors (and the work of finding them): after
    // max_errors the pass stops with what it has.
    static constexpr std::size_t max_errors = 50;
    struct too_many_errors {};

private:
    void err(source_span s, std::string m) {
        errors.push_back({s, std::move(m)});
        if (errors.size() >= max_errors) throw too_many_errors{};
    }

    column_info* own(column_info c) {
        root_.owned.push_back(std::make_unique<column_info>(std::move(c)));
        return root_.owned.back().get();
    }

    std::vector<const column_info*> set(set_expr& s, scope* outer, scope*& last) {
        if (s.left) {
            scope* l = nullptr;
            auto a = set(*s.left, outer, l);
            scope* r = nullptr;
            auto b = set(*s.right, outer, r);
            if (a.size() != b.size() && cat_)
                err(s.right->span, fmt::format("each side of {} must give the same number of columns ({} and {})",
                                               s.op == set_op::union_ ? "UNION" : s.op == set_op::intersect ? "INTERSECT" : "EXCEPT",
                                               a.size(), b.size()));
            last = nullptr;
            return a;
        }
        if (s.nested) {
            last = nullptr;
            return analyze(*s.nested, outer);
        }
        return select(*s.select, outer, last);
    }

    // -- FROM --

    void add_table(scope& sc, table_ref& t) {
        switch (t.kind) {
        case table_ref::kind_t::join: {
            size_t before = sc.vars.size();
            add_table(sc, *t.left);
            size_t mid = sc.vars.size();
            add_table(sc, *t.right);
            for (const auto& u : t.using_columns) {
                bool l = false, r = false;
                for (size_t i = before; i < sc.vars.size(); ++i)
                    for (const auto* c : sc.vars[i].columns)
                        if (name_matches(u, c->name)) (i < mid ? l : r) = true;
                if (cat_ && (!l || !r)) err(u.span, fmt::format("USING column '{}' is not in both joined tables", u.name));
                sc.merged.insert(to_lower(u.name));
            }
            if (t.natural) {
                for (size_t i = before; i < mid; ++i)
                    for (const auto* c : sc.vars[i].columns)
                        for (size_t j = mid; j < sc.vars.size(); ++j)
                            for (const auto* d : sc.vars[j].columns)
                                if (equal_ignoring_case(c->name, d->name)) sc.merged.insert(to_lower(c->name));
            }
            if (t.on) expr(*t.on, sc);
            return;
        }
        case table_ref::kind_t::derived: {
            auto cols = analyze(*t.sub, nullptr);
            range_var v;
            v.corr = *t.alias;
            v.aliased = true;
            v.qualifier_sql = {fold(*t.alias)};
            v.columns = cols;
            v.label = t.alias->name;
            sc.vars.push_back(std::move(v));
            return;
        }
        case table_ref::kind_t::table: break;
        }
        range_var v;
        v.aliased = t.alias.has_value();
        v.corr = t.alias ? *t.alias : t.name.back();
        v.label = written(t.name);
        // A one-part name may be a common table expression.
        if (t.name.size() == 1) {
            for (auto it = ctes_.rbegin(); it != ctes_.rend(); ++it) {
                if (name_matches(t.name[0], it->name.name) || (it->name.delimited && t.name[0].delimited && it->name.name == t.name[0].name)) {
                    t.sql_name = {fold(it->name)};
                    v.columns = *it->columns;
                    v.qualifier_sql = t.alias ? std::vector<std::string>{fold(*t.alias)} : t.sql_name;
                    sc.vars.push_back(std::move(v));
                    return;
                }
            }
        }
        if (!cat_) {
            for (const auto& p : t.name) t.sql_name.push_back(fold(p));
            v.qualifier_sql = t.alias ? std::vector<std::string>{fold(*t.alias)} : t.sql_name;
            sc.vars.push_back(std::move(v));
            return;
        }
        const identifier& tn = t.name.back();
        const identifier* schema = t.name.size() >= 2 ? &t.name[t.name.size() - 2] : nullptr;
        std::vector<const table_info*> found;
        for (const table_info* ti : cat_->tables_named(to_lower(tn.name))) {
            if (!name_matches(tn, ti->name)) continue;
            if (schema && !name_matches(*schema, ti->schema)) continue;
            found.push_back(ti);
        }
        v.unresolved = true;
        if (t.name.size() == 3) {
            err(t.name[0].span, fmt::format("catalog qualifier '{}' is not supported; write schema.table", t.name[0].name));
        } else if (found.empty()) {
            err(t.span, fmt::format("unknown table '{}'", written(t.name)));
        } else if (found.size() > 1) {
            std::string all;
            for (auto* f : found) all += (all.empty() ? "" : ", ") + f->schema + "." + f->name;
            err(t.span, fmt::format("ambiguous table '{}': it could be {}; qualify it with its schema",
                                    written(t.name), all));
        } else {
            const table_info* ti = found[0];
            v.unresolved = false;
            t.table = ti;
            const std::string& dbs = ti->db_schema.empty() ? ti->schema : ti->db_schema;
            if (!dbs.empty()) t.sql_name.push_back(dbs);
            t.sql_name.push_back(ti->db_name.empty() ? ti->name : ti->db_name);
            v.schema = ti->schema;
            for (const auto& c : ti->columns) v.columns.push_back(&c);
            v.qualifier_sql = t.alias ? std::vector<std::string>{fold(*t.alias)} : t.sql_name;
        }
        sc.vars.push_back(std::move(v));
    }

    // -- SELECT --

    std::vector<const column_info*> select(select_core& s, scope* outer, scope*& last) {
        scopes_.push_back(std::make_unique<scope>());
        scope& sc = *scopes_.back();
        sc.outer = outer;
        sc.select = &s;
        last = &sc;
        for (auto& f : s.from) add_table(sc, *f);
        // Duplicate correlation names in one FROM are an error (ADQL follows SQL here); each
        // repeated name is reported once, at its later uses.
        if (cat_) {
            std::set<std::tuple<std::string, std::string, bool>> seen;
            for (const auto& v : sc.vars) {
                if (v.corr.delimited) continue;
                if (!seen.insert({to_lower(v.corr.name), v.schema, v.aliased}).second)
                    err(v.corr.span, fmt::format("table name or alias '{}' is used twice in FROM; give one an alias", v.corr.name));
            }
        }
        std::vector<const column_info*> out;
        if (s.star) {
            std::set<std::string> seen_merged;
            for (const auto& v : sc.vars)
                for (const auto* c : v.columns) {
                    std::string l = to_lower(c->name);
                    if (sc.merged.count(l) && !seen_merged.insert(l).second) continue;
                    out.push_back(c);
                }
        }
        int n = 0;
        for (auto& item : s.items) {
            ++n;
            if (!item.value) {
                const range_var* v = find_var(sc, item.all_of);
                if (!v) {
                    if (cat_) err(item.span, fmt::format("unknown table '{}' in {}.*", written(item.all_of), written(item.all_of)));
                    for (const auto& p : item.all_of) item.all_of_sql.push_back(fold(p));
                    continue;
                }
                item.all_of_sql = v->qualifier_sql;
                for (const auto* c : v->columns) out.push_back(c);
                continue;
            }
            expr(*item.value, sc);
            out.push_back(describe(item, n));
        }
        if (s.where) expr(*s.where, sc);
        for (auto& g : s.group_by) expr(*g, sc, &s);
        if (s.having) expr(*s.having, sc, &s);
        return out;
    }

    const range_var* find_var(const scope& sc, const std::vector<identifier>& q) {
        for (const auto& v : sc.vars) {
            if (!name_matches(q.back(), v.corr.name) &&
                !(v.corr.delimited && q.back().delimited && q.back().name == v.corr.name))
                continue;
            if (q.size() >= 2) {
                if (v.aliased) continue;
                if (!name_matches(q[q.size() - 2], v.schema)) continue;
            }
            return &v;
        }
        return nullptr;
    }

    void order_item(adql::order_item& o, const std::vector<const column_info*>& out, scope* last, scope* outer) {
        adql::expr& e = *o.value;
        if (e.kind == expr_kind::integer) {
            long pos = std::strtol(e.text.c_str(), nullptr, 10);
            if (cat_ && (pos < 1 || pos > static_cast<long>(out.size())))
                err(e.span, fmt::format("ORDER BY position {} is not in the select list (1 to {})", e.text, out.size()));
            return;
        }
        const bool bare = e.kind == expr_kind::column && e.name.size() == 1;
        if (last) {
            // A single SELECT: an alias of its select list first, else what its FROM clause names.
            if (bare)
                for (const auto& it : last->select->items)
                    if (it.alias && name_matches(e.name[0], it.alias->name)) {
                        e.sql_name = {fold(*it.alias)};
                        if (it.value) e.type = it.value->type;
                        return;
                    }
            expr(e, *last);
            return;
        }
        // A set operation or a parenthesised query: ORDER BY names its output columns.
        if (bare)
            for (const auto* c : out)
                if (name_matches(e.name[0], c->name)) {
                    e.sql_name = {c->db_name.empty() ? c->name : c->db_name};
                    e.column = c;
                    e.type = type_of_column(*c);
                    return;
                }
        scope sc;
        sc.outer = outer;
        expr(e, sc);
    }

    // -- expressions --

    void expr(adql::expr& e, scope& sc, const select_core* alias_source = nullptr) {
        for (auto& a : e.args) expr(*a, sc, alias_source);
        if (e.sub) {
            auto cols = analyze(*e.sub, &sc);
            if (e.kind == expr_kind::subquery || e.kind == expr_kind::in_query) {
                if (cat_ && cols.size() != 1)
                    err(e.sub->span, fmt::format("a subquery used as a value must select exactly one column, not {}", cols.size()));
                if (!cols.empty()) e.type = e.kind == expr_kind::subquery ? type_of_column(*cols[0]) : e.type;
            }
        }
        switch (e.kind) {
        case expr_kind::column: column(e, sc, alias_source); break;
        case expr_kind::function:
            if (e.fn == function_id::udf && cat_) {
                const function_info* f = cat_->function_named(to_lower(e.text));
                if (!f) err(e.span, fmt::format("unknown function '{}'", e.text));
                else if (f->arg_types.size() != e.args.size())
                    err(e.span, fmt::format("{} takes {} argument{}, got {}", f->name, f->arg_types.size(),
                                            f->arg_types.size() == 1 ? "" : "s", e.args.size()));
                else e.text = f->sql_name.empty() ? f->name : f->sql_name;
            }
            break;
        default: break;
        }
        infer(e);
    }

    void column(adql::expr& e, scope& sc, const select_core* alias_source) {
        const auto& parts = e.name;
        const identifier& cn = parts.back();
        std::vector<identifier> qual(parts.begin(), parts.end() - 1);
        for (scope* s = &sc; s; s = s->outer) {
            std::vector<std::pair<const range_var*, const column_info*>> hits;
            for (const auto& v : s->vars) {
                if (!qual.empty()) {
                    if (!name_matches(qual.back(), v.corr.name)) continue;
                    if (qual.size() >= 2 && (v.aliased || !name_matches(qual[qual.size() - 2], v.schema))) continue;
                }
                for (const auto* c : v.columns)
                    if (name_matches(cn, c->name)) hits.push_back({&v, c});
            }
            if (hits.empty()) continue;
            if (hits.size() > 1) {
                // Same name in several tables: fine for USING/NATURAL columns, or exact-case preference.
                bool merged = qual.empty() && s->merged.count(to_lower(cn.name));
                if (!merged) {
                    std::vector<std::pair<const range_var*, const column_info*>> exact;
                    for (auto& h : hits) if (h.second->name == cn.name && cn.delimited) exact.push_back(h);
                    if (exact.size() == 1) hits = exact;
                }
                if (!merged && hits.size() > 1) {
                    std::string where;
                    for (std::size_t i = 0; i < hits.size() && i < 5; ++i) where += (where.empty() ? "" : " and ") + hits[i].first->label;
                    if (hits.size() > 5) where += fmt::format(" and {} more tables", hits.size() - 5);
                    err(e.span, fmt::format("ambiguous column '{}': it is in {}; qualify it", written(parts), where));
                    return;
                }
            }
            const auto* c = hits[0].second;
            e.column = c;
            e.unit = c->unit;
            if (!qual.empty()) e.sql_name = hits[0].first->qualifier_sql;
            e.sql_name.push_back(c->db_name.empty() ? c->name : c->db_name);
            e.type = type_of_column(*c);
            return;
        }
        // GROUP BY / HAVING may name a select-list alias.
        if (alias_source && qual.empty()) {
            for (const auto& it : alias_source->items)
                if (it.alias && name_matches(cn, it.alias->name)) {
                    e.sql_name = {fold(*it.alias)};
                    if (it.value) e.type = it.value->type;
                    return;
                }
        }
        if (cat_) {
            // Names that may belong to a table already reported unknown are not reported again.
            for (scope* s = &sc; s; s = s->outer)
                for (const auto& v : s->vars)
                    if (v.unresolved && (qual.empty() || name_matches(qual.back(), v.corr.name))) return;
            if (!qual.empty()) {
                bool qual_known = false;
                for (scope* s = &sc; s; s = s->outer)
                    for (const auto& v : s->vars)
                        if (name_matches(qual.back(), v.corr.name)) qual_known = true;
                if (!qual_known) {
                    err(e.span, fmt::format("unknown table '{}' in column reference '{}'", written(qual), written(parts)));
                    return;
                }
            }
            err(e.span, fmt::format("unknown column '{}'", written(parts)));
            return;
        }
        for (const auto& p : parts) e.sql_name.push_back(fold(p));
    }

    // -- types --

    void need(const adql::expr& a, bool ok, std::string_view what, std::string_view in) {
        if (!ok) err(a.span, fmt::format("{} expects {}, not {}", in, what, type_word(a.type)));
    }

    static bool numeric_or_unknown(value_type t) { return t == value_type::unknown || is_numeric(t); }
    static bool geometry_or_unknown(value_type t) { return t == value_type::unknown || is_geometry(t); }
    static bool point_or_unknown(value_type t) { return t == value_type::unknown || t == value_type::point; }

    void infer(adql::expr& e) {
        auto& a = e.args;
        switch (e.kind) {
        case expr_kind::column: case expr_kind::subquery: break;
        case expr_kind::integer: e.type = value_type::integer; break;
        case expr_kind::decimal: case expr_kind::real: e.type = value_type::real; break;
        case expr_kind::string: e.type = value_type::string; break;
        case expr_kind::null: e.type = value_type::unknown; break;
        case expr_kind::negate:
            need(*a[0], numeric_or_unknown(a[0]->type), "a number", "unary minus");
            e.type = a[0]->type;
            e.unit = a[0]->unit;
            break;
        case expr_kind::add: case expr_kind::subtract: case expr_kind::multiply: case expr_kind::divide: {
            const char* op = e.kind == expr_kind::add ? "+" : e.kind == expr_kind::subtract ? "-" : e.kind == expr_kind::multiply ? "*" : "/";
            for (auto& x : a) need(*x, numeric_or_unknown(x->type), "numbers", fmt::format("operator {}", op));
            e.type = a[0]->type == value_type::integer && a[1]->type == value_type::integer ? value_type::integer
                   : (a[0]->type == value_type::unknown || a[1]->type == value_type::unknown) ? value_type::unknown
                   : value_type::real;
            if ((e.kind == expr_kind::add || e.kind == expr_kind::subtract) && a[0]->unit == a[1]->unit) e.unit = a[0]->unit;
            break;
        }
        case expr_kind::concat:
            for (auto& x : a)
                if (is_geometry(x->type)) need(*x, false, "strings", "operator ||");
            e.type = value_type::string;
            break;
        case expr_kind::aggregate:
            if (e.agg == aggregate_id::count) e.type = value_type::integer;
            else {
                if (e.agg != aggregate_id::min && e.agg != aggregate_id::max)
                    need(*a[0], numeric_or_unknown(a[0]->type), "a number", detail::aggregate_name(e.agg));
                e.type = e.agg == aggregate_id::avg ? value_type::real : a[0]->type;
                e.unit = a[0]->unit;
            }
            break;
        case expr_kind::cast: {
            const auto& n = e.cast.name;
            e.type = n == "SMALLINT" || n == "INTEGER" || n == "BIGINT" ? value_type::integer
                   : n == "REAL" || n == "DOUBLE PRECISION" ? value_type::real
                   : n == "TIMESTAMP" ? value_type::timestamp
                   : n == "POINT" ? value_type::point : n == "CIRCLE" ? value_type::circle
                   : n == "POLYGON" ? value_type::polygon : value_type::string;
            if (is_geometry(a[0]->type) && !is_geometry(e.type))
                err(e.span, fmt::format("cannot CAST {} to {}", type_word(a[0]->type), n));
            break;
        }
        case expr_kind::case_when: {
            size_t first = e.case_operand ? 2 : 1;
            e.type = value_type::unknown;
            for (size_t i = first; i < a.size(); i += 2)
                if (a[i]->type != value_type::unknown) { e.type = a[i]->type; break; }
            if (e.case_else && a.back()->type != value_type::unknown && e.type == value_type::unknown) e.type = a.back()->type;
            break;
        }
        case expr_kind::compare:
            for (auto& x : a)
                if (is_geometry(x->type))
                    err(x->span, fmt::format("{} cannot be compared with {}; use CONTAINS or INTERSECTS",
                                             type_word(x->type), e.op == compare_op::eq ? "=" : "a comparison"));
            e.type = value_type::boolean;
            break;
        case expr_kind::like: case expr_kind::ilike:
            for (auto& x : a)
                if (x->type != value_type::unknown && x->type != value_type::string)
                    need(*x, false, "strings", e.kind == expr_kind::like ? "LIKE" : "ILIKE");
            e.type = value_type::boolean;
            break;
        case expr_kind::between: case expr_kind::in_list: case expr_kind::in_query:
            for (auto& x : a)
                if (is_geometry(x->type)) need(*x, false, "numbers or strings", e.kind == expr_kind::between ? "BETWEEN" : "IN");
            e.type = value_type::boolean;
            break;
        case expr_kind::is_null: case expr_kind::exists: case expr_kind::and_: case expr_kind::or_:
        case expr_kind::not_:
            e.type = value_type::boolean;
            break;
        case expr_kind::function: infer_function(e); break;
        }
    }

    void infer_function(adql::expr& e) {
        auto& a = e.args;
        const std::string_view fname = detail::builtin_name(e.fn);
        auto all_numeric = [&]() {
            for (auto& x : a) need(*x, numeric_or_unknown(x->type), "numbers", fname);
        };
        switch (e.fn) {
        case function_id::udf: {
            std::string rt;
            if (cat_)
                if (const function_info* f = cat_->function_named(to_lower(e.text))) rt = to_upper(f->return_type);
            e.type = rt.empty() ? value_type::unknown
                   : rt.find("INT") != std::string::npos ? value_type::integer
                   : rt == "REAL" || rt.find("DOUBLE") != std::string::npos || rt == "FLOAT" ? value_type::real
                   : rt == "POINT" ? value_type::point : rt == "CIRCLE" ? value_type::circle
                   : rt == "POLYGON" ? value_type::polygon : rt == "REGION" ? value_type::region
                   : rt.find("CHAR") != std::string::npos ? value_type::string : value_type::unknown;
            return;
        }
        case function_id::abs: all_numeric(); e.type = a[0]->type == value_type::integer ? value_type::integer : value_type::real; e.unit = a[0]->unit; return;
        case function_id::ceiling: case function_id::floor: case function_id::round: case function_id::truncate:
            all_numeric();
            e.type = value_type::real;
            e.unit = a[0]->unit;
            return;
        case function_id::mod: all_numeric(); e.type = a[0]->type == value_type::integer && a[1]->type == value_type::integer ? value_type::integer : value_type::real; return;
        case function_id::degrees: all_numeric(); e.type = value_type::real; e.unit = "deg"; return;
        case function_id::radians: all_numeric(); e.type = value_type::real; e.unit = "rad"; return;
        case function_id::exp: case function_id::log: case function_id::log10: case function_id::pi:
        case function_id::power: case function_id::rand: case function_id::sqrt: case function_id::acos:
        case function_id::asin: case function_id::atan: case function_id::atan2: case function_id::cos:
        case function_id::cot: case function_id::sin: case function_id::tan:
            all_numeric();
            e.type = value_type::real;
            if (e.fn == function_id::acos || e.fn == function_id::asin || e.fn == function_id::atan || e.fn == function_id::atan2) e.unit = "rad";
            return;
        case function_id::lower: case function_id::upper:
            need(*a[0], a[0]->type == value_type::unknown || a[0]->type == value_type::string, "a string", fname);
            e.type = value_type::string;
            return;
        case function_id::coalesce: case function_id::nullif:
            e.type = value_type::unknown;
            for (auto& x : a) if (x->type != value_type::unknown) { e.type = x->type; e.unit = x->unit; break; }
            return;
        case function_id::in_unit: {
            need(*a[0], numeric_or_unknown(a[0]->type), "a number", "IN_UNIT");
            e.type = value_type::real;
            std::string why;
            if (auto f = detail::unit_factor(a[0]->unit, a[1]->text, why)) {
                e.scale = *f;
                e.unit = a[1]->text;
            } else if (cat_ || why.rfind("unknown unit", 0) == 0) {
                err(e.span, "IN_UNIT: " + why);
            } else {
                err(e.span, "IN_UNIT needs the unit of its argument: give a catalog (--schema) so column units are known");
            }
            return;
        }
        case function_id::point:
            all_numeric();
            e.type = value_type::point;
            return;
        case function_id::circle:
            if (a.size() == 2) {
                need(*a[0], point_or_unknown(a[0]->type), "a POINT as centre", "CIRCLE");
                need(*a[1], numeric_or_unknown(a[1]->type), "a number as radius", "CIRCLE");
            } else {
                all_numeric();
            }
            e.type = value_type::circle;
            return;
        case function_id::box:
            if (a.size() == 3) {
                need(*a[0], point_or_unknown(a[0]->type), "a POINT as centre", "BOX");
                for (size_t i = 1; i < 3; ++i) need(*a[i], numeric_or_unknown(a[i]->type), "numbers as sizes", "BOX");
            } else {
                all_numeric();
            }
            e.type = value_type::polygon;
            return;
        case function_id::polygon: {
            bool points = a[0]->type == value_type::point;
            if (points) {
                for (auto& x : a) need(*x, point_or_unknown(x->type), "POINTs as vertices", "POLYGON");
            } else {
                if (a.size() % 2 != 0 || a.size() < 6)
                    err(e.span, fmt::format("POLYGON takes at least 3 vertices as pairs of coordinates or as POINTs, got {} values", a.size()));
                all_numeric();
            }
            e.type = value_type::polygon;
            return;
        }
        case function_id::region: e.type = value_type::region; return;
        case function_id::contains: case function_id::intersects:
            for (auto& x : a) need(*x, geometry_or_unknown(x->type), "geometries", fname);
            e.type = value_type::integer;
            return;
        case function_id::distance:
            if (a.size() == 2) {
                for (auto& x : a) need(*x, point_or_unknown(x->type), "POINTs", "DISTANCE");
            } else {
                all_numeric();
            }
            e.type = value_type::real;
            e.unit = "deg";
            return;
        case function_id::area:
            need(*a[0], geometry_or_unknown(a[0]->type), "a geometry", "AREA");
            e.type = value_type::real;
            e.unit = "deg**2";
            return;
        case function_id::centroid:
            need(*a[0], geometry_or_unknown(a[0]->type), "a geometry", "CENTROID");
            e.type = value_type::point;
            return;
        case function_id::coord1: case function_id::coord2:
            need(*a[0], point_or_unknown(a[0]->type), "a POINT", fname);
            e.type = value_type::real;
            e.unit = "deg";
            return;
        case function_id::coordsys:
            need(*a[0], geometry_or_unknown(a[0]->type), "a geometry", "COORDSYS");
            e.type = value_type::string;
            return;
        }
    }

    // -- result metadata --

    const column_info* describe(select_item& item, int position) {
        const adql::expr& e = *item.value;
        column_info c;
        if (e.kind == expr_kind::column && !e.column) {  // syntax-only mode: nothing known but the name
            c.name = item.alias ? item.alias->name : e.name.back().name;
            c.db_name = item.alias ? fold(*item.alias) : (e.sql_name.empty() ? fold(e.name.back()) : e.sql_name.back());
            c.datatype = "char";
            c.arraysize = "*";
            return own(std::move(c));
        }
        if (e.kind == expr_kind::column && e.column) {
            c = *e.column;
            if (item.alias) {
                c.name = item.alias->name;
                c.db_name = fold(*item.alias);
            } else {
                c.db_name = e.sql_name.back();
            }
            return item.alias || e.column ? own(std::move(c)) : e.column;
        }
        if (item.alias) {
            c.name = item.alias->name;
            c.db_name = fold(*item.alias);
        } else {
            c.name = default_name(e, position);
            c.db_name = c.name;
            item.output_name = c.name;
        }
        c.unit = e.unit;
        switch (e.type) {
        case value_type::integer: c.datatype = "long"; break;
        case value_type::real: c.datatype = "double"; break;
        case value_type::boolean: c.datatype = "boolean"; break;
        case value_type::string: c.datatype = "char"; c.arraysize = "*"; break;
        case value_type::timestamp: c.datatype = "char"; c.arraysize = "*"; c.xtype = "timestamp"; break;
        case value_type::point: c.datatype = "double"; c.arraysize = "2"; c.xtype = "point"; c.unit = "deg"; break;
        case value_type::circle: c.datatype = "double"; c.arraysize = "3"; c.xtype = "circle"; c.unit = "deg"; break;
        case value_type::polygon: c.datatype = "double"; c.arraysize = "*"; c.xtype = "polygon"; c.unit = "deg"; break;
        case value_type::region: c.datatype = "char"; c.arraysize = "*"; c.xtype = "adql:REGION"; break;
        case value_type::unknown: c.datatype = "char"; c.arraysize = "*"; break;
        }
        if (e.kind == expr_kind::function && e.fn == function_id::distance) c.ucd = "pos.angDistance";
        if (e.kind == expr_kind::aggregate && e.agg != aggregate_id::count && !e.args.empty() && e.args[0]->column) {
            const column_info* src = e.args[0]->column;
            if (e.agg == aggregate_id::avg) c.ucd = src->ucd.empty() ? "stat.mean" : "stat.mean;" + src->ucd;
            else if (e.agg == aggregate_id::min) c.ucd = src->ucd.empty() ? "stat.min" : "stat.min;" + src->ucd;
            else if (e.agg == aggregate_id::max) c.ucd = src->ucd.empty() ? "stat.max" : "stat.max;" + src->ucd;
            if (e.agg != aggregate_id::avg && e.agg != aggregate_id::sum) {
                c.datatype = src->datatype;
                c.arraysize = src->arraysize;
                c.xtype = src->xtype;
            }
        }
        if (e.kind == expr_kind::aggregate && e.agg == aggregate_id::count) c.ucd = "meta.number";
        return own(std::move(c));
    }

    static std::string default_name(const adql::expr& e, int position) {
        if (e.kind == expr_kind::function)
            return to_lower(e.fn == function_id::udf ? e.text : std::string(detail::builtin_name(e.fn)));
        if (e.kind == expr_kind::aggregate) return to_lower(detail::aggregate_name(e.agg));
        return fmt::format("col{}", position);
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
    analyzer a(options.names, q);
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
