// The ADQL API beyond the case files: spans on every node, the pass list, MAXREC limits,
// result metadata, Felis loading, UDF signatures and parsing from several threads.
#include <dax/adql/felis.hpp>
#include <dax/adql/parser.hpp>
#include <dax/adql/translate.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <functional>
#include <thread>

using namespace dax::adql;

namespace {
memory_catalog demo() {
    memory_catalog c;
    auto r = load_felis_file(DAX_TEST_DIR "/../examples/schema/demo.yaml", c);
    REQUIRE(r.ok());
    return c;
}

void walk(const query& q, const std::function<void(const expr&)>& f);
void walk(const expr& e, const std::function<void(const expr&)>& f) {
    f(e);
    for (const auto& a : e.args) walk(*a, f);
    if (e.sub) walk(*e.sub, f);
}
void walk(const set_expr& s, const std::function<void(const expr&)>& f) {
    if (s.left) {
        walk(*s.left, f);
        walk(*s.right, f);
        return;
    }
    if (s.nested) return walk(*s.nested, f);
    for (const auto& i : s.select->items)
        if (i.value) walk(*i.value, f);
    if (s.select->where) walk(*s.select->where, f);
}
void walk(const query& q, const std::function<void(const expr&)>& f) {
    walk(*q.body, f);
    for (const auto& o : q.order_by) walk(*o.value, f);
}
}  // namespace

TEST_CASE("adql: every expression node carries the span of its source text") {
    const std::string text = "SELECT s.ra + 1 AS x,\n  DISTANCE(POINT(ra, dec), POINT(1, 2))\nFROM demo.stars AS s WHERE mag_g < 20";
    auto q = parse(text);
    REQUIRE(q.ok());
    int n = 0;
    walk(*q.value(), [&](const expr& e) {
        ++n;
        CHECK(e.span.line >= 1);
        CHECK(e.span.column >= 1);
        CHECK(e.span.end > e.span.begin);
        std::string src = text.substr(e.span.begin, e.span.end - e.span.begin);
        if (e.kind == expr_kind::column) CHECK((src == "s.ra" || src == "ra" || src == "dec" || src == "mag_g"));
        if (e.kind == expr_kind::function && e.fn == function_id::distance) {
            CHECK(src == "DISTANCE(POINT(ra, dec), POINT(1, 2))");
            CHECK(e.span.line == 2);
            CHECK(e.span.column == 3);
        }
        if (e.kind == expr_kind::add) CHECK(src == "s.ra + 1");
    });
    CHECK(n >= 10);
}

TEST_CASE("adql: errors are returned, not thrown, and carry line and column") {
    auto q = parse("SELECT ra\nFROM t\nWHERE ra >> 1");
    REQUIRE_FALSE(q.ok());
    REQUIRE(q.err().diagnostics().size() == 1);
    CHECK(q.err().diagnostics()[0].span.line == 3);
    CHECK(q.err().diagnostics()[0].span.column == 11);
    CHECK(std::string(q.err().what()) == "line 3, column 11: unexpected '>'");
}

TEST_CASE("adql: all unknown names are reported in one error, in source order") {
    auto cat = demo();
    auto t = translate("SELECT nope, ra FROM demo.stars WHERE zzz > 1 AND yyy < 2", {dialect::sqlite, &cat});
    REQUIRE_FALSE(t.ok());
    const auto& d = t.err().diagnostics();
    REQUIRE(d.size() == 3);
    CHECK(d[0].to_string() == "line 1, column 8: unknown column 'nope'");
    CHECK(d[1].to_string() == "line 1, column 39: unknown column 'zzz'");
    CHECK(d[2].to_string() == "line 1, column 51: unknown column 'yyy'");
}

TEST_CASE("adql: the passes run in one documented order and that list is what runs") {
    const std::vector<std::string> documented = {"lower_regions", "convert_frames", "resolve_names+infer_types+result_columns", "dedupe_columns",
                                                 "row_limit"};
    CHECK(pass_names() == documented);
    auto cat = demo();
    std::vector<std::string> ran;
    translate_options o{dialect::postgres, &cat, 10};
    o.on_pass = [&ran](std::string_view name) { ran.emplace_back(name); };
    REQUIRE(translate("SELECT TOP 5 ra FROM demo.stars WHERE 1=CONTAINS(POINT(ra, dec), REGION('CIRCLE ICRS 1 2 3'))", o));
    CHECK(ran == documented);
}

