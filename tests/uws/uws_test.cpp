// The UWS engine: the transition table, both stores, the engine's behaviour (completion,
// results, abort, time limits, owner isolation, WAIT, destruction, recovery after a crash),
// cancellation of real SQLite and PostgreSQL queries, and two engines sharing one queue.
#include <dax/uws/engine.hpp>
#include <dax/uws/xml.hpp>
#include <dax/votable/writer.hpp>

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace dax::uws;
using dax::error_kind;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        char t[] = "/tmp/dax-uws-XXXXXX";
        path = mkdtemp(t);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

const char* pg() {
    const char* c = std::getenv("DAX_TEST_PG");
    if (!c) FAIL("the PostgreSQL tests run through tests/exec/with_servers.sh (DAX_TEST_PG)");
    return c;
}

void reset_pg() {
    PGconn* c = PQconnectdb(pg());
    PQclear(PQexec(c, "SET client_min_messages = warning; DROP TABLE IF EXISTS uws_job; DROP TABLE IF EXISTS uws_worker"));
    PQfinish(c);
}

engine_config fast() {
    engine_config c;
    c.workers = 4;
    c.poll_interval = 5ms;
    c.heartbeat_interval = 100ms;
    return c;
}

task_registry tasks() {
    task_registry r;
    r.add("noop", {[](task_context&) {}});
    r.add("fail", {[](task_context&) { throw std::runtime_error("the task failed on purpose"); }});
    r.add("table", {[](task_context& c) {
        auto out = c.create_result("result");
        auto w = dax::votable::make_votable_writer(*out, dax::votable::serialization::binary2);
        std::vector<dax::votable::field> f(1);
        f[0].name = "x";
        w->begin(f);
        for (int i = 0; i < 100; ++i) {
            std::vector<dax::votable::cell> row = {dax::votable::cell::real(i)};
            w->row(row);
        }
        w->finish();
        c.progress("rows", "100");
        c.add_result({"result", "", "application/x-votable+xml", out->commit()});
    }});
    r.add("sleep", {[](task_context& c) {
        while (!c.cancelled()) std::this_thread::sleep_for(2ms);
        throw std::runtime_error("stopped");
    }});
    r.add("sleep_restartable", {[](task_context& c) {
                                    if (c.current().parameter("fast")) return;
                                    while (!c.cancelled()) std::this_thread::sleep_for(2ms);
                                },
                                true});
    return r;
}

job wait_for(engine& e, const std::string& owner, const std::string& id, phase p, std::chrono::milliseconds limit = 10s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
        auto j = e.get(owner, id);
        REQUIRE(j);
        if (j->ph == p || std::chrono::steady_clock::now() > end) return *j;
        e.wait(owner, id, 200ms);
    }
}

}  // namespace

TEST_CASE("uws: the transition table is exactly UWS 1.1's") {
    const std::map<std::pair<phase, action>, phase> allowed = {
        {{phase::pending, action::run}, phase::queued},      {{phase::held, action::run}, phase::queued},
        {{phase::queued, action::start}, phase::executing},  {{phase::executing, action::complete}, phase::completed},
        {{phase::queued, action::fail}, phase::error},       {{phase::executing, action::fail}, phase::error},
        {{phase::pending, action::abort}, phase::aborted},   {{phase::queued, action::abort}, phase::aborted},
        {{phase::executing, action::abort}, phase::aborted}, {{phase::held, action::abort}, phase::aborted},
        {{phase::suspended, action::abort}, phase::aborted}, {{phase::pending, action::hold}, phase::held},
        {{phase::queued, action::hold}, phase::held},        {{phase::executing, action::suspend}, phase::suspended},
        {{phase::suspended, action::resume}, phase::executing}, {{phase::executing, action::requeue}, phase::queued},
        {{phase::pending, action::archive}, phase::archived},   {{phase::queued, action::archive}, phase::archived},
        {{phase::completed, action::archive}, phase::archived}, {{phase::error, action::archive}, phase::archived},
        {{phase::aborted, action::archive}, phase::archived},   {{phase::held, action::archive}, phase::archived},
    };
    int checked = 0;
    for (int p = 0; p <= static_cast<int>(phase::archived); ++p)
        for (int a = 0; a <= static_cast<int>(action::archive); ++a) {
            const auto key = std::make_pair(static_cast<phase>(p), static_cast<action>(a));
            const auto got = transition(key.first, key.second);
            INFO(phase_name(key.first) << " + " << action_name(key.second));
            auto it = allowed.find(key);
            if (it == allowed.end()) CHECK_FALSE(got.has_value());
            else CHECK(got == it->second);
            ++checked;
        }
    CHECK(checked == 100);
}

