#pragma once
// Parse tree (ANTLR) -> AST: the builder shared by builder.cpp (queries, SELECT, FROM, names)
// and builder_expr.cpp (conditions and values). Private to the parser files (with parser.cpp):
// the parse tree never leaves them.
#include <dax/adql/parser.hpp>

#include "functions.hpp"

#include "ADQLLexer.h"
#include "ADQLParser.h"
#include "antlr4-runtime.h"

#include <fmt/format.h>

namespace dax::adql::detail {

using P = dax_adql_gen::ADQLParser;
using L = dax_adql_gen::ADQLLexer;

// Internal unwinding only: parse() turns it into a returned error.
struct build_failure {
    diagnostic diag;
};

[[noreturn]] void fail(source_span span, std::string message);

inline source_span span_of(antlr4::Token* t) {
    source_span s;
    s.line = static_cast<std::uint32_t>(t->getLine());
    s.column = static_cast<std::uint32_t>(t->getCharPositionInLine()) + 1;
    s.begin = static_cast<std::uint32_t>(t->getStartIndex());
    s.end = static_cast<std::uint32_t>(t->getStopIndex() + 1);
    return s;
}

inline source_span span_of(antlr4::ParserRuleContext* c) {
    source_span s = span_of(c->getStart());
    if (c->getStop() && c->getStop()->getStopIndex() + 1 >= s.begin)
        s.end = static_cast<std::uint32_t>(c->getStop()->getStopIndex() + 1);
    return s;
}

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

/// The value of an integer token (TOP, OFFSET, a length), or a failure naming `what`.
std::int64_t parse_count(antlr4::Token* t, const char* what);

class builder {
public:
    builder(std::string_view source, bool ascii, std::size_t max_depth)
        : source_(source), ascii_(ascii), max_depth_(max_depth) {}

    query_ptr query_expression(P::QueryExpressionContext* c);

private:
    std::string_view source_;
    bool ascii_ = true;
    std::size_t max_depth_, depth_ = 0;
    bool top_query_ = true;  // the next query_expression is the whole query (WITH may start it)

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

    expr_ptr make(expr_kind k, antlr4::ParserRuleContext* c) {
        return std::make_unique<expr>(k, span_of(c));
    }

    // -- builder.cpp: names, queries, SELECT and FROM --
    identifier name(antlr4::Token* c);
    identifier plain_name(antlr4::Token* c);
    std::vector<identifier> qualified(P::QualifiedNameContext* c);
    std::unique_ptr<set_expr> set_expression(P::SetExpressionContext* c);
    std::unique_ptr<select_core> select(P::SelectQueryContext* c);
    std::vector<identifier> all_of(P::NameRefContext* r);
    table_ref_ptr table(P::TableReferenceContext* c);
    table_ref_ptr table_primary(P::TablePrimaryContext* c);

    // -- builder_expr.cpp: conditions and values --
    expr_ptr condition(P::SearchConditionContext* c);
    expr_ptr predicate(P::SearchConditionContext* c);
    expr_ptr value(P::ValueExprContext* c);
    expr_ptr primary(P::ValueExprContext* c);
    expr_ptr cast(P::CastExprContext* c);
    expr_ptr case_expr(P::CaseExprContext* c);
    expr_ptr call(P::NameRefContext* c);
};

}  // namespace dax::adql::detail