TEST_CASE("adql: MAXREC limits a query to min(TOP, MAXREC+1) rows") {
    auto cat = demo();
    auto run = [&](const char* q, long long maxrec) {
        translate_options o{dialect::postgres, &cat, maxrec};
        auto t = translate(q, o);
        REQUIRE(t.ok());
        return std::make_pair(t->sql, static_cast<long long>(t->row_limit.value_or(-1)));
    };
    CHECK(run("SELECT id FROM demo.stars", 100) == std::make_pair(std::string("SELECT \"id\" FROM \"demo\".\"stars\" LIMIT 101"), 101LL));
    CHECK(run("SELECT TOP 5 id FROM demo.stars", 100).second == 5);
    CHECK(run("SELECT TOP 500 id FROM demo.stars", 100).second == 101);
    CHECK(run("SELECT TOP 10 id FROM demo.stars ORDER BY id OFFSET 20", 3).first ==
          "SELECT \"id\" FROM \"demo\".\"stars\" ORDER BY \"id\" LIMIT 4 OFFSET 20");
    auto u = run("SELECT id FROM demo.stars UNION SELECT id FROM demo.stars", 9);
    CHECK(u.first == "SELECT \"id\" FROM \"demo\".\"stars\" UNION SELECT \"id\" FROM \"demo\".\"stars\" LIMIT 10");
    CHECK(u.second == 10);
    CHECK(run("SELECT id FROM demo.stars", 0).second == 1);
}

TEST_CASE("adql: result columns carry name, datatype, unit, UCD and xtype") {
    auto cat = demo();
    auto t = translate("SELECT id, ra AS alpha, DISTANCE(POINT(ra, dec), POINT(1, 2)), POINT(ra, dec), COUNT(*), "
                       "IN_UNIT(dec, 'arcsec') AS d2, mag_g - mag_r FROM demo.stars GROUP BY id, ra, dec, mag_g, mag_r",
                       {dialect::sqlite, &cat});
    REQUIRE(t.ok());
    const auto& c = t->columns;
    REQUIRE(c.size() == 7);
    CHECK(c[0].name == "id");
    CHECK(c[0].datatype == "long");
    CHECK(c[0].ucd == "meta.id;meta.main");
    CHECK(c[1].name == "alpha");
    CHECK(c[1].unit == "deg");
    CHECK(c[1].ucd == "pos.eq.ra;meta.main");
    CHECK(c[2].name == "distance");
    CHECK(c[2].datatype == "double");
    CHECK(c[2].unit == "deg");
    CHECK(c[2].ucd == "pos.angDistance");
    CHECK(c[3].xtype == "point");
    CHECK(c[3].arraysize == "2");
    CHECK(c[4].datatype == "long");
    CHECK(c[5].unit == "arcsec");
    CHECK(c[6].name == "col7");
    CHECK(c[6].unit == "mag");  // a difference of magnitudes keeps the unit
}

TEST_CASE("adql: SELECT * metadata lists the table's columns in order") {
    auto cat = demo();
    auto t = translate("SELECT * FROM demo.stars", {dialect::postgres, &cat});
    REQUIRE(t.ok());
    REQUIRE(t->columns.size() == 5);
    CHECK(t->columns[0].name == "id");
    CHECK(t->columns[4].name == "mag_r");
}

TEST_CASE("adql: syntax-only translation needs no catalogue") {
    auto t = translate("SELECT TOP 1 Foo FROM Bar", {dialect::mysql});
    REQUIRE(t.ok());
    CHECK(t->sql == "SELECT `foo` FROM `bar` LIMIT 1");
    CHECK(t->columns.empty());
}

TEST_CASE("adql: Felis loading reports bad schema files clearly") {
    memory_catalog c;
    auto r = load_felis_text("name: s\ntables:\n  - name: t\n    columns:\n      - {name: a, datatype: quaternion}\n", c);
    REQUIRE_FALSE(r.ok());
    CHECK(std::string(r.err().what()) == "unknown Felis datatype 'quaternion'");
    auto missing = load_felis_file("/nonexistent.yaml", c);
    REQUIRE_FALSE(missing.ok());
    CHECK(std::string(missing.err().what()) == "cannot read schema file '/nonexistent.yaml'");
    auto notables = load_felis_text("name: s\n", c);
    CHECK(std::string(notables.err().what()) == "Felis schema 's' has no 'tables' list");
}

TEST_CASE("adql: UDF signatures parse into name, argument types and return type") {
    auto f = parse_function_signature("ivo_hasword(haystack VARCHAR, needle VARCHAR) -> INTEGER");
    CHECK(f.name == "ivo_hasword");
    CHECK(f.arg_types == std::vector<std::string>{"VARCHAR", "VARCHAR"});
    CHECK(f.return_type == "INTEGER");
    CHECK_THROWS_AS(parse_function_signature("no parentheses -> INTEGER"), dax::error);
    CHECK_THROWS_AS(parse_function_signature("f(a INTEGER)"), dax::error);
}