TEST_CASE("uws: phase names, timestamps and identifiers") {
    CHECK(phase_from_name("executing") == phase::executing);
    CHECK_FALSE(phase_from_name("RUNNING"));
    const auto t = parse_iso8601("2026-11-21T07:15:00.123Z");
    REQUIRE(t);
    CHECK(iso8601(*t) == "2026-11-21T07:15:00.123Z");
    CHECK(parse_iso8601("2026-11-21T07:15:00Z"));
    CHECK_FALSE(parse_iso8601("yesterday"));
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) ids.insert(new_job_id());
    CHECK(ids.size() == 1000);
    CHECK(valid_id(*ids.begin()));
    CHECK_FALSE(valid_id("../etc/passwd"));
    CHECK_FALSE(valid_id(".hidden"));
}

namespace {

void store_contract(job_store& s) {
    const auto now = now_ms();
    job a;
    a.id = new_job_id();
    a.owner = "alice";
    a.task = "noop";
    a.creation = now - 3000ms;
    a.destruction = now - 1000ms;  // already due
    a.parameters = {{"QUERY", "SELECT * FROM t WHERE a = 'x\ny=%z'"}, {"UPLOAD", "t1,param:f1"}, {"UPLOAD", "t2,param:f2"}};
    a.error = error_summary{false, "tab\tand newline\n", ""};
    s.insert(a);
    auto got = s.get(a.id);
    REQUIRE(got);
    CHECK(got->parameters == a.parameters);
    CHECK(got->error->message == a.error->message);
    CHECK_FALSE(got->error->fatal);
    CHECK(got->creation == a.creation);
    // Compare-and-set: a stale version loses.
    job first = *got, second = *got;
    first.run_id = "first";
    second.run_id = "second";
    CHECK(s.update(first));
    CHECK_FALSE(s.update(second));
    CHECK(s.get(a.id)->run_id == "first");
    // FIFO claiming, one claimer per job.
    std::vector<std::string> queued;
    for (int i = 0; i < 3; ++i) {
        job q;
        q.id = new_job_id();
        q.owner = "bob";
        q.task = "noop";
        q.ph = phase::queued;
        q.creation = now + std::chrono::milliseconds(i);
        q.queued = now + std::chrono::milliseconds(10 - i);  // RUN order is what counts
        q.destruction = now + 3600s;
        s.insert(q);
        queued.push_back(q.id);
    }
    auto c1 = s.claim("w1", now);
    REQUIRE(c1);
    CHECK(c1->id == queued[2]);
    CHECK(c1->ph == phase::executing);
    CHECK(c1->worker == "w1");
    CHECK(s.claim("w2", now)->id == queued[1]);
    CHECK(s.claim("w1", now)->id == queued[0]);
    CHECK_FALSE(s.claim("w1", now));
    // Owners only see their own jobs; filters.
    CHECK(s.list("alice", {}).size() == 1);
    CHECK(s.list("bob", {}).size() == 3);
    CHECK(s.list("eve", {}).empty());
    job_filter executing;
    executing.phases = {phase::executing};
    CHECK(s.list("bob", executing).size() == 3);
    job_filter last;
    last.last = 2;
    auto recent = s.list("bob", last);
    REQUIRE(recent.size() == 2);
    CHECK(recent[0].id == queued[1]);
    CHECK(recent[1].id == queued[2]);
    job_filter after;
    after.after = now;
    CHECK(s.list("bob", after).size() == 2);
    // Destruction and history.
    CHECK(s.due_for_destruction(now, 10).size() == 1);
    // Orphans: w1 and w2 never sent a heartbeat; w2 does now.
    s.heartbeat("w2", now);
    CHECK(s.orphaned(now - 1000ms).size() == 2);
    s.set_info(queued[1], {{"rows", "42"}});
    CHECK(s.get(queued[1])->info.front().second == "42");
    CHECK(s.remove(a.id));
    CHECK_FALSE(s.get(a.id));
}

}  // namespace

