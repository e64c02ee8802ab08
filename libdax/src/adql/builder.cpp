// ADQL text -> parse tree (ANTLR) -> AST. The only file that includes the ANTLR runtime and the
// generated parser: the parse tree is turned into our own nodes here and never leaves.
#include <dax/adql/parser.hpp>
#include <dax/utf8.hpp>

#include "functions.hpp"
#include "lexer_check.hpp"
#include "token_source.hpp"

#include "ADQLLexer.h"
#include "ADQLParser.h"
#include "antlr4-runtime.h"

#include <atomic>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <limits>
#include <optional>
#include <charconv>
#include <fmt/format.h>

namespace dax::adql {

namespace {

using P = dax_adql_gen::ADQLParser;
using L = dax_adql_gen::ADQLLexer;
using detail::to_upper;

// Internal unwinding only: parse() turns it into a returned error.
struct build_failure {
    diagnostic diag;
};

[[noreturn]] void fail(source_span span, std::string message) {
    throw build_failure{{span, std::move(message)}};
}

source_span span_of(antlr4::Token* t) {
    source_span s;
    s.line = static_cast<std::uint32_t>(t->getLine());
    s.column = static_cast<std::uint32_t>(t->getCharPositionInLine()) + 1;
    s.begin = static_cast<std::uint32_t>(t->getStartIndex());
    s.end = static_cast<std::uint32_t>(t->getStopIndex() + 1);
    return s;
}

source_span span_of(antlr4::ParserRuleContext* c) {
    source_span s = span_of(c->getStart());
    if (c->getStop() && c->getStop()->getStopIndex() + 1 >= s.begin)
        s.end = static_cast<std::uint32_t>(c->getStop()->getStopIndex() + 1);
    return s;
}

// ---- error reporting -----------------------------------------------------------------------

bool is_keyword_token(size_t type) { return type >= L::ALL && type <= L::WITH; }

std::string describe_token(antlr4::Token* t) {
    if (t->getType() == antlr4::Token::EOF) return "end of query";
    std::string text = t->getText();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return "'" + text + "'";
}

std::string expected_name(const antlr4::dfa::Vocabulary& v, size_t type) {
    switch (type) {
    case antlr4::Token::EOF: return "end of query";
    case L::REGULAR_ID: case L::DELIMITED_ID: return "a name";
    case L::INTEGER_LIT: return "an integer";
    case L::DECIMAL_LIT: case L::REAL_LIT: return "a number";
    case L::STRING: return "a string";
    case L::NULL_: return "NULL";
    default: break;
    }
    std::string lit = v.getLiteralName(type);
    if (!lit.empty()) return lit;
    return v.getSymbolicName(type);
}

class error_collector : public antlr4::BaseErrorListener {
public:
    std::optional<diagnostic> first;

