// One contract for every backend (dax/tap/backend.hpp), run against SQLite, PostgreSQL+pgSphere
// and MariaDB (the servers come from tests/exec/with_servers.sh: DAX_TEST_PG, DAX_TEST_MYSQL):
// every datatype with NULLs and geometry loads and reads back the same, uploads join, MAXREC
// overflow is marked, a cancelled or timed-out query stops with its message, and a result the
// client abandons leaves the backend able to answer the next query.
#include <dax/adql/catalog.hpp>
#include <dax/adql/felis.hpp>
#include <dax/adql/translate.hpp>
#include <dax/tap/backend.hpp>
#include <dax/votable/writer.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <unistd.h>

using namespace dax;

namespace {

const char* const felis = R"(
name: contract
tables:
  - name: t
    columns:
      - {name: id, datatype: long}
      - {name: sh, datatype: short}
      - {name: i, datatype: int}
      - {name: f, datatype: float}
      - {name: d, datatype: double}
      - {name: flag, datatype: boolean}
      - {name: txt, datatype: string}
      - {name: ts, datatype: timestamp}
      - {name: pos, datatype: double, votable:arraysize: "2", votable:xtype: point}
  - name: big
    columns:
      - {name: n, datatype: long}
      - {name: label, datatype: string}
)";

// Rows with every kind of value, NULLs (empty fields) in every column but the key, and text that
// needs quoting in SQL and CSV.
const char* const t_csv =
    "id,sh,i,f,d,flag,txt,ts,pos\n"
    "1,-32768,2147483647,1.5,0.1,true,\"it's \"\"quoted\"\", with a comma\",2020-01-02T03:04:05,10.5 -20.25\n"
    "2,,,,,,,,\n"
    "3,7,-7,-0.25,1e-300,false,\xC3\xA9t\xC3\xA9,1999-12-31T23:59:59,359.5 89.5\n";

const char* const t_expected =
    "id,sh,i,f,d,flag,txt,ts,pos\r\n"
    "1,-32768,2147483647,1.5,0.1,T,\"it's \"\"quoted\"\", with a comma\",2020-01-02T03:04:05,10.5 -20.25\r\n"
    "2,,,,,,,,\r\n"
    "3,7,-7,-0.25,1e-300,F,\xC3\xA9t\xC3\xA9,1999-12-31T23:59:59,359.5 89.5\r\n";

struct fixture {
    std::string name;
    std::unique_ptr<tap::backend> b;
    adql::memory_catalog cat;
    std::filesystem::path dir;

    explicit fixture(const std::string& which) : name(which) {
        char tmpl[] = "/tmp/dax-contract.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        if (which == "sqlite") {
            b = tap::open_sqlite_backend(dir.string());
        } else {
            const char* env = std::getenv(which == "postgres" ? "DAX_TEST_PG" : "DAX_TEST_MYSQL");
            if (!env) FAIL("run through tests/exec/with_servers.sh (DAX_TEST_PG, DAX_TEST_MYSQL)");
            b = which == "postgres" ? tap::open_postgres_backend(env, 4) : tap::open_mysql_backend(env, 4);
        }
        REQUIRE(adql::load_felis_text(felis, cat));
        auto loaded = b->load_csv(table("t"), t_csv);
        if (!loaded) FAIL(loaded.err().what());
        CHECK(*loaded == 3);
        std::string big = "n,label\n";
        for (int k = 0; k < 3000; ++k) big += std::to_string(k) + ",row " + std::to_string(k) + "\n";
        REQUIRE(b->load_csv(table("big"), big));
    }
    ~fixture() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    const adql::table_info& table(const std::string& n) const {
        for (const auto& t : cat.tables())
            if (t->name == n) return *t;
        throw error("no table " + n);
    }
    adql::translation translate(const std::string& q, const adql::catalog* names = nullptr) const {
        adql::translate_options o;
        o.target = b->dialect();
        o.names = names ? names : &cat;
        auto t = adql::translate(q, o);
        if (!t) FAIL(t.err().what());
        return *t;
    }
    std::vector<votable::field> fields(const adql::translation& t) const {
        std::vector<votable::field> f;
        for (const auto& c : t.columns) f.push_back(tap::to_field(c));
        return f;
    }
    // Runs ADQL into CSV (or VOTable TABLEDATA); returns the text, throws what the backend throws.
    std::string run(const std::string& q, tap::run_limits lim = {}, bool votable = false,
                    std::span<const tap::upload_table> uploads = {}, const adql::catalog* names = nullptr) {
        auto t = translate(q, names);
        votable::string_sink out;
        auto w = votable ? votable::make_votable_writer(out, votable::serialization::tabledata)
                         : votable::make_csv_writer(out);
        b->run(t.sql, fields(t), *w, lim, uploads);
        return out.out;
    }
};

// A sink a client stops reading from after `limit` bytes.
class leaving_sink final : public dax::sink {
public:
    explicit leaving_sink(std::size_t limit) : limit_(limit) {}
    void write(const char*, std::size_t size) override {
        seen_ += size;
        if (seen_ > limit_) throw error("client disconnected");
    }

private:
    std::size_t limit_, seen_ = 0;
};

