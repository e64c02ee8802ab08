// ADQL text -> tokens -> parse tree (ANTLR) -> AST (builder.hpp): parse() with its limits, the
// per-thread ANTLR parser and the messages for syntax errors.
#include <dax/adql/parser.hpp>
#include <dax/utf8.hpp>

#include "builder.hpp"
#include "lexer_check.hpp"
#include "token_source.hpp"

#include <algorithm>
#include <atomic>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <limits>
#include <optional>

namespace dax::adql {

namespace {

using detail::L;
using detail::P;
using detail::span_of;
using detail::to_upper;

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

// ---- the per-thread parser ----------------------------------------------------------------

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
    std::size_t dfa_states() const {
        std::size_t n = 0;
        for (const auto& d : parser_dfa) n += d.states.size();
        return n;
    }
};

// The DFA cache grows with new shapes of input and the runtime never prunes it. It stays small
// in practice (the 495 case queries leave about 300 states, 30,000 random token soups about
// 450), but a long-lived server must not depend on that: past this many states the thread's
// parser starts afresh.
constexpr std::size_t max_dfa_states = 20'000;
thread_local std::unique_ptr<thread_parser> thread_parser_slot;

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
std::size_t detail::parser_dfa_states() { return thread_parser_slot ? thread_parser_slot->dfa_states() : 0; }
std::size_t detail::parser_dfa_state_limit() { return max_dfa_states; }

result<query_ptr> parse(std::string_view adql, const parse_limits& limits) {
    if (auto d = precheck_text(adql, limits)) return error(std::vector<diagnostic>{*d});
    // Counting the states walks every decision's DFA: done every 256th parse, not on each one.
    thread_local unsigned parses = 0;
    if (!thread_parser_slot || (++parses % 256 == 0 && thread_parser_slot->dfa_states() > max_dfa_states)) {
        thread_parser_slot.reset();  // the old simulator and caches go before the new ones are made
        thread_parser_slot = std::make_unique<thread_parser>();
    }
    thread_parser& tp = *thread_parser_slot;
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
        detail::builder b(adql, ascii, limits.max_depth);
        return b.query_expression(tree->queryExpression());
    } catch (const detail::build_failure& f) {
        return error(std::vector<diagnostic>{f.diag});
    } catch (const std::exception& e) {
        // Not expected: reported as an error rather than taking a server down.
        return error(std::string("internal error while reading the query: ") + e.what());
    }
}

}  // namespace dax::adql