    void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                     size_t col, const std::string& msg, std::exception_ptr) override {
        if (first) return;
        source_span s;
        s.line = static_cast<std::uint32_t>(line);
        s.column = static_cast<std::uint32_t>(col) + 1;
        (void)msg;  // our own messages below; the tokenizer reports nothing (odd characters are tokens)
        if (!offending) {
            first = diagnostic{s, "syntax error"};
            return;
        }
        s = span_of(offending);
        first = diagnostic{s, parser_message(static_cast<antlr4::Parser*>(recognizer), offending)};
    }

private:
    static std::string parser_message(antlr4::Parser* parser, antlr4::Token* t) {
        std::string text = t->getText();
        if (t->getType() == L::UNEXPECTED_CHAR) {
            if (text == "'") return "unterminated string literal: a closing ' is missing";
            if (text == "\"") return "unterminated delimited identifier: a closing \" is missing";
            if (text == "\xE2\x80\x98" || text == "\xE2\x80\x99" || text == "\xE2\x80\x9C" ||
                text == "\xE2\x80\x9D")
                return "unexpected typographic quote " + describe_token(t) +
                       "; use ' for strings and \" for names";
            return "unexpected character " + describe_token(t);
        }
        if (t->getType() == L::NUMBER_WITH_SUFFIX)
            return fmt::format("'{}' is neither a number nor a name: separate the number from what follows, "
                               "or write \"{}\" if it is a name", text, text);
        std::string msg = "unexpected " + describe_token(t);
        antlr4::misc::IntervalSet expected;
        try {
            expected = parser->getExpectedTokens();
        } catch (...) {
        }
        const auto& vocab = parser->getVocabulary();
        std::vector<std::string> names;
        for (auto type : expected.toList()) {
            std::string n = expected_name(vocab, type);
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
        if (!names.empty() && names.size() <= 4) {
            msg += ", expecting ";
            for (size_t i = 0; i < names.size(); ++i) {
                if (i) msg += i + 1 == names.size() ? " or " : ", ";
                msg += names[i];
            }
        }
        if (is_keyword_token(t->getType()) && expected.contains(static_cast<size_t>(L::REGULAR_ID)))
            msg += fmt::format("; {} is a reserved word: write \"{}\" to use it as a name",
                               to_upper(text), text);
        return msg;
    }
};

// ---- builder ---------------------------------------------------------------------------------

// Labeled alternatives are leaf classes: an exact type match by type_info address replaces
// dynamic_cast (which compares type names with strcmp across a class hierarchy).
template <class T>
T* as(antlr4::tree::ParseTree* c) {
    return &typeid(*c) == &typeid(T) ? static_cast<T*>(c) : nullptr;
}

/// Child i of a context whose labeled alternative fixes the position of each child.
template <class T>
T* child(antlr4::ParserRuleContext* c, size_t i) {
    return static_cast<T*>(c->children[i]);
}

std::int64_t parse_count(antlr4::Token* t, const char* what) {
    std::int64_t v = 0;
    const std::string s = t->getText();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        fail(span_of(t), fmt::format("{} value {} is too large", what, s));
    return v;
}

class builder {
public:
    builder(std::string_view source, bool ascii, std::size_t max_depth)
        : source_(source), ascii_(ascii), max_depth_(max_depth) {}

