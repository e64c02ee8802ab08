// The hand-written tokenizer produces exactly the tokens of the generated ANTLR lexer
// (grammars/ADQLLexer.g4), on every case-file query and on random text.
#include "adql/lexer_check.hpp"
#include "case_file.hpp"

#include <dax/adql/parser.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;
using dax::adql::detail::tokens_fast;
using dax::adql::detail::tokens_generated;

TEST_CASE("lexer: the fast tokenizer matches the grammar's lexer on every case query") {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(DAX_TEST_DIR "/adql/cases")) {
        if (e.path().extension() != ".case") continue;
        for (const auto& c : read_cases(e.path().string())) {
            INFO(c.query);
            CHECK(tokens_fast(c.query) == tokens_generated(c.query));
            ++n;
        }
    }
    CHECK(n >= 300);
}

TEST_CASE("lexer: the fast tokenizer matches the grammar's lexer on random text") {
    const std::vector<std::string> pieces = {
        "SELECT", "select", "FrOm", "a", "_x", "x1", "1", "12", ".", "5", "e", "E", "+", "-", "--", "'", "''", "\"", "\"\"",
        " ", "\n", "\t", "\r", "|", "||", "!", "!=", "<", ">", "=", "<>", "<=", ">=", "*", "/", "(", ")", ",", ";", "#",
        "\xC3\xA9", "\xE2\x80\x98", "AND", "null", "Top", "offset", "1e5", "1.5e-3", ".5", "5.", "0x1F", "2mass", "IN", "INNER"};
    std::mt19937 rng(42);
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        int len = 1 + static_cast<int>(rng() % 12);
        for (int k = 0; k < len; ++k) s += pieces[rng() % pieces.size()];
        INFO(s);
        REQUIRE(tokens_fast(s) == tokens_generated(s));
    }
}

// The parser's DFA cache grows with new shapes of input and ANTLR never prunes it; past its
// limit a thread's parser starts afresh (parser.cpp).
TEST_CASE("parser: its DFA cache stays bounded under random token soup, and real queries need far less") {
    using dax::adql::detail::parser_dfa_state_limit;
    using dax::adql::detail::parser_dfa_states;
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(DAX_TEST_DIR "/adql/cases")) {
        if (e.path().extension() != ".case") continue;
        for (const auto& c : read_cases(e.path().string())) {
            (void)dax::adql::parse(c.query);
            ++n;
        }
    }
    const std::size_t real = parser_dfa_states();
    MESSAGE(n << " case queries leave " << real << " DFA states; the limit is " << parser_dfa_state_limit());
    CHECK(real < parser_dfa_state_limit() / 4);
    const std::vector<std::string> words = {
        "SELECT", "FROM", "WHERE", "(", "(", "(", ")", "COORDSYS", "POWER", "CONTAINS", "POINT", "CIRCLE", "A", "x", "1", "'s'",
        ",", "+", "*", "AND", "OR", "NOT", "TOP", "ORDER", "BY", "GROUP", "UNION", "JOIN", "ON", "AS", "IN", "BETWEEN", "CASE",
        "WHEN", "THEN", "END", "IS", "NULL", "EXISTS", "WITH", "t.c", "COUNT", "DISTANCE", "=", "<", "ALL", "DISTINCT", "OFFSET"};
    std::mt19937 rng(15);
    std::size_t peak = 0;
    for (int i = 0; i < 30000; ++i) {
        std::string s = rng() % 2 ? "SELECT " : "";
        const int len = 3 + static_cast<int>(rng() % 60);
        for (int k = 0; k < len; ++k) s += words[rng() % words.size()] + (rng() % 3 ? " " : "");
        (void)dax::adql::parse(s);
        peak = std::max(peak, parser_dfa_states());
    }
    MESSAGE("30,000 token soups: at most " << peak << " DFA states");
    CHECK(peak < parser_dfa_state_limit() + 5000);  // the limit, plus what the parses between two checks added
    CHECK(dax::adql::parse("SELECT TOP 1 id FROM demo.stars WHERE dec > 0").ok());  // a fresh parser works
}
