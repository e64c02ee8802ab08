// The baseline printer: SQL in the PostgreSQL style, with hooks for dialects and for ADQL.
#include "printer.hpp"

#include "functions.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace dax::adql::detail {

std::string printer::print(const adql::query& q) {
    out.clear();
    derived_counter_ = 0;
    conjuncts.clear();  // a reused printer must not match the freed nodes of an earlier query
    positive.clear();
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
    for (size_t i = 0; i < s.items.size(); ++i) {
        if (i) out += ", ";
        const auto& it = s.items[i];
        if (it.star()) {
            star_item(it, i == 0);
            continue;
        }
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
        collect_conjuncts(*s.where);
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
    case join_kind::cross:
        out += !is_adql() || !t.join_implicit_cross ? " CROSS JOIN " : t.join_explicit_inner ? " INNER JOIN " : " JOIN ";
        return;
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
        // A join on the right (a JOIN b CROSS JOIN c ON ...) keeps its grouping in parentheses.
        if (t.right->kind == table_ref::kind_t::join && !t.right->parenthesized) {
            out += '(';
            table(*t.right);
            out += ')';
        } else {
            table(*t.right);
        }
        if (t.on) {
            out += " ON ";
            collect_conjuncts(*t.on);
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

bool printer::circle_area(const adql::expr& e, bool constant_only) {
    const adql::expr& c = *e.args[0];
    if (c.kind != expr_kind::function || c.fn != function_id::circle) return false;
    const adql::expr& r = *c.args.back();
    constexpr double deg2_per_sr = (180 / 3.14159265358979323846) * (180 / 3.14159265358979323846);
    if (auto s = constant_geometry(c)) {
        if (!(s->radius >= 0 && s->radius <= 180)) throw error(r.span, "a CIRCLE radius must be between 0 and 180 degrees");
        if (!(std::fabs(s->center.lat) <= 90)) throw error(c.span, "a CIRCLE centre's latitude must be between -90 and 90 degrees");
        number(geometry::circle_area_sr(s->radius) * deg2_per_sr);
        return true;
    }
    if (constant_only) return false;
    // NULL where the circle is not one: a NULL centre, a radius outside 0..180.
    out += "CASE WHEN ";
    for (std::size_t i = 0; i + 1 < c.args.size(); ++i) {
        emit(*c.args[i], 5);
        out += " IS NULL OR ";
    }
    out += "NOT (";
    emit(r, 5);
    out += " BETWEEN 0 AND 180) THEN NULL ELSE 4 * PI() * POWER(SIN(RADIANS(";
    emit(r);
    out += ") / 2), 2) * ";
    out += geometry::format_number(deg2_per_sr);
    out += " END";
    return true;
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
    if (is_geometry_function(e.fn)) geometry_function(e);
    else math_function(e);
}

void printer::math_function(const adql::expr& e) {
    switch (e.fn) {
    case function_id::log: call("ln", e); return;
    case function_id::rand: out += "random()"; return;
    case function_id::truncate: call("trunc", e); return;
    case function_id::in_unit:
        if (std::isnan(e.scale))
            throw error(e.span, "IN_UNIT needs the unit of its argument: give a catalog (--schema) so column units are known");
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
    // Precedence 9 is exactly the kinds that are not operators (see precedence()).
    if (p == 9) emit_term(e);
    else emit_operation(e, p);
    if (paren) out += ')';
}

void printer::emit_term(const adql::expr& e) {
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
    case expr_kind::case_when: case_expression(e); break;
    case expr_kind::subquery:
        out += '(';
        query(*e.sub, false);
        out += ')';
        break;
    default: break;  // operators: emit_operation
    }
}

void printer::case_expression(const adql::expr& e) {
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
}

void printer::emit_operation(const adql::expr& e, int p) {
    switch (e.kind) {
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
    default: break;  // terms: emit_term
    }
}

}  // namespace dax::adql::detail