TEST_CASE("uws: the SQLite store keeps the store contract") {
    temp_dir d;
    auto s = open_sqlite_job_store((d.path / "jobs.db").string());
    store_contract(*s);
}

TEST_CASE("uws: the PostgreSQL store keeps the store contract") {
    reset_pg();
    auto s = open_postgres_job_store(pg());
    store_contract(*s);
}

TEST_CASE("uws: jobs complete with results, fail with messages, and stay with their owner") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    engine e(*store, *results, reg, fast());
    e.start();
    auto j = e.create("alice", "table", {{"QUERY", "SELECT 1"}}, "run-1", true);
    REQUIRE(j);
    auto done = wait_for(e, "alice", j->id, phase::completed);
    CHECK(done.ph == phase::completed);
    REQUIRE(done.results.size() == 1);
    CHECK(done.results[0].size > 0);
    CHECK(fs::file_size(results->path(done.id, "result")) == done.results[0].size);
    CHECK(done.info.front() == std::make_pair(std::string("rows"), std::string("100")));
    CHECK(done.start.has_value());
    CHECK(done.end.has_value());
    // The job document validates as UWS 1.1 elsewhere; here: it names the result.
    CHECK(job_xml(done, "http://h/async/" + done.id).find("results/result") != std::string::npos);
    // Another owner does not see it, cannot act on it.
    CHECK(e.get("eve", done.id).err().kind() == error_kind::not_found);
    CHECK(e.abort("eve", done.id).err().kind() == error_kind::not_found);
    CHECK_FALSE(e.remove("eve", done.id));
    CHECK(e.list("eve", {}).empty());
    // A failing task.
    auto f = e.create("alice", "fail", {}, "", true);
    auto failed = wait_for(e, "alice", f->id, phase::error);
    REQUIRE(failed.error);
    CHECK(failed.error->message == "the task failed on purpose");
    // Illegal transitions and bad values are refused, not applied.
    CHECK(std::string(e.run("alice", done.id).err().what()).find("not possible in this phase") != std::string::npos);
    CHECK(e.set_execution_duration("alice", done.id, 10).err().kind() == error_kind::usage);
    CHECK(std::string(e.create("alice", "nope", {}, "", false).err().what()) == "unknown task 'nope'");
    CHECK(e.set_visibility("alice", done.id, "secret").err().kind() == error_kind::usage);
    CHECK(e.set_visibility("alice", done.id, "user-hidden"));
    CHECK(e.list("alice", {}).size() == 1);  // hidden from the default history
    // DELETE removes the job and its results.
    CHECK(e.remove("alice", done.id));
    CHECK(results->path(done.id, "result").empty());
    CHECK(e.get("alice", done.id).err().kind() == error_kind::not_found);
}

TEST_CASE("uws: ABORT and the execution duration stop running work") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    engine e(*store, *results, reg, fast());
    e.start();
    auto a = e.create("u", "sleep", {}, "", true);
    wait_for(e, "u", a->id, phase::executing);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(e.abort("u", a->id));
    auto aborted = wait_for(e, "u", a->id, phase::aborted);
    CHECK(aborted.ph == phase::aborted);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    // Execution duration: 1 s.
    auto b = e.create("u", "sleep", {}, "", false);
    CHECK(e.set_execution_duration("u", b->id, 1));
    CHECK(e.run("u", b->id));
    auto timed = wait_for(e, "u", b->id, phase::error, 5s);
    CHECK(timed.ph == phase::error);
    CHECK(timed.error->message == "the execution duration of 1 s was exceeded");
    CHECK(e.set_execution_duration("u", b->id, -5).err().kind() == error_kind::usage);
}

