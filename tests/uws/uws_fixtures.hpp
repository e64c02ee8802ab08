#pragma once
// What the UWS engine tests share: a temporary directory, the PostgreSQL server of
// tests/exec/with_servers.sh, a fast engine configuration, the test tasks and a phase wait.
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


namespace uws_fixtures {

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

inline const char* pg() {
    const char* c = std::getenv("DAX_TEST_PG");
    if (!c) FAIL("the PostgreSQL tests run through tests/exec/with_servers.sh (DAX_TEST_PG)");
    return c;
}

inline void reset_pg() {
    PGconn* c = PQconnectdb(pg());
    PQclear(PQexec(c, "SET client_min_messages = warning; DROP TABLE IF EXISTS uws_job; DROP TABLE IF EXISTS uws_worker"));
    PQfinish(c);
}

inline engine_config fast() {
    engine_config c;
    c.workers = 4;
    c.poll_interval = 5ms;
    c.heartbeat_interval = 100ms;
    return c;
}

inline task_registry tasks() {
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

inline job wait_for(engine& e, const std::string& owner, const std::string& id, phase p, std::chrono::milliseconds limit = 10s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
        auto j = e.get(owner, id);
        REQUIRE(j);
        if (j->ph == p || std::chrono::steady_clock::now() > end) return *j;
        e.wait(owner, id, 200ms);
    }
}

}  // namespace uws_fixtures

using namespace uws_fixtures;