TEST_CASE("adql: parsing from two threads gives the same trees as from one") {
    std::vector<std::string> qs = {
        "SELECT TOP 5 a, b FROM t WHERE a - b - c > 1 ORDER BY a DESC",
        "SELECT x FROM t UNION SELECT y FROM u INTERSECT SELECT z FROM v",
        "SELECT * FROM a JOIN b USING (id) WHERE CONTAINS(POINT(ra, dec), CIRCLE(1, 2, 3)) = 1",
        "WITH c AS (SELECT id FROM t) SELECT id FROM c WHERE id IN (SELECT id FROM u) OFFSET 3",
    };
    std::vector<std::string> expected;
    for (const auto& q : qs) expected.push_back(dump(*parse(q).value()));
    std::atomic<int> mismatches{0};
    auto worker = [&] {
        for (int i = 0; i < 500; ++i)
            for (size_t k = 0; k < qs.size(); ++k) {
                auto r = parse(qs[k]);
                if (!r.ok() || dump(*r.value()) != expected[k]) ++mismatches;
            }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
    CHECK(mismatches == 0);
}

TEST_CASE("adql: the output is exactly one SELECT statement whatever the input") {
    for (const char* q : {"SELECT a FROM t; DROP TABLE t", "SELECT a FROM t WHERE b = ''; DROP TABLE t; --'",
                          "SELECT \"a\"\"; DROP TABLE t; --\" FROM t"}) {
        for (auto d : {dialect::sqlite, dialect::postgres, dialect::mysql}) {
            auto t = translate(q, {d});
            if (!t.ok()) continue;  // refused: fine
            // A statement separator can only appear inside a quoted literal or identifier.
            std::string s = t->sql;
            bool in_str = false, in_id = false;
            char id_quote = d == dialect::mysql ? '`' : '"';
            for (size_t i = 0; i < s.size(); ++i) {
                char ch = s[i];
                if (!in_id && ch == '\'') in_str = !in_str;
                else if (!in_str && ch == id_quote) in_id = !in_id;
                else if (!in_str && !in_id) CHECK(ch != ';');
            }
            CHECK(s.rfind("SELECT", 0) == 0);
        }
    }
}

TEST_CASE("adql: random token soup never crashes or throws: it translates or gives a positioned error") {
    const std::vector<std::string> pieces = {
        "SELECT ", "TOP 3 ", "DISTINCT ", "* ", "a ", "b.c ", "\"X\" ", "FROM ", "demo.stars ", "t ", "AS ", "s ",
        "WHERE ", "AND ", "OR ", "NOT ", "= ", "< ", "1 ", "2.5 ", "'x' ", "( ", ") ", ", ", "+ ", "- ", "* ", "/ ",
        "|| ", "IN ", "BETWEEN ", "LIKE ", "IS ", "NULL ", "EXISTS ", "JOIN ", "ON ", "USING ", "UNION ", "INTERSECT ",
        "ORDER BY ", "GROUP BY ", "HAVING ", "OFFSET 2 ", "WITH ", "CASE ", "WHEN ", "THEN ", "ELSE ", "END ",
        "CAST(", "POINT(", "CIRCLE(", "POLYGON(", "BOX(", "REGION('Circle ICRS 1 2 3') ", "CONTAINS(", "INTERSECTS(",
        "DISTANCE(", "COUNT(*) ", "AVG(", "IN_UNIT(", "COORD1(", "AREA(", "ra ", "dec ", "id ", "mag_g ", ";"};
    memory_catalog cat = demo();
    std::mt19937 rng(7);
    int ok = 0, errors = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string q = i % 3 == 0 ? "SELECT " : "";
        int len = 1 + static_cast<int>(rng() % 16);
        for (int k = 0; k < len; ++k) q += pieces[rng() % pieces.size()];
        for (auto d : {dialect::sqlite, dialect::postgres, dialect::mysql, dialect::qserv}) {
            for (const catalog* c : {static_cast<const catalog*>(nullptr), static_cast<const catalog*>(&cat)}) {
                translate_options o;
                o.target = d;
                o.names = c;
                dax::result<translation> t = translation{};
                REQUIRE_NOTHROW(t = translate(q, o));
                if (t.ok()) {
                    ++ok;
                    const bool starts_right = t->sql.rfind("SELECT", 0) == 0 || t->sql.rfind("WITH", 0) == 0;
                    CHECK(starts_right);
                } else {
                    ++errors;
                    for (const auto& diag : t.err().diagnostics()) CHECK(diag.span.line >= 1);
                }
            }
        }
    }
    MESSAGE(ok << " translated, " << errors << " refused with a positioned error");
    CHECK(ok > 0);
}

