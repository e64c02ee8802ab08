// Structural dump of the AST (spans and pass annotations excluded), used to compare trees.
#include <dax/adql/ast.hpp>

#include "functions.hpp"

namespace dax::adql {

bool is_geometry(value_type t) {
    return t == value_type::point || t == value_type::circle || t == value_type::polygon ||
           t == value_type::region;
}

bool is_numeric(value_type t) { return t == value_type::integer || t == value_type::real; }

namespace {

struct dumper {
    std::string out;

    void id(const identifier& i) {
        out += i.delimited ? "\"" + i.name + "\"" : i.name;
    }
    void ids(const std::vector<identifier>& v) {
        for (size_t i = 0; i < v.size(); ++i) {
            if (i) out += '.';
            id(v[i]);
        }
    }

    void e(const expr* x) {
        if (!x) {
            out += "_";
            return;
        }
        static const char* kinds[] = {
            "col", "int", "dec", "real", "str", "null", "neg", "+", "-", "*", "/", "||", "fn", "agg",
            "cast", "case", "subq", "cmp", "between", "in", "inq", "like", "ilike", "isnull", "exists",
            "and", "or", "not"};
        out += '(';
        out += kinds[static_cast<int>(x->kind)];
        switch (x->kind) {
        case expr_kind::column: out += ' '; ids(x->name); break;
        case expr_kind::integer: case expr_kind::decimal: case expr_kind::real:
        case expr_kind::string: out += " [" + x->text + "]"; break;
        case expr_kind::function:
            out += ' ';
            out += x->fn == function_id::udf ? detail::to_lower(x->text) : std::string(detail::builtin_name(x->fn));
            if (x->coord_sys) {
                out += " (cs ";
                e(x->coord_sys.get());
                out += ')';
            }
            break;
        case expr_kind::aggregate:
            out += ' ';
            out += detail::aggregate_name(x->agg);
            if (x->distinct) out += " distinct";
            if (x->all_quantifier) out += " all";
            break;
        case expr_kind::cast:
            out += ' ' + x->cast.name;
            if (x->cast.length) out += '(' + std::to_string(*x->cast.length) + ')';
            break;
        case expr_kind::case_when:
            if (x->case_operand) out += " operand";
            if (x->case_else) out += " else";
            break;
        case expr_kind::compare: {
            static const char* ops[] = {"=", "<>", "<", ">", "<=", ">="};
            out += ' ';
            out += ops[static_cast<int>(x->op)];
            break;
        }
        default: break;
        }
        if (x->negated) out += " not";
        for (const auto& a : x->args) {
            out += ' ';
            e(a.get());
        }
        if (x->sub) {
            out += ' ';
            q(*x->sub);
        }
        out += ')';
    }

    void t(const table_ref& r) {
        switch (r.kind) {
        case table_ref::kind_t::table: out += "(table "; ids(r.name); break;
        case table_ref::kind_t::derived: out += "(derived "; q(*r.sub); break;
        case table_ref::kind_t::join: {
            static const char* kinds[] = {"cross", "inner", "left", "right", "full"};
            out += "(join ";
            out += kinds[static_cast<int>(r.join)];
            if (r.natural) out += " natural";
            if (r.join_explicit_inner) out += " INNER";
            if (r.join_outer_word) out += " OUTER";
            if (r.join_implicit_cross) out += " implicit";
            out += ' ';
            t(*r.left);
            out += ' ';
            t(*r.right);
            if (r.on) {
                out += " on ";
                e(r.on.get());
            }
            if (!r.using_columns.empty()) {
                out += " using";
                for (const auto& u : r.using_columns) {
                    out += ' ';
                    id(u);
                }
            }
            break;
        }
        }
        if (r.alias) {
            out += " as ";
            id(*r.alias);
        }
        out += ')';
    }

    void s(const set_expr& x) {
        if (x.op == set_op::none) {
            if (x.nested) {
                out += "(nested ";
                q(*x.nested);
                out += ')';
                return;
            }
            const select_core& c = *x.select;
            out += "(select";
            if (c.distinct) out += " distinct";
            if (c.all_quantifier) out += " all";
            if (c.top) out += " top " + std::to_string(*c.top);
            for (const auto& it : c.items) {
                out += " (item ";
                if (it.star()) out += "*";
                else if (it.value) e(it.value.get());
                else {
                    ids(it.all_of);
                    out += ".*";
                }
                if (it.alias) {
                    out += " as ";
                    id(*it.alias);
                }
                out += ')';
            }
            out += " (from";
            for (const auto& f : c.from) {
                out += ' ';
                t(*f);
            }
            out += ')';
            if (c.where) { out += " (where "; e(c.where.get()); out += ')'; }
            if (!c.group_by.empty()) {
                out += " (group";
                for (const auto& g : c.group_by) { out += ' '; e(g.get()); }
                out += ')';
            }
            if (c.having) { out += " (having "; e(c.having.get()); out += ')'; }
            out += ')';
            return;
        }
        static const char* ops[] = {"", "union", "intersect", "except"};
        out += '(';
        out += ops[static_cast<int>(x.op)];
        if (x.all) out += " all";
        out += ' ';
        s(*x.left);
        out += ' ';
        s(*x.right);
        out += ')';
    }

    void q(const query& x) {
        out += "(query";
        for (const auto& w : x.with) {
            out += " (with ";
            id(w.name);
            out += ' ';
            q(*w.body);
            out += ')';
        }
        out += ' ';
        s(*x.body);
        if (!x.order_by.empty()) {
            out += " (order";
            for (const auto& o : x.order_by) {
                out += ' ';
                e(o.value.get());
                if (o.explicit_direction) out += o.descending ? " desc" : " asc";
            }
            out += ')';
        }
        if (x.offset) out += " (offset " + std::to_string(*x.offset) + ")";
        if (x.limit) out += " (limit " + std::to_string(*x.limit) + ")";
        out += ')';
    }
};

}  // namespace

std::string dump(const query& q) {
    dumper d;
    d.q(q);
    return d.out;
}

}  // namespace dax::adql
