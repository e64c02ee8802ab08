// Hostile queries (issue 8): nothing a client sends may crash, hang or exhaust the parser. Each
// case was a crash, an abort or minutes of CPU before the limits existed.
#include <dax/adql/felis.hpp>
#include <dax/adql/parser.hpp>
#include <dax/adql/translate.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

using namespace dax::adql;

namespace {
std::string repeat(const std::string& s, int n) {
    std::string r;
    for (int i = 0; i < n; ++i) r += s;
    return r;
}
std::string joined(const std::string& item, const std::string& sep, int n) {
    std::string r = item;
    for (int i = 1; i < n; ++i) r += sep + item;
    return r;
}
std::string message(const dax::result<query_ptr>& r) { return r ? "" : r.err().what(); }
}  // namespace

TEST_CASE("adql limits: a 20000-term sum or OR chain or NOT chain or parenthesis nest is refused with a position") {
    const auto sum = parse("SELECT TOP 1 " + joined("1", "+", 20000) + " FROM demo.stars");
    CHECK(message(sum) == "line 1, column 14: the query is nested too deeply: more than 500 levels of expressions, "
                          "operators, parentheses or subqueries");
    const auto ors = parse("SELECT * FROM t WHERE " + joined("id=1", " OR ", 20000));
    CHECK(message(ors).find("nested too deeply") != std::string::npos);
    const auto nots = parse("SELECT * FROM t WHERE " + repeat("NOT ", 20000) + "id=1");
    CHECK(message(nots) == "line 1, column 2023: the query is nested too deeply: more than 500 levels of parentheses, "
                           "CASE, NOT or signs");
    const auto parens = parse("SELECT * FROM t WHERE " + repeat("(", 20000) + "id=1" + repeat(")", 20000));
    CHECK(message(parens) == "line 1, column 523: the query is nested too deeply: more than 500 levels of parentheses, "
                             "CASE, NOT or signs");
    const auto signs = parse("SELECT " + repeat("- ", 20000) + "1 FROM t");
    CHECK(message(signs).find("nested too deeply") != std::string::npos);
    const auto cases = parse("SELECT " + repeat("CASE WHEN 1=1 THEN ", 5000) + "1" + repeat(" END", 5000) + " FROM t");
    CHECK(message(cases).find("nested too deeply") != std::string::npos);
    const auto subq = parse(repeat("SELECT * FROM (", 3000) + "SELECT 1 AS x FROM t" + repeat(") AS s", 3000));
    CHECK(message(subq).find("nested too deeply") != std::string::npos);
}

TEST_CASE("adql limits: queries just inside the limits parse and translate on every dialect in a worker thread") {
    memory_catalog cat;
    REQUIRE(load_felis_file(DAX_TEST_DIR "/../examples/schema/demo.yaml", cat).ok());
    const std::vector<std::string> deep = {
        "SELECT TOP 1 * FROM demo.stars WHERE " + repeat("(", 480) + "id=1" + repeat(")", 480),
        "SELECT TOP 1 " + joined("ra", "+", 450) + " FROM demo.stars",
        "SELECT TOP 1 * FROM demo.stars WHERE " + joined("id=1", " OR ", 450),
        "SELECT TOP 1 * FROM demo.stars WHERE " + repeat("NOT ", 450) + "id=1",
        "SELECT TOP 1 * FROM demo.stars WHERE id IN (" + joined("7", ",", 50000) + ")",
    };
    for (const auto& q : deep) {
        bool ok = true;
        std::string why;
        std::thread t([&] {  // servers parse on worker threads: their default stack must do
            for (auto d : {dialect::sqlite, dialect::postgres, dialect::mysql, dialect::qserv}) {
                auto r = translate(q, {d, &cat, 1000});
                if (!r) ok = false, why = r.err().what();
            }
        });
        t.join();
        CHECK_MESSAGE(ok, why);
    }
}

TEST_CASE("adql limits: invalid UTF-8 and NUL are positioned errors and not exceptions") {
    CHECK(message(parse("SELECT \xff FROM t")) == "line 1, column 8: the query is not valid UTF-8 text");
    CHECK(message(parse("SELECT 'a\xc3' FROM t")) == "line 1, column 10: the query is not valid UTF-8 text");
    CHECK(message(parse("SELECT '\xc3\xa9\xed\xa0\x80' FROM t")) == "line 1, column 10: the query is not valid UTF-8 text");
    CHECK(message(parse("SELECT\n 'x\xc0\x80' FROM t")) == "line 2, column 4: the query is not valid UTF-8 text");
    CHECK(message(parse(std::string("SELECT 'a\0b' FROM t", 20))) == "line 1, column 10: the query contains a NUL character (U+0000)");
    CHECK(parse("SELECT '\xc3\xa9\xf0\x9f\x94\xad' AS x FROM t").ok());
}

TEST_CASE("adql limits: size and token limits refuse a 16 MB literal before any work") {
    const std::string big = "SELECT '" + std::string(16 << 20, 'x') + "' AS x FROM t";
    CHECK(message(parse(big)) == "the query is 16777237 bytes long; this service accepts at most 1048576 bytes");
    parse_limits small;
    small.max_bytes = 100;
    CHECK(parse("SELECT 1 AS x FROM t", small).ok());
    CHECK(message(parse("SELECT " + std::string(100, '1') + " FROM t", small)).find("at most 100 bytes") != std::string::npos);
    const auto many = parse("SELECT * FROM t WHERE id IN (" + joined("1", ",", 150000) + ")");
    CHECK(message(many) == "the query has more than 200000 words, numbers and symbols; for long lists of values "
                           "UPLOAD a table and join it");
}

TEST_CASE("adql limits: parser work is bounded so deep nests repeated across a long query fail fast") {
    // 200 groups of 490 nested parentheses: within the depth limit, but ANTLR's prediction
    // looks ahead through every level again (minutes of CPU before the budget existed).
    const std::string group = repeat("(", 490) + "1" + repeat(")", 490);
    const std::string q = "SELECT TOP 1 " + joined(group, ", ", 200) + " FROM t";
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = parse(q);
    const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(message(r).find("too complex to parse") != std::string::npos);
    MESSAGE("refused in " << secs << " s");
    CHECK(parse("SELECT TOP 1 " + joined(repeat("(", 20) + "1" + repeat(")", 20), ", ", 2000) + " FROM t").ok());
}

TEST_CASE("adql limits: a query inside the limits prints to ADQL that is inside them too") {
    // Found by adql_fuzz: print_adql writes NOT (NOT (...)) and -(-(...)), which once counted
    // twice as deep as the query it came from.
    for (const std::string q : {"SELECT * FROM t WHERE " + repeat("NOT ", 490) + "1=1", "SELECT " + repeat("- ", 490) + "1 AS x FROM t"}) {
        auto a = parse(q);
        REQUIRE(a.ok());
        auto b = parse(print_adql(**a));
        CHECK_MESSAGE(b.ok(), message(b));
    }
}
