// libFuzzer target: raw HTTP request bytes -> tap-server's whole request path without sockets:
// cpp-httplib's request parsing, the server layer (POST bodies read by libdax, UTF-8 checks,
// 405s, error documents), the TAP routes (sync queries run for real on the SQLite backend,
// TAP_SCHEMA being the data) and the UWS routes (jobs created, listed, run by the engine).
//
// Input: one HTTP/1.1 request as it arrives on the wire, e.g.
//     POST /tap/sync HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n
//     Content-Length: 52\r\n\r\nLANG=ADQL&QUERY=SELECT+TOP+1+*+FROM+TAP_SCHEMA.tables
// Uploads by URL are turned off (no network); WAIT returns at once.
#include "../../apps/common/http_server.hpp"
#include "../../apps/common/replies.hpp"
#include "../../apps/common/uws_http.hpp"
#include "../../apps/tap-server/tap_http.hpp"

#include <dax/tap/service.hpp>
#include <dax/tap/query_task.hpp>
#include <dax/uws/engine.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

using namespace dax;

struct world {
    std::unique_ptr<tap::service> svc;
    std::unique_ptr<uws::job_store> jobs;
    std::unique_ptr<uws::result_store> results, inputs;
    uws::task_registry tasks;
    std::unique_ptr<uws::engine> engine;
    std::unique_ptr<http::server> server;
};

world& open_world() {
    static world* w = [] {
        char dir[] = "/tmp/dax_http_fuzz.XXXXXX";
        if (!mkdtemp(dir)) std::abort();
        auto* w = new world;
        tap::service_config cfg;
        cfg.data_dir = dir;
        for (auto& s : tap::demo_schemas()) cfg.schemas.push_back({s, "sqlite"});
        cfg.lim.upload_urls = false;
        cfg.lim.sync_timeout = std::chrono::seconds(2);
        cfg.lim.max_upload_bytes = 1 << 20;
        auto s = tap::service::open(cfg);
        if (!s) {
            std::fprintf(stderr, "http_fuzz: %s\n", s.err().what());
            std::abort();
        }
        w->svc = std::move(*s);
        w->jobs = uws::open_sqlite_job_store(std::string(dir) + "/jobs.db");
        w->results = uws::open_directory_result_store(std::string(dir) + "/results");
        w->inputs = uws::open_directory_result_store(std::string(dir) + "/uploads");
        w->tasks.add("tap-query", tap::query_task(*w->svc));
        uws::engine_config ec;
        ec.workers = 1;
        ec.max_wait = std::chrono::milliseconds(0);
        ec.default_execution_duration = 2;
        ec.max_execution_duration = 2;
        w->engine = std::make_unique<uws::engine>(*w->jobs, *w->results, w->tasks, ec);
        w->engine->set_input_store(*w->inputs);
        w->engine->start();
        http::server_limits hl;
        hl.workers = 1;
        hl.max_body_bytes = 4 << 20;
        w->server = std::make_unique<http::server>(hl);
        tapserver::tap_binding tb;
        tapserver::add_tap_routes(*w->server, *w->svc, tb);
        http::uws_binding ub;
        ub.base = "/tap/async";
        ub.task = "tap-query";
        http::add_uws_routes(*w->server, *w->engine, *w->results, ub);
        w->server->set_error_reply([](httplib::Response& res, int status, const std::string& m) {
            http::reply_error(res, status, m);
        });
        // The engine's threads stop before the statics they use are destroyed at exit (they
        // were seen reading a freed one while libFuzzer's exit ran the destructors).
        std::atexit([] { open_world().engine->stop(); });
        return w;
    }();
    return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    world& w = open_world();
    const std::string reply = w.server->serve_bytes(std::string_view(reinterpret_cast<const char*>(data), size));
    // Whatever came in, something well-formed goes out: a status line.
    if (!reply.empty() && reply.rfind("HTTP/1.1 ", 0) != 0) {
        std::fprintf(stderr, "http_fuzz: malformed response: %.80s\n", reply.c_str());
        std::abort();
    }
    return 0;
}