namespace {
// Random valid ADQL built from a small grammar: value expressions over the demo columns with
// functions, CASE, CAST and geometry, search conditions with every predicate.
struct query_generator {
    std::mt19937 rng{11};
    int pick(int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); }

    std::string number() {
        static const char* n[] = {"0", "1", "2.5", ".5", "1e3", "42", "360", "0.001"};
        return n[pick(8)];
    }
    std::string column() {
        static const char* c[] = {"ra", "dec", "mag_g", "mag_r", "id", "s.ra", "s.dec", "s.mag_g"};
        return c[pick(8)];
    }
    std::string value(int depth) {
        if (depth <= 0) return pick(2) ? column() : number();
        switch (pick(12)) {
        case 0: return value(depth - 1) + " + " + value(depth - 1);
        case 1: return value(depth - 1) + " - " + value(depth - 1);
        case 2: return value(depth - 1) + " * " + value(depth - 1);
        case 3: return "(" + value(depth - 1) + ") / 2";
        case 4: return "-(" + value(depth - 1) + ")";
        case 5: {
            static const char* f[] = {"ABS", "SIN", "COS", "SQRT", "FLOOR", "CEILING", "DEGREES", "RADIANS", "EXP", "LOG10"};
            return std::string(f[pick(10)]) + "(" + value(depth - 1) + ")";
        }
        case 6: return "POWER(" + value(depth - 1) + ", 2)";
        case 7: return "DISTANCE(POINT(ra, dec), POINT(" + number() + ", " + number() + "))";
        case 8: return "CASE WHEN " + condition(depth - 1) + " THEN " + value(depth - 1) + " ELSE " + value(depth - 1) + " END";
        case 9: return "CAST(" + value(depth - 1) + " AS DOUBLE PRECISION)";
        case 10: return "COALESCE(" + value(depth - 1) + ", " + number() + ")";
        default: return "ROUND(" + value(depth - 1) + ", 2)";
        }
    }
    std::string condition(int depth) {
        if (depth <= 0) return value(0) + " < " + value(0);
        switch (pick(10)) {
        case 0: return condition(depth - 1) + " AND " + condition(depth - 1);
        case 1: return condition(depth - 1) + " OR " + condition(depth - 1);
        case 2: return "NOT " + condition(depth - 1);
        case 3: return value(depth - 1) + " BETWEEN " + value(0) + " AND " + value(0);
        case 4: return value(depth - 1) + " IN (1, 2, 3)";
        case 5: return value(depth - 1) + " IS NOT NULL";
        case 6: return "CONTAINS(POINT(ra, dec), CIRCLE(" + number() + ", " + number() + ", 1)) = " + (pick(2) ? "1" : "0");
        case 7: return "DISTANCE(POINT(ra, dec), POINT(" + number() + ", 10)) <= " + number();
        case 8: return "(" + condition(depth - 1) + ")";
        default: return value(depth - 1) + " >= " + value(depth - 1);
        }
    }
    std::string query() {
        std::string q = "SELECT ";
        if (pick(3) == 0) q += "TOP " + std::to_string(pick(100)) + " ";
        q += value(2) + " AS v, id FROM demo.stars AS s WHERE " + condition(3);
        if (pick(2)) q += " ORDER BY v DESC";
        if (pick(4) == 0) q += " OFFSET 5";
        return q;
    }
};
}  // namespace

TEST_CASE("adql: random valid queries translate on every dialect and round-trip") {
    memory_catalog cat = demo();
    query_generator gen;
    int translated = 0, refused = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string q = gen.query();
        INFO(q);
        auto first = parse(q);
        REQUIRE(first.ok());
        auto again = parse(print_adql(*first.value()));
        REQUIRE(again.ok());
        CHECK(dump(*first.value()) == dump(*again.value()));
        for (auto d : {dialect::sqlite, dialect::postgres, dialect::mysql, dialect::qserv}) {
            auto t = translate(q, {d, &cat, 1000});
            if (t.ok()) ++translated;
            else ++refused;  // e.g. a comparison of a boolean-free but unsupported form on one backend
        }
    }
    MESSAGE(translated << " translations, " << refused << " refused");
    CHECK(refused == 0);
}
