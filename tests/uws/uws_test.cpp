// The UWS engine: the transition table, both stores, and the engine's behaviour (completion,
// results, abort, time limits, owner isolation, WAIT, destruction). Failures and recovery:
// uws_recovery_test.cpp.
#include "uws_fixtures.hpp"

#include <algorithm>


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
    const auto counts = s.count_by_phase();  // metrics: jobs by task and phase
    CHECK(std::find(counts.begin(), counts.end(), std::make_tuple(std::string("noop"), std::string("EXECUTING"), std::size_t(3))) != counts.end());
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
    // Task scopes (services sharing one store): lists, claims, destruction and orphans only
    // see the scope's tasks.
    job other;
    other.id = new_job_id();
    other.owner = "bob";
    other.task = "cutout";
    other.ph = phase::queued;
    other.creation = now;
    other.queued = now;
    other.destruction = now - 1ms;
    s.insert(other);
    job_filter only_noop, only_cutout;
    only_noop.tasks = {"noop"};
    only_cutout.tasks = {"cutout", "other-task"};
    CHECK(s.list("bob", only_noop).size() == 3);
    CHECK(s.list("bob", only_cutout).size() == 1);
    CHECK(s.list("bob", {}).size() == 4);
    CHECK_FALSE(s.claim("w1", now, {"noop"}));
    CHECK(s.due_for_destruction(now, 10).size() == 2);
    CHECK(s.due_for_destruction(now, 10, {"cutout"}).size() == 1);
    CHECK(s.due_for_destruction(now, 10, {"cutout"})[0].id == other.id);
    CHECK(s.orphaned(now - 1000ms, {"cutout"}).empty());
    CHECK(s.orphaned(now - 1000ms, {"noop"}).size() == 2);
    CHECK(s.claim("w1", now, {"cutout"})->id == other.id);
    CHECK_THROWS(s.list("bob", [] { job_filter f; f.tasks = {"x' OR '1'='1"}; return f; }()));
    CHECK(s.remove(other.id));
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

TEST_CASE("uws: engines of several services share one store, each seeing and running its own jobs") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto r1 = open_directory_result_store((d.path / "r1").string());
    auto r2 = open_directory_result_store((d.path / "r2").string());
    task_registry queries, cutouts;
    std::atomic<int> ran_q{0}, ran_c{0};
    queries.add("query", {[&](task_context&) { ++ran_q; }, false});
    cutouts.add("cutout", {[&](task_context&) { ++ran_c; }, false});
    engine eq(*store, *r1, queries, fast()), ec(*store, *r2, cutouts, fast());
    eq.start();
    ec.start();
    auto q = eq.create("alice", "query", {}, "", true);
    auto c = ec.create("alice", "cutout", {}, "", true);
    REQUIRE(q);
    REQUIRE(c);
    CHECK(wait_for(eq, "alice", q->id, phase::completed).ph == phase::completed);
    CHECK(wait_for(ec, "alice", c->id, phase::completed).ph == phase::completed);
    CHECK(ran_q == 1);
    CHECK(ran_c == 1);
    CHECK(eq.list("alice", {}).size() == 1);
    CHECK(ec.list("alice", {}).size() == 1);
    CHECK(store->list("alice", {}).size() == 2);  // the monitor's view
    CHECK(eq.get("alice", c->id).err().kind() == error_kind::not_found);
    CHECK_FALSE(eq.remove("alice", c->id));
    CHECK(ec.get("alice", c->id));
    CHECK(eq.create("alice", "cutout", {}, "", false).err().kind() == error_kind::usage);
    ec.stop();
    eq.stop();
}

TEST_CASE("uws: drain lets running jobs finish, then hands restartable ones back and fails the others") {
    temp_dir d;
    auto store = open_sqlite_job_store((d.path / "jobs.db").string());
    auto results = open_directory_result_store((d.path / "results").string());
    auto reg = tasks();
    std::atomic<int> finished{0};
    reg.add("short", {[&](task_context&) {
                          std::this_thread::sleep_for(100ms);
                          ++finished;
                      },
                      false});
    auto cfg = fast();
    cfg.workers = 3;
    engine a(*store, *results, reg, cfg);
    a.start();
    auto shortjob = a.create("u", "short", {}, "", true);
    auto forever = a.create("u", "sleep", {}, "", true);
    auto again = a.create("u", "sleep_restartable", {}, "", true);
    REQUIRE(shortjob);
    CHECK(wait_for(a, "u", forever->id, phase::executing).ph == phase::executing);
    CHECK(wait_for(a, "u", again->id, phase::executing).ph == phase::executing);
    a.drain(1500ms);
    CHECK(finished == 1);                                       // finished within the grace
    CHECK(a.get("u", shortjob->id)->ph == phase::completed);
    auto failed = a.get("u", forever->id);
    CHECK(failed->ph == phase::error);                          // not restartable: failed, saying why
    CHECK(failed->error->message.find("shut down") != std::string::npos);
    auto back = a.get("u", again->id);
    CHECK(back->ph == phase::queued);                           // restartable: for another instance
    CHECK(back->worker.empty());
    // Queued jobs stay queued while draining: another instance takes them.
    auto later = a.create("u", "sleep_restartable", {{"fast", "1"}}, "", true);
    CHECK(a.get("u", later->id)->ph == phase::queued);
    engine b(*store, *results, reg, cfg);
    b.start();
    CHECK(wait_for(b, "u", later->id, phase::completed).ph == phase::completed);
    CHECK(wait_for(b, "u", again->id, phase::executing).ph == phase::executing);
    // Once a drain has begun, a blocking WAIT returns at once (the HTTP requests in progress
    // must end within the grace period), and the running job is handed back with its restarts.
    b.begin_drain();
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(b.wait("u", again->id, 5000ms)->ph == phase::executing);
    CHECK(std::chrono::steady_clock::now() - t0 < 1000ms);
    b.drain(0ms);
    CHECK(b.get("u", again->id)->ph == phase::queued);
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