    query_ptr query_expression(P::QueryExpressionContext* c) {
        deeper d(*this, c);
        auto q = std::make_unique<query>();
        q->span = span_of(c);
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

private:
    std::string_view source_;
    bool ascii_ = true;
    std::size_t max_depth_, depth_ = 0;

    // Bounds the depth of the AST (and of this builder's recursion): chains of binary
    // operators are left-deep in ANTLR's tree, so "1+1+...+1" is as deep as it is long. Every
    // later pass recurses over the AST, so the limit protects them too.
    struct deeper {
        builder& b;
        deeper(builder& owner, antlr4::ParserRuleContext* c) : b(owner) {
            if (++b.depth_ > b.max_depth_) {
                --b.depth_;
                fail(span_of(c), fmt::format("the query is nested too deeply: more than {} levels of expressions, "
                                             "operators, parentheses or subqueries", b.max_depth_));
            }
        }
        ~deeper() { --b.depth_; }
    };
    // Parentheses make no AST node, so they add no level here (the token check bounds them):
    // print_adql's "NOT (NOT (...))" and "-(-(...))" are then exactly as deep as what they print.
    template <class F>
    expr_ptr unnested(F f) {
        --depth_;
        struct restore {
            std::size_t& d;
            ~restore() { ++d; }
        } r{depth_};
        return f();
    }

    // The text of one token. Token indexes count code points: for ASCII input they are byte
    // offsets into the source, which avoids ANTLR's UTF-32 round trip and RuleContext::getText.
    std::string text(antlr4::Token* t) const {
        if (ascii_) return std::string(source_.substr(t->getStartIndex(), t->getStopIndex() - t->getStartIndex() + 1));
        return t->getText();
    }
    std::string text(antlr4::ParserRuleContext* c) const { return text(c->getStart()); }

    identifier name(antlr4::Token* c) {
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
    identifier plain_name(antlr4::Token* c) {
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

    std::vector<identifier> qualified(P::QualifiedNameContext* c) {
        std::vector<identifier> parts;
        parts.reserve(c->parts.size());
        for (auto* t : c->parts) parts.push_back(plain_name(t));
        return parts;
    }

    std::unique_ptr<set_expr> set_expression(P::SetExpressionContext* c) {
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

    std::unique_ptr<select_core> select(P::SelectQueryContext* c) {
        auto s = std::make_unique<select_core>();
        s->span = span_of(c);
        if (c->quantifier) {
            s->distinct = c->quantifier->getType() == L::DISTINCT;
            s->all_quantifier = !s->distinct;
        }
        if (c->TOP()) s->top = parse_count(c->INTEGER_LIT()->getSymbol(), "TOP");
        auto* list = c->selectList();
        if (list->STAR()) {
            s->star = true;
        } else {
            for (auto* item : list->selectItem()) {
                select_item it;
                it.span = span_of(item);
                auto* v = item->valueExpr();
                auto* ref = as<P::NameRefContext>(v);
                if (ref && ref->allOf) {
                    if (item->alias) fail(span_of(item->alias), "t.* takes no alias");
                    it.all_of = all_of(ref);
                } else {
                    it.value = value(v);
                    if (item->alias) it.alias = plain_name(item->alias);
                }
                s->items.push_back(std::move(it));
            }
        }
        for (auto* t : c->fromClause()->tableReference()) s->from.push_back(table(t));
        if (auto* w = c->whereClause()) s->where = condition(w->searchCondition());
        if (auto* g = c->groupByClause())
            for (auto* v : g->valueExpr()) s->group_by.push_back(value(v));
        if (auto* h = c->havingClause()) s->having = condition(h->searchCondition());
        return s;
    }

    table_ref_ptr table(P::TableReferenceContext* c) {
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
            fail(span_of(j->JOIN()->getSymbol()),
                 "JOIN needs an ON or USING clause (or write NATURAL JOIN or CROSS JOIN)");
        }
        return t;
    }

    table_ref_ptr table_primary(P::TablePrimaryContext* c) {
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

    expr_ptr make(expr_kind k, antlr4::ParserRuleContext* c) {
        return std::make_unique<expr>(k, span_of(c));
    }

    expr_ptr condition(P::SearchConditionContext* c) {
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

    expr_ptr predicate(P::SearchConditionContext* c) {
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

    expr_ptr value(P::ValueExprContext* c) {
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

    expr_ptr primary(P::ValueExprContext* c) {
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
            auto e = make(expr_kind::string, c);
            std::string raw = text(p);
            std::string out;
            out.reserve(raw.size());
            for (size_t i = 1; i + 1 < raw.size(); ++i) {
                out += raw[i];
                if (raw[i] == '\'') ++i;  // '' -> '
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

    expr_ptr cast(P::CastExprContext* c) {
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

    expr_ptr case_expr(P::CaseExprContext* c) {
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

    std::vector<identifier> all_of(P::NameRefContext* r) {
        // t.*: the star must end the name.
        if (r->allOf->getStopIndex() + 1 != r->getStop()->getStopIndex() + 1 || r->parts.empty())
            fail(span_of(r->allOf), "* must end the name, as in t.*");
        std::vector<identifier> q;
        for (auto* t : r->parts) q.push_back(plain_name(t));
        if (q.size() > 3) fail(span_of(r), "a table name has at most three parts (catalog.schema.table)");
        return q;
    }

    expr_ptr call(P::NameRefContext* c) {
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
        // Geometry constructors may start with a (deprecated) coordinate-system string.
        bool geo_ctor = b->id == function_id::point || b->id == function_id::circle ||
                        b->id == function_id::box || b->id == function_id::polygon;
        if (geo_ctor && !e->args.empty() && e->args[0]->kind == expr_kind::string) {
            e->coord_sys = e->args[0]->text;
            e->args.erase(e->args.begin());
        }
        check_arity(*e, *b);
        return e;
    }

    static void check_arity(const expr& e, const detail::builtin_function& b) {
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
};

// The runtime guards every DFA edge lookup with one process-wide lock. Our DFA is private to
// its thread (below), so the lookup needs no lock: without it, parsing scales across threads.
class thread_private_simulator final : public antlr4::atn::ParserATNSimulator {
public:
    using ParserATNSimulator::ParserATNSimulator;

protected:
    antlr4::dfa::DFAState* getExistingTargetState(antlr4::dfa::DFAState* previous, size_t t) override {
        auto it = previous->edges.find(t);
        return it == previous->edges.end() ? nullptr : it->second;
    }
};

// Counts the parser's token look-ups and stops it past a budget (parse_limits): ANTLR's
// adaptive prediction can scan far ahead at every level of nesting, so its work can grow with
// the square of the input; the budget keeps it linear.
struct parse_too_costly {};
class budget_token_stream final : public antlr4::CommonTokenStream {
public:
    using CommonTokenStream::CommonTokenStream;
    std::uint64_t budget = 0, used = 0;
    size_t LA(ssize_t i) override {
        if (++used > budget) throw parse_too_costly{};
        return CommonTokenStream::LA(i);
    }
    /// Gives the token buffer back (a huge query must not keep its memory in the thread).
    void free_tokens() {
        _tokens.clear();
        _tokens.shrink_to_fit();
    }
};

// Per-thread tokenizer and parser with their own DFA cache: ANTLR's generated classes share one
// DFA across threads behind locks; a private cache lets parsing scale with threads.
struct thread_parser {
    // Declared first so they outlive the simulator that points at them.
    std::vector<antlr4::dfa::DFA> parser_dfa;
    antlr4::atn::PredictionContextCache parser_cache;
    detail::code_point_stream input;
    detail::adql_token_source lexer{&input};
    budget_token_stream tokens{&lexer};
    P parser{&tokens};
    error_collector errors;
    std::shared_ptr<antlr4::BailErrorStrategy> bail = std::make_shared<antlr4::BailErrorStrategy>();
    std::shared_ptr<antlr4::DefaultErrorStrategy> recover = std::make_shared<antlr4::DefaultErrorStrategy>();

    thread_parser() {
        const auto& patn = parser.getATN();
        for (size_t i = 0; i < patn.getNumberOfDecisions(); ++i)
            parser_dfa.emplace_back(patn.getDecisionState(i), i);
        // setInterpreter deletes the simulator it replaces (runtime 4.9).
        parser.setInterpreter(new thread_private_simulator(&parser, patn, parser_dfa, parser_cache));
        parser.removeErrorListeners();
    }
};

std::atomic<std::uint64_t> ll_fallback_count{0};

// Line and column (1-based, in code points) of a byte offset of valid UTF-8 text.
source_span place_of(std::string_view text, std::size_t offset) {
    source_span s{1, 1, 0, 0};
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') s.line++, s.column = 1;
        else if ((c & 0xC0) != 0x80) s.column++;
        if ((c & 0xC0) != 0x80) s.begin++;
    }
    s.end = s.begin + 1;
    return s;
}

// Checks done before ANTLR sees the text: size, encoding, NUL, and nesting. ANTLR's parser
// recurses once (or more) per level of parentheses, CASE, NOT and sign, so nesting is bounded
// on the tokens, before the parse; chains of binary operators are bounded by the builder.
std::optional<diagnostic> precheck_text(std::string_view adql, const parse_limits& lim) {
    if (adql.size() > lim.max_bytes)
        return diagnostic{{}, fmt::format("the query is {} bytes long; this service accepts at most {} bytes", adql.size(), lim.max_bytes)};
    if (auto bad = invalid_utf8_offset(adql); bad != std::string_view::npos)
        return diagnostic{place_of(adql, bad), "the query is not valid UTF-8 text"};
    if (auto nul = adql.find('\0'); nul != std::string_view::npos)
        return diagnostic{place_of(adql, nul), "the query contains a NUL character (U+0000)"};
    return std::nullopt;
}

std::optional<diagnostic> precheck_nesting(const std::vector<antlr4::Token*>& tokens, std::size_t max_depth) {
    std::size_t parens = 0, cases = 0, run = 0;
    for (auto* t : tokens) {
        switch (t->getType()) {
        case L::LPAREN: ++parens; run = 0; break;
        case L::RPAREN: if (parens) --parens; run = 0; break;
        case L::CASE: ++cases; run = 0; break;
        case L::END: if (cases) --cases; run = 0; break;
        case L::NOT: case L::PLUS: case L::MINUS: ++run; break;
        default: run = 0; break;
        }
        if (parens + cases + run > max_depth)
            return diagnostic{span_of(t), fmt::format("the query is nested too deeply: more than {} levels of "
                                                            "parentheses, CASE, NOT or signs", max_depth)};
    }
    return std::nullopt;
}

}  // namespace

std::uint64_t detail::ll_fallbacks() { return ll_fallback_count.load(); }

result<query_ptr> parse(std::string_view adql, const parse_limits& limits) {
    if (auto d = precheck_text(adql, limits)) return error(std::vector<diagnostic>{*d});
    thread_local thread_parser tp;
    tp.errors.first.reset();
    const bool ascii = std::all_of(adql.begin(), adql.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    tp.input.load_text(adql, ascii);
    tp.lexer.reset();
    tp.tokens.setTokenSource(&tp.lexer);
    tp.parser.setTokenStream(&tp.tokens);
    tp.parser.reset();
    // Whatever happens below, the thread keeps no tree, tokens or text of a large query.
    struct release_all {
        thread_parser& tp;
        ~release_all() {
            tp.parser.getTreeTracker().reset();
            tp.tokens.free_tokens();
            if (tp.input.size() > (64u << 10)) {
                tp.input.load_text("", true);
                tp.input.shrink();
#ifdef __GLIBC__
                malloc_trim(0);  // give the parse tree's pages back to the system, from every arena
#endif
            }
        }
    } release{tp};
    tp.tokens.budget = std::numeric_limits<std::uint64_t>::max();
    tp.tokens.fill();
    if (tp.tokens.size() > limits.max_tokens + 1)
        return error(fmt::format("the query has more than {} words, numbers and symbols; for long lists of values "
                                 "UPLOAD a table and join it", limits.max_tokens));
    if (auto d = precheck_nesting(tp.tokens.getTokens(), limits.max_depth)) return error(std::vector<diagnostic>{*d});
    tp.tokens.seek(0);
    tp.tokens.used = 0;
    // One nest at the depth limit costs about depth^2 look-ups by itself: always allowed.
    tp.tokens.budget = static_cast<std::uint64_t>(limits.lookahead_per_token) * tp.tokens.size() +
                       4ull * limits.max_depth * limits.max_depth + 100'000;
    P::QueryContext* tree = nullptr;
    auto* sim = tp.parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
    try {
        // Two-stage parsing: fast SLL prediction first, full LL only if SLL fails.
        try {
            sim->setPredictionMode(antlr4::atn::PredictionMode::SLL);
            tp.parser.setErrorHandler(tp.bail);
            tree = tp.parser.query();
        } catch (const antlr4::ParseCancellationException&) {
            tree = nullptr;
        }
        if (!tree || tp.errors.first) {
            ll_fallback_count.fetch_add(1, std::memory_order_relaxed);
            tp.errors.first.reset();
            tp.tokens.seek(0);
            tp.parser.reset();
            tp.parser.addErrorListener(&tp.errors);
            tp.parser.setErrorHandler(tp.recover);
            sim->setPredictionMode(antlr4::atn::PredictionMode::LL);
            struct unlisten {
                P& p;
                ~unlisten() { p.removeErrorListeners(); }
            } ul{tp.parser};
            tree = tp.parser.query();
            if (tp.errors.first) return error(std::vector<diagnostic>{*tp.errors.first});
        }
    } catch (const parse_too_costly&) {
        return error(fmt::format("the query is too complex to parse within this service's limits "
                                 "(nesting of parentheses or subqueries combined with its length); simplify it"));
    }
    try {
        builder b(adql, ascii, limits.max_depth);
        return b.query_expression(tree->queryExpression());
    } catch (const build_failure& f) {
        return error(std::vector<diagnostic>{f.diag});
    } catch (const std::exception& e) {
        // Not expected: reported as an error rather than taking a server down.
        return error(std::string("internal error while reading the query: ") + e.what());
    }
}

}  // namespace dax::adql
