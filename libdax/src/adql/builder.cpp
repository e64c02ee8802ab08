// Parse tree -> AST, part one: queries (WITH, set operations, ORDER BY, OFFSET), SELECT, FROM
// and names. Conditions and values: builder_expr.cpp.
#include "builder.hpp"

#include <charconv>

namespace dax::adql::detail {

[[noreturn]] void fail(source_span span, std::string message) {
    throw build_failure{{span, std::move(message)}};
}

std::int64_t parse_count(antlr4::Token* t, const char* what) {
    std::int64_t v = 0;
    const std::string s = t->getText();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        fail(span_of(t), fmt::format("{} value {} is too large", what, s));
    return v;
}

query_ptr builder::query_expression(P::QueryExpressionContext* c) {
    deeper d(*this, c);
    auto q = std::make_unique<query>();
    q->span = span_of(c);
    const bool top = top_query_;
    top_query_ = false;
    // ADQL 2.1 section 2.2.2: WITH starts the whole query, nowhere else (not in a subquery, a
    // derived table, an operand of UNION or a WITH query's own body).
    if (c->withClause() && !top)
        fail(span_of(c->withClause()), "WITH is allowed only at the start of the whole query, not in a subquery or set operand");
    if (auto* w = c->withClause()) {
        for (auto* wq : w->withQuery()) {
            common_table ct;
            ct.name = name(wq->name);
            ct.body = query_expression(wq->queryExpression());
            q->with.push_back(std::move(ct));
        }
    }
    auto* se = c->selectExpression();
    q->body = set_expression(se->setExpression());
    if (auto* ob = se->orderByClause()) {
        for (auto* oi : ob->orderItem()) {
            order_item it;
            it.value = value(oi->valueExpr());
            if (oi->dir) {
                it.explicit_direction = true;
                it.descending = oi->dir->getType() == L::DESC;
            }
            q->order_by.push_back(std::move(it));
        }
    }
    if (auto* off = se->offsetClause()) q->offset = parse_count(off->INTEGER_LIT()->getSymbol(), "OFFSET");
    return q;
}

identifier builder::name(antlr4::Token* c) {
    identifier id;
    id.span = span_of(c);
    if (c->getType() == L::DELIMITED_ID) {
        std::string raw = text(c);
        std::string body = raw.substr(1, raw.size() - 2);
        std::string out;
        out.reserve(body.size());
        for (size_t i = 0; i < body.size(); ++i) {
            out += body[i];
            if (body[i] == '"') ++i;  // "" -> "
        }
        if (out.empty()) fail(id.span, "empty delimited identifier \"\"");
        id.name = std::move(out);
        id.delimited = true;
    } else {
        id.name = text(c);
    }
    return id;
}

// A name used as a schema, table, column or alias: reserved words must be quoted.
identifier builder::plain_name(antlr4::Token* c) {
    identifier id = name(c);
    if (!id.delimited) {
        if (id.name[0] == '_')
            fail(id.span, fmt::format("'{}' is not a valid ADQL name (names start with a letter); "
                                      "write \"{}\" to use it as a name", id.name, id.name));
        if (detail::is_reserved_word(id.name))
            fail(id.span, fmt::format("{} is a reserved word: write \"{}\" to use it as a name",
                                      to_upper(id.name), id.name));
    }
    return id;
}

std::vector<identifier> builder::qualified(P::QualifiedNameContext* c) {
    std::vector<identifier> parts;
    parts.reserve(c->parts.size());
    for (auto* t : c->parts) parts.push_back(plain_name(t));
    return parts;
}

std::unique_ptr<set_expr> builder::set_expression(P::SetExpressionContext* c) {
    deeper d(*this, c);
    auto s = std::make_unique<set_expr>();
    s->span = span_of(c);
    if (auto* p = as<P::SetPrimContext>(c)) {
        auto* prim = p->setPrimary();
        if (prim->selectQuery()) s->select = select(prim->selectQuery());
        else s->nested = query_expression(prim->queryExpression());
        return s;
    }
    if (auto* i = as<P::SetIntersectContext>(c)) {
        s->op = set_op::intersect;
        s->all = i->ALL() != nullptr;
        s->left = set_expression(i->setExpression(0));
        s->right = set_expression(i->setExpression(1));
        return s;
    }
    auto* u = static_cast<P::SetUnionContext*>(c);
    s->op = u->op->getType() == L::UNION ? set_op::union_ : set_op::except;
    s->all = u->ALL() != nullptr;
    s->left = set_expression(u->setExpression(0));
    s->right = set_expression(u->setExpression(1));
    return s;
}

std::unique_ptr<select_core> builder::select(P::SelectQueryContext* c) {
    auto s = std::make_unique<select_core>();
    s->span = span_of(c);
    if (c->quantifier) {
        s->distinct = c->quantifier->getType() == L::DISTINCT;
        s->all_quantifier = !s->distinct;
    }
    if (c->TOP()) s->top = parse_count(c->INTEGER_LIT()->getSymbol(), "TOP");
    for (auto* item : c->selectList()->selectItem()) {
        select_item it;
        it.span = span_of(item);
        if (!item->star) {
            auto* v = item->valueExpr();
            auto* ref = as<P::NameRefContext>(v);
            if (ref && ref->allOf) {
                if (item->alias) fail(span_of(item->alias), "t.* takes no alias");
                it.all_of = all_of(ref);
            } else {
                it.value = value(v);
                if (item->alias) it.alias = plain_name(item->alias);
            }
        }
        s->items.push_back(std::move(it));
    }
    for (auto* t : c->fromClause()->tableReference()) s->from.push_back(table(t));
    if (auto* w = c->whereClause()) s->where = condition(w->searchCondition());
    if (auto* g = c->groupByClause())
        for (auto* v : g->valueExpr()) s->group_by.push_back(value(v));
    if (auto* h = c->havingClause()) s->having = condition(h->searchCondition());
    return s;
}

std::vector<identifier> builder::all_of(P::NameRefContext* r) {
    // t.*: the star must end the name.
    if (r->allOf->getStopIndex() + 1 != r->getStop()->getStopIndex() + 1 || r->parts.empty())
        fail(span_of(r->allOf), "* must end the name, as in t.*");
    std::vector<identifier> q;
    for (auto* t : r->parts) q.push_back(plain_name(t));
    if (q.size() > 3) fail(span_of(r), "a table name has at most three parts (catalog.schema.table)");
    return q;
}

table_ref_ptr builder::table(P::TableReferenceContext* c) {
    deeper d(*this, c);
    if (auto* p = as<P::TabPrimaryContext>(c)) return table_primary(p->tablePrimary());
    auto t = std::make_unique<table_ref>();
    t->span = span_of(c);
    t->kind = table_ref::kind_t::join;
    if (auto* x = as<P::TabCrossContext>(c)) {
        t->join = join_kind::cross;
        t->left = table(x->tableReference());
        t->right = table_primary(x->tablePrimary());
        return t;
    }
    auto* j = static_cast<P::TabJoinContext*>(c);
    t->natural = j->NATURAL() != nullptr;
    t->left = table(j->tableReference(0));
    t->right = table(j->tableReference(1));
    if (auto* jt = j->joinType()) {
        if (jt->INNER()) {
            t->join = join_kind::inner;
            t->join_explicit_inner = true;
        } else {
            t->join = jt->LEFT() ? join_kind::left : jt->RIGHT() ? join_kind::right : join_kind::full;
            t->join_outer_word = jt->OUTER() != nullptr;
        }
    }
    if (auto* spec = j->joinSpecification()) {
        if (t->natural)
            fail(span_of(spec), "a NATURAL JOIN takes no ON or USING clause");
        if (auto* on = as<P::JoinOnContext>(spec)) {
            t->on = condition(on->searchCondition());
        } else {
            for (auto* id : static_cast<P::JoinUsingContext*>(spec)->cols)
                t->using_columns.push_back(plain_name(id));
        }
    } else if (!t->natural) {
        // ADQL 2.0's BNF makes the join specification optional; without one a JOIN (or INNER
        // JOIN) pairs every row with every row: the SQL reading, a cross join. An outer join
        // needs its condition.
        if (t->join != join_kind::inner)
            fail(span_of(j->JOIN()->getSymbol()), "an outer JOIN needs an ON or USING clause");
        // a JOIN b JOIN c ON x reads as a JOIN (b JOIN c ON x), where x cannot name a: refused.
        if (t->right->kind == table_ref::kind_t::join && !t->right->parenthesized)
            fail(span_of(j->JOIN()->getSymbol()),
                 "a JOIN without ON or USING followed by another JOIN: give each its ON clause, or write CROSS JOIN");
        t->join = join_kind::cross;
        t->join_implicit_cross = true;
    }
    return t;
}

table_ref_ptr builder::table_primary(P::TablePrimaryContext* c) {
    if (auto* pj = as<P::ParenJoinContext>(c)) {
        auto t = table(pj->tableReference());
        t->parenthesized = true;
        return t;
    }
    auto t = std::make_unique<table_ref>();
    t->span = span_of(c);
    if (auto* tn = as<P::TableNameContext>(c)) {
        t->kind = table_ref::kind_t::table;
        t->name = qualified(tn->qualifiedName());
        if (t->name.size() > 3)
            fail(t->span, "a table name has at most three parts (catalog.schema.table)");
        if (tn->alias) t->alias = plain_name(tn->alias);
        return t;
    }
    auto* d = static_cast<P::DerivedTableContext*>(c);
    t->kind = table_ref::kind_t::derived;
    t->sub = query_expression(d->queryExpression());
    t->alias = plain_name(d->alias);
    return t;
}

}  // namespace dax::adql::detail
