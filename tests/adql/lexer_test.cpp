// The hand-written tokenizer produces exactly the tokens of the generated ANTLR lexer
// (grammars/ADQLLexer.g4), on every case-file query and on random text.
#include "adql/lexer_check.hpp"
#include "case_file.hpp"

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