TEST_CASE("uws: WAIT blocks until the phase changes, and not longer than asked") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    engine e(*store, *results, reg, fast());
    e.start();
    auto j = e.create("u", "sleep", {}, "", false);
    // PENDING: WAIT blocks for the timeout.
    auto t0 = std::chrono::steady_clock::now();
    auto w = e.wait("u", j->id, 300ms);
    CHECK(std::chrono::steady_clock::now() - t0 >= 250ms);
    CHECK(w->ph == phase::pending);
    // A phase change ends the wait early.
    std::thread t([&] {
        std::this_thread::sleep_for(100ms);
        e.abort("u", j->id);
    });
    t0 = std::chrono::steady_clock::now();
    w = e.wait("u", j->id, 5s, phase::pending);
    t.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK(w->ph == phase::aborted);
    // Terminal phases: no blocking at all.
    t0 = std::chrono::steady_clock::now();
    e.wait("u", j->id, 5s);
    CHECK(std::chrono::steady_clock::now() - t0 < 500ms);
}

TEST_CASE("uws: destruction archives a job and deletes its results; history expires later") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    auto cfg = fast();
    cfg.history_retention = std::chrono::seconds(2);
    // The engine's clock, moved forward by the test instead of sleeping.
    auto skew = std::make_shared<std::atomic<std::int64_t>>(0);
    cfg.clock = [skew] { return now_ms() + std::chrono::milliseconds(skew->load()); };
    engine e(*store, *results, reg, cfg);
    e.start();
    auto j = e.create("u", "table", {{"QUERY", "SELECT 1"}}, "", true);
    auto done = wait_for(e, "u", j->id, phase::completed);
    REQUIRE_FALSE(results->path(done.id, "result").empty());
    CHECK(e.set_destruction("u", done.id, now_ms() - 1ms));
    // The engine's own loop reaps once a second too: whichever comes first archives the job.
    e.reap();
    auto archived = e.get("u", done.id);
    for (int i = 0; i < 300 && archived->ph != phase::archived; ++i) {
        std::this_thread::sleep_for(10ms);  // the loop's round may still be finishing
        archived = e.get("u", done.id);
    }
    CHECK(archived->ph == phase::archived);
    CHECK(archived->results.empty());
    CHECK(archived->parameter("query") == "SELECT 1");  // the history keeps the query
    CHECK(results->path(done.id, "result").empty());
    job_filter history;
    history.include_archived = true;
    CHECK(e.list("u", history).size() == 1);
    *skew += 2100;  // past the history retention
    e.reap();
    CHECK(e.get("u", done.id).err().kind() == error_kind::not_found);
}

TEST_CASE("uws: jobs of a dead instance go to ERROR, or back to the queue if restartable") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    const auto now = now_ms();
    auto orphan = [&](const std::string& task, std::vector<std::pair<std::string, std::string>> params) {
        job j;
        j.id = new_job_id();
        j.owner = "u";
        j.task = task;
        j.ph = phase::executing;
        j.worker = "engine-that-died";
        j.creation = j.queued.emplace(now);
        j.start = now;
        j.destruction = now + 3600s;
        j.parameters = std::move(params);
        store->insert(j);
        auto out = results->create(j.id, "result");  // a half-written result
        out->write("partial", 7);
        out->commit();
        return j.id;
    };
    const auto lost = orphan("noop", {});
    const auto again = orphan("sleep_restartable", {{"fast", "1"}});
    engine e(*store, *results, reg, fast());
    e.start();
    auto failed = wait_for(e, "u", lost, phase::error);
    CHECK(failed.ph == phase::error);
    CHECK(failed.error->message.find("stopped before it finished") != std::string::npos);
    CHECK(results->path(lost, "result").empty());
    auto rerun = wait_for(e, "u", again, phase::completed);
    CHECK(rerun.ph == phase::completed);
}

