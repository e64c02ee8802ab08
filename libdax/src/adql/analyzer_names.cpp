// Name resolution (ADQL 2.1 section 2.1: case rules, delimited names, scopes of FROM,
// subqueries and WITH) and the result columns of each SELECT.
#include "analyzer.hpp"
#include "units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace dax::adql::detail {

std::vector<const column_info*> analyzer::analyze(query& q, scope* outer) {
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
    q.analyzed = check_;
    q.result = out;
    return out;
}

void analyzer::err(source_span s, std::string m) {
    errors.push_back({s, std::move(m)});
    if (errors.size() >= max_errors) throw too_many_errors{};
}

column_info* analyzer::own(column_info c) {
    root_.owned.push_back(std::make_unique<column_info>(std::move(c)));
    return root_.owned.back().get();
}

std::vector<const column_info*> analyzer::set(set_expr& s, scope* outer, scope*& last) {
    if (s.left) {
        scope* l = nullptr;
        auto a = set(*s.left, outer, l);
        scope* r = nullptr;
        auto b = set(*s.right, outer, r);
        if (a.size() != b.size() && check_)
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

void analyzer::add_table(scope& sc, table_ref& t) {
    switch (t.kind) {
    case table_ref::kind_t::join: add_join(sc, t); return;
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
    case table_ref::kind_t::table: add_named_table(sc, t); return;
    }
}

// Both sides' range variables, then the columns USING and NATURAL merge, then ON.
void analyzer::add_join(scope& sc, table_ref& t) {
    size_t before = sc.vars.size();
    add_table(sc, *t.left);
    size_t mid = sc.vars.size();
    add_table(sc, *t.right);
    for (const auto& u : t.using_columns) {
        bool l = false, r = false;
        for (size_t i = before; i < sc.vars.size(); ++i)
            for (const auto* c : sc.vars[i].columns)
                if (name_matches(u, c->name)) (i < mid ? l : r) = true;
        if (check_ && (!l || !r)) err(u.span, fmt::format("USING column '{}' is not in both joined tables", u.name));
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
}

// A table by name: a common table expression, else (with a catalog) a catalog table.
void analyzer::add_named_table(scope& sc, table_ref& t) {
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
    if (!check_) {
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
        if (base_tables_ && base_tables_(*ti)) v.base_sql = t.sql_name;
    }
    sc.vars.push_back(std::move(v));
}

std::vector<const column_info*> analyzer::select(select_core& s, scope* outer, scope*& last) {
    scopes_.push_back(std::make_unique<scope>());
    scope& sc = *scopes_.back();
    sc.outer = outer;
    sc.select = &s;
    last = &sc;
    for (auto& f : s.from) add_table(sc, *f);
    // Duplicate correlation names in one FROM are an error (ADQL follows SQL here); each
    // repeated name is reported once, at its later uses.
    if (check_) {
        std::set<std::tuple<std::string, std::string, bool>> seen;
        for (const auto& v : sc.vars) {
            if (v.corr.delimited) continue;
            if (!seen.insert({to_lower(v.corr.name), v.schema, v.aliased}).second)
                err(v.corr.span, fmt::format("table name or alias '{}' is used twice in FROM; give one an alias", v.corr.name));
        }
    }
    std::vector<const column_info*> out;
    int n = 0;
    for (auto& item : s.items) {
        ++n;
        if (item.star()) {  // every table's columns, a USING/NATURAL column once
            std::set<std::string> seen_merged;
            for (const auto& v : sc.vars)
                for (const auto* c : v.columns) {
                    std::string l = to_lower(c->name);
                    if (sc.merged.count(l) && !seen_merged.insert(l).second) continue;
                    out.push_back(c);
                }
            if (sc.vars.size() == 1 && sc.merged.empty()) item.all_of_sql = sc.vars[0].qualifier_sql;
            continue;
        }
        if (!item.value) {
            const range_var* v = find_var(sc, item.all_of);
            if (!v) {
                if (check_) err(item.span, fmt::format("unknown table '{}' in {}.*", written(item.all_of), written(item.all_of)));
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
    // Stars can multiply columns: a result of more than max_result_columns (what a VOTable
    // reader takes) is refused before any SQL is printed for it.
    if (out.size() > max_result_columns)
        err(s.span, fmt::format("the select list gives {} columns, more than {}", out.size(), max_result_columns));
    if (s.where) expr(*s.where, sc);
    for (auto& g : s.group_by) expr(*g, sc, &s);
    if (s.having) expr(*s.having, sc, &s);
    return out;
}

const range_var* analyzer::find_var(const scope& sc, const std::vector<identifier>& q) {
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

void analyzer::order_item(adql::order_item& o, const std::vector<const column_info*>& out, scope* last, scope* outer) {
    adql::expr& e = *o.value;
    if (e.kind == expr_kind::integer) {
        long pos = std::strtol(e.text.c_str(), nullptr, 10);
        if (check_ && (pos < 1 || pos > static_cast<long>(out.size())))
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

void analyzer::expr(adql::expr& e, scope& sc, const select_core* alias_source) {
    for (auto& a : e.args) expr(*a, sc, alias_source);
    if (e.coord_sys) {
        expr(*e.coord_sys, sc, alias_source);
        need(*e.coord_sys, e.coord_sys->type == value_type::string || e.coord_sys->type == value_type::unknown,
             "a string as coordinate system", builtin_name(e.fn));
    }
    if (e.sub) {
        auto cols = analyze(*e.sub, &sc);
        if (e.kind == expr_kind::subquery || e.kind == expr_kind::in_query) {
            if (check_ && cols.size() != 1)
                err(e.sub->span, fmt::format("a subquery used as a value must select exactly one column, not {}", cols.size()));
            if (!cols.empty()) e.type = e.kind == expr_kind::subquery ? type_of_column(*cols[0]) : e.type;
        }
    }
    switch (e.kind) {
    case expr_kind::column: column(e, sc, alias_source); break;
    case expr_kind::function:
        if (e.fn == function_id::udf) {  // neither ADQL's nor declared: an error at every level
            const function_info* f = cat_ ? cat_->function_named(to_lower(e.text)) : nullptr;
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

void analyzer::column(adql::expr& e, scope& sc, const select_core* alias_source) {
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
        if (hits.size() == 1) {  // not a merged USING / NATURAL column: its rows may come from either side
            e.base_table_sql = hits[0].first->base_sql;
            if (!e.base_table_sql.empty()) e.row_qualifier_sql = hits[0].first->qualifier_sql;
        }
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
    if (check_) {
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

}  // namespace dax::adql::detail
