// Parse tree -> AST, part two: search conditions, value expressions, CAST, CASE and function
// calls (with their arities). Queries, SELECT and FROM: builder.cpp.
#include "builder.hpp"

#include <algorithm>

namespace dax::adql::detail {

namespace {

void check_arity(const expr& e, const detail::builtin_function& b) {
    const int n = static_cast<int>(e.args.size());
    auto bad = [&](std::string_view expect) {
        fail(e.span, fmt::format("{} takes {}, got {}", b.name, expect, n));
    };
    switch (b.id) {
    case function_id::point: if (n != 2) bad("2 arguments (longitude, latitude)"); return;
    case function_id::circle: if (n != 3 && n != 2) bad("3 arguments (longitude, latitude, radius) or 2 (point, radius)"); return;
    case function_id::box: if (n != 4 && n != 3) bad("4 arguments (longitude, latitude, width, height) or 3 (point, width, height)"); return;
    case function_id::polygon: if (n < 3) bad("at least 3 vertices"); return;
    case function_id::distance: if (n != 2 && n != 4) bad("2 points or 4 numbers"); return;
    case function_id::in_unit:
        if (n != 2) bad("2 arguments");
        if (e.args[1]->kind != expr_kind::string)
            fail(e.args[1]->span, "IN_UNIT takes the target unit as a string literal, e.g. 'arcsec'");
        return;
    case function_id::region:
        if (n != 1) bad("1 argument");
        if (e.args[0]->kind != expr_kind::string)
            fail(e.args[0]->span, "REGION takes a string literal (STC-S or DALI)");
        return;
    case function_id::rand:
        if (n == 1 && e.args[0]->kind != expr_kind::integer)
            fail(e.args[0]->span, "RAND takes an unsigned integer seed");
        break;
    case function_id::round: case function_id::truncate:
        if (n == 2) {
            const expr* d = e.args[1].get();
            if (d->kind == expr_kind::negate) d = d->args[0].get();
            if (d->kind != expr_kind::integer)
                fail(e.args[1]->span, fmt::format("{} takes an integer literal as number of decimals", b.name));
        }
        break;
    default: break;
    }
    if (n < b.min_args || (b.max_args >= 0 && n > b.max_args)) {
        if (b.min_args == b.max_args)
            bad(fmt::format("{} argument{}", b.min_args, b.min_args == 1 ? "" : "s"));
        else if (b.max_args < 0)
            bad(fmt::format("at least {} argument{}", b.min_args, b.min_args == 1 ? "" : "s"));
        else
            bad(fmt::format("{} to {} arguments", b.min_args, b.max_args));
    }
}

}  // namespace

expr_ptr builder::condition(P::SearchConditionContext* c) {
    deeper d(*this, c);
    // Children by position (fixed per labeled alternative): the generated accessors search
    // the children with dynamic_cast, which is measurable on this hot path.
    if (!as<P::CondNotContext>(c) && !as<P::CondAndContext>(c) && !as<P::CondOrContext>(c)) return predicate(c);
    if (as<P::CondNotContext>(c)) {
        auto e = make(expr_kind::not_, c);
        e->args.push_back(condition(child<P::SearchConditionContext>(c, 1)));
        return e;
    }
    auto e = make(as<P::CondAndContext>(c) ? expr_kind::and_ : expr_kind::or_, c);
    e->args.push_back(condition(child<P::SearchConditionContext>(c, 0)));
    e->args.push_back(condition(child<P::SearchConditionContext>(c, 2)));
    return e;
}

expr_ptr builder::predicate(P::SearchConditionContext* c) {
    if (auto* p = as<P::PredParenContext>(c)) return unnested([&] { return condition(p->searchCondition()); });
    if (auto* p = as<P::PredExistsContext>(c)) {
        auto e = make(expr_kind::exists, c);
        e->sub = query_expression(p->queryExpression());
        return e;
    }
    expr_ptr left = value(child<P::ValueExprContext>(c, 0));
    auto* t = child<P::PredicateTailContext>(c, 1);
    if (as<P::TailCompareContext>(t)) {
        auto e = make(expr_kind::compare, c);
        switch (t->getStart()->getType()) {
        case L::EQ: e->op = compare_op::eq; break;
        case L::NE: e->op = compare_op::ne; break;
        case L::LT: e->op = compare_op::lt; break;
        case L::GT: e->op = compare_op::gt; break;
        case L::LE: e->op = compare_op::le; break;
        default: e->op = compare_op::ge; break;
        }
        e->args.push_back(std::move(left));
        e->args.push_back(value(child<P::ValueExprContext>(t, 1)));
        return e;
    }
    // x [NOT] BETWEEN a AND b and x [NOT] IN (a, ...): x and the listed values.
    auto with_values = [&](expr_kind kind, auto* p) {
        auto e = make(kind, c);
        e->negated = p->NOT() != nullptr;
        e->args.push_back(std::move(left));
        for (auto* v : p->valueExpr()) e->args.push_back(value(v));
        return e;
    };
    if (auto* p = as<P::TailBetweenContext>(t)) return with_values(expr_kind::between, p);
    if (auto* p = as<P::TailInListContext>(t)) return with_values(expr_kind::in_list, p);
    if (auto* p = as<P::TailInQueryContext>(t)) {
        auto e = make(expr_kind::in_query, c);
        e->negated = p->NOT() != nullptr;
        e->args.push_back(std::move(left));
        e->sub = query_expression(p->queryExpression());
        return e;
    }
    if (auto* p = as<P::TailLikeContext>(t)) {
        auto e = make(p->op->getType() == L::LIKE ? expr_kind::like : expr_kind::ilike, c);
        e->negated = p->NOT() != nullptr;
        e->args.push_back(std::move(left));
        e->args.push_back(value(p->valueExpr()));
        return e;
    }
    auto* p = static_cast<P::TailNullContext*>(t);
    auto e = make(expr_kind::is_null, c);
    e->negated = p->NOT() != nullptr;
    e->args.push_back(std::move(left));
    return e;
}

expr_ptr builder::value(P::ValueExprContext* c) {
    deeper d(*this, c);
    if (auto* s = as<P::ExprSignContext>(c)) {
        auto operand = value(child<P::ValueExprContext>(c, 1));
        if (s->op->getType() == L::PLUS) return operand;  // unary plus is the identity
        auto e = make(expr_kind::negate, c);
        e->args.push_back(std::move(operand));
        return e;
    }
    expr_kind k;
    if (auto* m = as<P::ExprMulContext>(c)) k = m->op->getType() == L::STAR ? expr_kind::multiply : expr_kind::divide;
    else if (auto* a = as<P::ExprAddContext>(c)) k = a->op->getType() == L::PLUS ? expr_kind::add : expr_kind::subtract;
    else if (as<P::ExprConcatContext>(c)) k = expr_kind::concat;
    else return primary(c);
    auto e = make(k, c);
    e->args.push_back(value(child<P::ValueExprContext>(c, 0)));
    e->args.push_back(value(child<P::ValueExprContext>(c, 2)));
    return e;
}

expr_ptr builder::primary(P::ValueExprContext* c) {
    if (auto* r = as<P::NameRefContext>(c)) {
        if (r->LPAREN()) return call(r);
        if (r->allOf) fail(span_of(r), "t.* is only allowed as an item of the select list");
        auto e = make(expr_kind::column, c);
        e->name.reserve(r->parts.size());
        for (auto* t : r->parts) e->name.push_back(plain_name(t));
        if (e->name.size() > 4)
            fail(e->span, "a column name has at most four parts (catalog.schema.table.column)");
        return e;
    }
    // Numbers keep their written text: the printers write them back unchanged.
    auto number = [&](expr_kind kind) {
        auto e = make(kind, c);
        e->text = text(c);
        return e;
    };
    if (as<P::LitIntegerContext>(c)) return number(expr_kind::integer);
    if (as<P::LitDecimalContext>(c)) return number(expr_kind::decimal);
    if (as<P::LitRealContext>(c)) return number(expr_kind::real);
    if (auto* p = as<P::LitStringContext>(c)) {
        // Adjacent literals (whitespace or comments between them) are one string, as in SQL-92
        // section 5.3: 'qua' 'tsch' is 'quatsch'.
        auto e = make(expr_kind::string, c);
        std::string out;
        for (auto* tok : p->STRING()) {
            const std::string raw = text(tok->getSymbol());
            for (size_t i = 1; i + 1 < raw.size(); ++i) {
                out += raw[i];
                if (raw[i] == '\'') ++i;  // '' -> '
            }
        }
        e->text = std::move(out);
        return e;
    }
    if (as<P::LitNullContext>(c)) return make(expr_kind::null, c);
    if (auto* p = as<P::ParenExprContext>(c)) return unnested([&] { return value(p->valueExpr()); });
    if (auto* p = as<P::ScalarSubqueryContext>(c)) {
        auto e = make(expr_kind::subquery, c);
        e->sub = query_expression(p->queryExpression());
        return e;
    }
    if (auto* p = as<P::CastExprContext>(c)) return cast(p);
    if (auto* p = as<P::CaseExprContext>(c)) return case_expr(p);
    throw std::logic_error("ADQL builder: unhandled value alternative");
}

expr_ptr builder::cast(P::CastExprContext* c) {
    auto e = make(expr_kind::cast, c);
    e->args.push_back(value(c->valueExpr()));
    auto* t = c->castType();
    auto ids = t->words;
    std::string n = to_upper(text(ids[0]));
    if (ids.size() == 2) {
        if (n != "DOUBLE" || to_upper(text(ids[1])) != "PRECISION")
            fail(span_of(t), fmt::format("unknown CAST type '{}'", t->getText()));
        n = "DOUBLE PRECISION";
    }
    static const char* known[] = {"SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION",
                                  "CHAR", "VARCHAR", "TIMESTAMP", "POINT", "CIRCLE", "POLYGON"};
    if (std::find(std::begin(known), std::end(known), n) == std::end(known))
        fail(span_of(t), fmt::format("unknown CAST type '{}'; ADQL allows SMALLINT, INTEGER, BIGINT, "
                                     "REAL, DOUBLE PRECISION, CHAR(n), VARCHAR(n), TIMESTAMP, "
                                     "POINT, CIRCLE and POLYGON",
                                     text(ids[0])));
    e->cast.name = n;
    if (t->INTEGER_LIT()) {
        if (n != "CHAR" && n != "VARCHAR")
            fail(span_of(t), fmt::format("{} takes no length", n));
        e->cast.length = parse_count(t->INTEGER_LIT()->getSymbol(), "length");
    }
    return e;
}

expr_ptr builder::case_expr(P::CaseExprContext* c) {
    auto e = make(expr_kind::case_when, c);
    auto values = c->valueExpr();
    size_t vi = 0;
    // valueExpr() lists the operand (if any) first and the ELSE value (if any) last.
    e->case_operand = !values.empty() && values[0]->getStart()->getTokenIndex() < c->caseWhen(0)->getStart()->getTokenIndex();
    e->case_else = c->ELSE() != nullptr;
    if (e->case_operand) e->args.push_back(value(values[vi++]));
    for (auto* w : c->caseWhen()) {
        if (e->case_operand) {
            if (!w->valueExpr(0) || w->searchCondition())
                fail(span_of(w), "a simple CASE compares values: write WHEN value THEN ...");
            e->args.push_back(value(w->valueExpr(0)));
            e->args.push_back(value(w->valueExpr(1)));
        } else {
            if (!w->searchCondition())
                fail(span_of(w), "a searched CASE needs a condition: write WHEN condition THEN ...");
            e->args.push_back(condition(w->searchCondition()));
            e->args.push_back(value(w->valueExpr(0)));
        }
    }
    if (e->case_else) e->args.push_back(value(values[vi]));
    return e;
}

expr_ptr builder::call(P::NameRefContext* c) {
    if (c->parts.size() != 1) fail(span_of(c), "a function name has one part");
    identifier fname = name(c->parts[0]);
    if (c->callStar) {
        if (fname.delimited || to_upper(fname.name) != "COUNT")
            fail(fname.span, fmt::format("only COUNT takes *, not {}", fname.name));
        auto e = make(expr_kind::aggregate, c);
        e->agg = aggregate_id::count;
        e->text = fname.name;
        return e;
    }
    auto args = c->valueExpr();
    std::string up = to_upper(fname.name);
    aggregate_id agg;
    if (!fname.delimited && detail::find_aggregate(up, agg)) {
        if (args.size() != 1)
            fail(fname.span, fmt::format("{} takes one argument, got {}", up, args.size()));
        auto e = make(expr_kind::aggregate, c);
        e->agg = agg;
        e->text = fname.name;
        if (c->quantifier) {
            e->distinct = c->quantifier->getType() == L::DISTINCT;
            e->all_quantifier = !e->distinct;
        }
        e->args.push_back(value(args[0]));
        return e;
    }
    if (c->quantifier)
        fail(span_of(c->quantifier), fmt::format("{} is only allowed in COUNT, AVG, MIN, MAX and SUM",
                                                 c->quantifier->getText()));
    auto e = make(expr_kind::function, c);
    e->text = fname.name;
    const detail::builtin_function* b = fname.delimited ? nullptr : detail::find_builtin(up);
    if (!b) {
        if (fname.delimited)
            fail(fname.span, "a function name cannot be a delimited identifier");
        if (detail::is_reserved_word(fname.name))
            fail(fname.span, fmt::format("{} is not an ADQL function", up));
        if (fname.name[0] == '_') fail(fname.span, fmt::format("'{}' is not a valid function name", fname.name));
        e->fn = function_id::udf;
        for (auto* a : args) e->args.push_back(value(a));
        return e;
    }
    e->fn = b->id;
    for (auto* a : args) e->args.push_back(value(a));
    // Geometry constructors may start with a (deprecated) coordinate-system argument: a string
    // literal, or (ADQL 2.0) any string expression (NULL, a concatenation, a column) where the
    // count of the other arguments says one is there: POINT(cs, x, y), CIRCLE(cs, x, y, r) or
    // CIRCLE(cs, POINT, r), BOX(cs, x, y, w, h) or BOX(cs, POINT, w, h), POLYGON(cs, x1, y1, ...)
    // (an odd count) or POLYGON(cs, POINT, POINT, POINT, ...). A number or a POINT is never one.
    const bool geo_ctor = b->id == function_id::point || b->id == function_id::circle ||
                          b->id == function_id::box || b->id == function_id::polygon;
    if (geo_ctor && !e->args.empty()) {
        const auto& a = e->args;
        const auto n = a.size();
        const auto k = a[0]->kind;
        auto is_point = [](const expr& x) { return x.kind == expr_kind::function && x.fn == function_id::point; };
        const bool number = k == expr_kind::integer || k == expr_kind::decimal || k == expr_kind::real || k == expr_kind::negate;
        const bool second_point = n > 1 && is_point(*a[1]);
        bool counted = false;
        switch (b->id) {
        case function_id::point: counted = n == 3; break;
        case function_id::circle: counted = n == 4 || (n == 3 && second_point); break;
        case function_id::box: counted = n == 5 || (n == 4 && second_point); break;
        default: counted = second_point ? n >= 4 : n >= 7 && n % 2 == 1; break;
        }
        if (k == expr_kind::string || (counted && !number && !is_point(*a[0]))) {
            e->coord_sys = std::move(e->args[0]);
            e->args.erase(e->args.begin());
        }
    }
    check_arity(*e, *b);
    return e;
}

}  // namespace dax::adql::detail