TEST_CASE("uws: a restartable job whose instance died twice while running it is failed and not run a third time") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    auto orphan = [&](const std::string& id) {  // EXECUTING on an instance that died
        auto j = store->get(id).value();
        j.ph = phase::executing;
        j.worker = "engine-that-died";
        j.start = now_ms();
        REQUIRE(store->update(j));
    };
    std::string id;
    {
        engine e(*store, *results, reg, fast());  // not started: only creates the job
        id = e.create("u", "sleep_restartable", {{"fast", "1"}}, "", true).value().id;
    }
    orphan(id);  // first death: back to the queue
    {
        engine e(*store, *results, reg, fast());
        CHECK(e.recover() == 1);
        auto j = e.get("u", id);
        CHECK(j->ph == phase::queued);
    }
    orphan(id);  // second death while running it: a poison job
    {
        engine e(*store, *results, reg, fast());
        CHECK(e.recover() == 1);
        auto j = e.get("u", id);
        CHECK(j->ph == phase::error);
        CHECK(j->error->message.find("for the second time") != std::string::npos);
    }
}

TEST_CASE("uws: a process killed with SIGKILL mid-job loses no job and leaves no partial result") {
    temp_dir d;
    const std::string db = (d.path / "jobs.db").string(), dir = (d.path / "results").string();
    std::string id;
    {
        auto store = open_sqlite_job_store(db);
        auto results = open_directory_result_store(dir);
        auto reg = tasks();
        engine e(*store, *results, reg, fast());  // not started: only creates the job
        auto created = e.create("u", "writer", {}, "", true);
        id = created ? created->id : "";
        if (id.empty()) {
            // "writer" is registered only in the child; create the row directly instead.
            job j;
            j.id = new_job_id();
            j.owner = "u";
            j.task = "writer";
            j.ph = phase::queued;
            j.creation = j.queued.emplace(now_ms());
            j.destruction = now_ms() + 3600s;
            store->insert(j);
            id = j.id;
        }
    }
    const pid_t child = fork();
    if (child == 0) {
        auto store = open_sqlite_job_store(db);
        auto results = open_directory_result_store(dir);
        task_registry reg;
        reg.add("writer", {[](task_context& c) {
            auto out = c.create_result("result");
            for (;;) {  // writes forever: killed mid-result
                out->write("row\n", 4);
                std::this_thread::sleep_for(1ms);
            }
        }});
        engine e(*store, *results, reg, fast());
        e.start();
        for (;;) pause();
    }
    // Wait until the child executes the job and has written part of the result.
    {
        auto store = open_sqlite_job_store(db);
        for (int i = 0; i < 500; ++i) {
            auto j = store->get(id);
            if (j && j->ph == phase::executing && fs::exists(fs::path(dir) / id)) break;
            std::this_thread::sleep_for(10ms);
        }
        REQUIRE(store->get(id)->ph == phase::executing);
    }
    std::this_thread::sleep_for(100ms);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    auto store = open_sqlite_job_store(db);
    auto results = open_directory_result_store(dir);
    task_registry reg;
    reg.add("writer", {[](task_context&) {}});
    engine e(*store, *results, reg, fast());
    e.start();
    auto j = wait_for(e, "u", id, phase::error);
    CHECK(j.ph == phase::error);
    CHECK(j.results.empty());
    CHECK_FALSE(fs::exists(fs::path(dir) / id));  // the partial file is gone
}

TEST_CASE("uws: ABORT and the execution duration interrupt a running SQLite query") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    task_registry reg;
    std::atomic<int> interrupted{0};
    reg.add("query", {[&](task_context& c) {
        sqlite3* db = nullptr;
        sqlite3_open(":memory:", &db);
        c.on_cancel([db] { sqlite3_interrupt(db); });
        const int rc = sqlite3_exec(db,
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) "
                                    "SELECT count(*) FROM n",
                                    nullptr, nullptr, nullptr);
        sqlite3_close(db);
        if (rc == SQLITE_INTERRUPT) {
            ++interrupted;
            throw std::runtime_error("query interrupted");
        }
    }});
    engine e(*store, *results, reg, fast());
    e.start();
    auto a = e.create("u", "query", {}, "", true);
    wait_for(e, "u", a->id, phase::executing);
    std::this_thread::sleep_for(200ms);
    const auto t0 = std::chrono::steady_clock::now();
    e.abort("u", a->id);
    while (interrupted < 1 && std::chrono::steady_clock::now() - t0 < 5s) std::this_thread::sleep_for(5ms);
    CHECK(interrupted == 1);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    auto b = e.create("u", "query", {}, "", false);
    e.set_execution_duration("u", b->id, 1);
    e.run("u", b->id);
    auto timed = wait_for(e, "u", b->id, phase::error, 5s);
    CHECK(timed.ph == phase::error);
    while (interrupted < 2 && std::chrono::steady_clock::now() - t0 < 8s) std::this_thread::sleep_for(5ms);
    CHECK(interrupted == 2);
}

