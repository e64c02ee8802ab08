// The UWS engine after failures: recovery of a dead instance's jobs, SIGKILL mid-job,
// cancellation of real SQLite and PostgreSQL queries, and two engines sharing one queue.
#include "uws_fixtures.hpp"

#include <algorithm>

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

TEST_CASE("uws: the restart count survives a restarted job's own progress (the poison-job rule holds)") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    reg.add("progress", {[](task_context& c) {
                             c.progress("rows", "5");
                             while (!c.cancelled()) std::this_thread::sleep_for(2ms);
                         },
                         true});
    std::string id;
    {
        engine e(*store, *results, reg, fast());
        id = e.create("u", "progress", {}, "", true).value().id;
    }
    auto j = store->get(id).value();
    j.ph = phase::executing;
    j.worker = "engine-that-died";
    REQUIRE(store->update(j));
    engine e(*store, *results, reg, fast());
    CHECK(e.recover() == 1);  // first death: queued again, restarts=1
    e.start();
    std::vector<std::pair<std::string, std::string>> info;
    for (int i = 0; i < 500; ++i) {
        info = store->get(id)->info;
        if (std::any_of(info.begin(), info.end(), [](const auto& kv) { return kv.first == "rows"; })) break;
        std::this_thread::sleep_for(5ms);
    }
    CHECK(std::any_of(info.begin(), info.end(), [](const auto& kv) { return kv.first == "rows"; }));
    CHECK(std::any_of(info.begin(), info.end(), [](const auto& kv) { return kv.first == "restarts" && kv.second == "1"; }));
    e.stop();
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