// Values, uploads and MAXREC.
void data_contract(fixture& fx) {

    SUBCASE("every datatype with NULLs and geometry reads back as loaded") {
        CHECK(fx.run("SELECT * FROM contract.t ORDER BY id") == t_expected);
        CHECK(fx.run("SELECT id FROM contract.t WHERE txt IS NULL AND pos IS NULL") == "id\r\n2\r\n");
        const std::string near = "SELECT COUNT(*) AS n FROM contract.t WHERE CONTAINS(pos, CIRCLE(10.5, -20.25, 0.1)) = 1";
        if (fx.b->dialect() != adql::dialect::mysql) {
            CHECK(fx.run(near) == "n\r\n1\r\n");
        } else {  // geometry columns are stored as text on MySQL: refused with a clear message
            adql::translate_options o{adql::dialect::mysql, &fx.cat, {}, {}, {}};
            auto t = adql::translate(near, o);
            REQUIRE_FALSE(t);
            CHECK(std::string(t.err().what()).find("not supported on MySQL") != std::string::npos);
        }
    }
    SUBCASE("an uploaded table joins a published one") {
        tap::upload_table u;
        u.table.schema = "TAP_UPLOAD";
        u.table.name = "mine";
        u.table.db_schema = fx.b->upload_schema();
        u.table.columns = {{"id", "", "long"}, {"note", "", "char", "*"}};
        u.rows = {{"3", "third"}, {"1", ""}, {"9", "none"}};
        adql::memory_catalog names;
        REQUIRE(adql::load_felis_text(felis, names));
        names.add_table(u.table);
        const std::vector<tap::upload_table> ups = {u};
        CHECK(fx.run("SELECT m.id, m.note, t.sh FROM TAP_UPLOAD.mine AS m JOIN contract.t AS t ON t.id = m.id ORDER BY m.id", {},
                     false, ups, &names) == "id,note,sh\r\n1,,-32768\r\n3,third,7\r\n");
        // The upload lives only in that query's session: without it the table is gone.
        for (int k = 0; k < 3; ++k)  // on whichever pooled connection the next query gets
            CHECK_THROWS_AS(fx.run("SELECT id FROM TAP_UPLOAD.mine", {}, false, {}, &names), error);
    }
    SUBCASE("MAXREC: one row more than asked for marks the overflow") {
        tap::run_limits l;
        l.max_rows = 2;
        CHECK(fx.run("SELECT id FROM contract.t ORDER BY id", l) == "id\r\n1\r\n2\r\n");
        const std::string v = fx.run("SELECT id FROM contract.t ORDER BY id", l, true);
        CHECK(v.find("<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"") != std::string::npos);
        l.max_rows = 3;
        CHECK(fx.run("SELECT id FROM contract.t ORDER BY id", l, true).find("OVERFLOW") == std::string::npos);
    }
}

// Cancellation, the time limit and an abandoned result.
void stop_contract(fixture& fx) {
    const std::string slow = "SELECT COUNT(*) AS n FROM contract.big AS a, contract.big AS b, contract.big AS c WHERE a.n + b.n > c.n";
    SUBCASE("a query cancelled while it runs stops at once with 'query aborted'") {
        std::atomic<bool> cancelled{false};
        tap::run_limits l;
        l.cancelled = &cancelled;
        l.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);  // far: only the cancel can stop it
        std::thread aborter([&cancelled] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            cancelled = true;
        });
        const auto t0 = std::chrono::steady_clock::now();
        try {
            fx.run(slow, l);
            FAIL("the query was not stopped");
        } catch (const error& e) {
            CHECK(std::string(e.what()).find("query aborted") != std::string::npos);
        }
        aborter.join();
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        CHECK(fx.run("SELECT COUNT(*) AS n FROM contract.t") == "n\r\n3\r\n");  // and the backend goes on
    }
    SUBCASE("the time limit stops a query with its message") {
        tap::run_limits l;
        l.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
        const auto t0 = std::chrono::steady_clock::now();
        try {
            fx.run(slow, l);
            FAIL("the query was not stopped");
        } catch (const error& e) {
            CHECK(std::string(e.what()).find("exceeded its execution time limit") != std::string::npos);
        }
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        CHECK(fx.run("SELECT COUNT(*) AS n FROM contract.t") == "n\r\n3\r\n");  // and the backend goes on
    }
    SUBCASE("a result the client abandons leaves the backend serving") {
        // 120,000 rows (several MB): the client leaves at the writer's first flush, long before
        // the end, six times (more than the pool holds: a lost connection would show).
        const std::string many = "SELECT a.n, a.label, b.label AS other FROM contract.big AS a, contract.big AS b WHERE b.n < 40";
        for (int k = 0; k < 6; ++k) {
            auto t = fx.translate(many);
            leaving_sink gone(2000);
            auto w = votable::make_votable_writer(gone, votable::serialization::tabledata);
            try {
                fx.b->run(t.sql, fx.fields(t), *w, {});
                FAIL("the client's leaving was not noticed");
            } catch (const error& e) {
                CHECK(std::string(e.what()).find("client disconnected") != std::string::npos);
            }
            CHECK(w->rows() < 120000);
        }
        CHECK(fx.run("SELECT COUNT(*) AS n FROM contract.big") == "n\r\n3000\r\n");
    }
}

void contract(const std::string& which) {
    fixture fx(which);
    CHECK(fx.b->has_table(fx.table("t")));
    data_contract(fx);
    stop_contract(fx);
}

}  // namespace

TEST_CASE("backend contract: sqlite") { contract("sqlite"); }
TEST_CASE("backend contract: postgres") { contract("postgres"); }
TEST_CASE("backend contract: mariadb") { contract("mysql"); }