TEST_CASE("uws: ABORT and the execution duration interrupt a running PostgreSQL query") {
    reset_pg();
    auto store = open_postgres_job_store(pg());
    temp_dir d;
    auto results = open_directory_result_store((d.path / "results").string());
    task_registry reg;
    std::atomic<int> cancelled{0};
    reg.add("query", {[&](task_context& c) {
        PGconn* conn = PQconnectdb(pg());
        PGcancel* cancel = PQgetCancel(conn);
        c.on_cancel([cancel] {
            char err[256];
            PQcancel(cancel, err, sizeof err);  // the PostgreSQL cancel request
        });
        PGresult* r = PQexec(conn, "SELECT pg_sleep(60)");
        const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        const std::string state = PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "";
        PQclear(r);
        PQfreeCancel(cancel);
        PQfinish(conn);
        if (!ok && state == "57014") {  // query_canceled
            ++cancelled;
            throw std::runtime_error("query cancelled");
        }
    }});
    engine e(*store, *results, reg, fast());
    e.start();
    auto a = e.create("u", "query", {}, "", true);
    wait_for(e, "u", a->id, phase::executing);
    std::this_thread::sleep_for(300ms);
    const auto t0 = std::chrono::steady_clock::now();
    e.abort("u", a->id);
    while (cancelled < 1 && std::chrono::steady_clock::now() - t0 < 5s) std::this_thread::sleep_for(5ms);
    CHECK(cancelled == 1);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    auto b = e.create("u", "query", {}, "", false);
    e.set_execution_duration("u", b->id, 1);
    e.run("u", b->id);
    CHECK(wait_for(e, "u", b->id, phase::error, 6s).ph == phase::error);
    while (cancelled < 2 && std::chrono::steady_clock::now() - t0 < 8s) std::this_thread::sleep_for(5ms);
    CHECK(cancelled == 2);
}

TEST_CASE("uws: 1,000 jobs through two engines sharing PostgreSQL each run exactly once") {
    reset_pg();
    auto s1 = open_postgres_job_store(pg(), 3);
    auto s2 = open_postgres_job_store(pg(), 3);
    temp_dir d;
    auto results = open_directory_result_store((d.path / "results").string());
    std::mutex m;
    std::map<std::string, int> runs;
    task_registry reg;
    reg.add("count", {[&](task_context& c) {
        std::lock_guard<std::mutex> g(m);
        ++runs[c.current().id];
    }});
    auto cfg = fast();
    cfg.workers = 2;  // 4 workers in all
    // Not a recovery test: a loaded CI machine can delay a supervisor past fast()'s 0.5 s
    // staleness, and the other engine would then rightly fail the "dead" instance's jobs.
    cfg.heartbeat_interval = 2s;
    engine e1(*s1, *results, reg, cfg), e2(*s2, *results, reg, cfg);
    e1.start();
    e2.start();
    std::vector<std::string> ids;
    for (int i = 0; i < 1000; ++i) ids.push_back(e1.create("u", "count", {}, "", true)->id);
    const auto end = std::chrono::steady_clock::now() + 60s;
    for (const auto& id : ids) {
        while (e2.get("u", id)->ph != phase::completed && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(2ms);
    }
    e1.stop();
    e2.stop();
    std::lock_guard<std::mutex> g(m);
    CHECK(runs.size() == 1000);
    int twice = 0;
    for (auto& [id, n] : runs)
        if (n != 1) ++twice;
    CHECK(twice == 0);
    job_filter done;
    done.phases = {phase::completed};
    CHECK(s1->list("u", done).size() == 1000);
}
