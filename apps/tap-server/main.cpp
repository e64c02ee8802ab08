// tap-server: a TAP 1.1 service. With no arguments it serves the demo tables (demo.stars,
// ivoa.ObsCore, TAP_SCHEMA) from an embedded SQLite database created on first run.
//   tap-server [--host H] [--port P] [--data-dir D] [--config FILE]
#include "../common/bootstrap.hpp"
#include "../common/catalog_setup.hpp"
#include "../common/observability.hpp"
#include "../common/job_monitor.hpp"
#include "../common/replies.hpp"
#include "../common/tap_config.hpp"
#include "tap_http.hpp"

#include <dax/tap/query_task.hpp>
#include <dax/uws/engine.hpp>

#include <unistd.h>

#include <filesystem>
#include <iostream>

using namespace dax;

namespace {

const char* const usage =
    "usage: tap-server [--host H] [--port P] [--data-dir D] [--config FILE] [--role all|api|worker]\n"
    "Serves http://H:P/tap (default 127.0.0.1:8080); see the README for the config file.\n"
    "--role api serves and never executes async jobs; worker executes them and serves nothing.\n";

// The configuration: the file, then the command line over it, then what only TAP needs.
std::optional<tapserver::server_config> configure(int argc, char** argv, int& exit_code) {
    auto cfg = http::configure(argc, argv, usage, "tap-server", "tap", exit_code);
    if (!cfg) return cfg;
    if (cfg->results_dir.empty()) cfg->results_dir = cfg->service.data_dir + "/results";
    // Form bodies up to the query size, multipart bodies up to the uploads, plus room for the rest.
    cfg->common.http.max_body_bytes = cfg->service.lim.query.max_bytes * 3 + cfg->service.lim.max_upload_bytes + (1 << 20);
    return cfg;
}


// Serves until SIGINT/SIGTERM. The server is destroyed (requests in progress finish) before
// the engine its routes use is stopped.
bool serve_tap(const tapserver::server_config& cfg, const http::access& access, tap::service& svc, uws::engine& engine,
               uws::result_store& results, uws::job_store& jobs) {
    const auto& self = cfg.common.of("tap");
    http::server server(cfg.common.http);
    server.set_default_headers({{"Server", "libdax-tap-server/" DAX_VERSION}});
    const auto identity = access.identity("read:tap");
    http::observe(server, cfg.common.access_log, identity, &jobs);  // /metrics (the site's jobs), access log
    std::map<std::string, std::string> services;
    for (const auto& [name, base] : std::map<std::string, std::string>{{"tap", "/tap"}, {"sia", "/sia"}, {"soda", "/soda"}, {"links", "/links"}})
        services[name] = cfg.common.of(name).url() + base;
    // VOSI availability reflects what the service stands on: the job store, the result
    // directory and the TAP_SCHEMA backend.
    auto health = [counts = std::make_shared<http::job_counts>(jobs), &svc, dir = cfg.results_dir]() -> std::optional<std::string> {
        try {
            counts->get();
        } catch (const std::exception& e) {
            return std::string("the job store does not answer: ") + e.what();
        }
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec) || ::access(dir.c_str(), W_OK) != 0)
            return "the result directory " + dir + " is not a writable directory";
        if (!svc.has_data("TAP_SCHEMA.tables")) return std::string("the TAP_SCHEMA backend does not answer");
        return std::nullopt;
    };
    tapserver::add_tap_routes(server, svc, {"/tap", self.public_url, identity, services, health});
    http::uws_binding ub{"/tap/async", "tap-query", self.public_url, identity, cfg.common.max_waiting};
    http::add_uws_routes(server, engine, results, ub);
    // The job monitor: the user's jobs of every service of the site (one job store).
    const auto service_url = [&cfg](const std::string& service, const std::string& path) { return cfg.common.of(service).url() + path; };
    http::add_job_monitor(server, jobs, {"/tap/monitor", identity,
                                         {{"tap-query", {"TAP", service_url("tap", "/tap/async")}},
                                          {"soda-cutout", {"SODA", service_url("soda", "/soda/async")}},
                                          {"phot-forced", {"Photometry", service_url("soda", "/phot/async")}},
                                          {"make-virtual", {"Virtual file", ""}}}});
    server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/tap/"); });
    // Queries and jobs need scope read:tap; discovery (VOSI, examples, landing page) stays open.
    access.protect(server, {{"/tap/sync", "read:tap"}, {"/tap/async", "read:tap"}, {"/tap/monitor", "read:tap"}});
    // Anything no handler answered becomes a DALI error document.
    server.set_error_reply([](httplib::Response& res, int status, const std::string& m) { http::reply_error(res, status, m); });

    const std::string url = "http://" + self.host + ":" + std::to_string(self.port) + "/tap";
    std::cout << "TAP service at " << url << "  (landing page: " << url << "/)\n"
              << "Try: curl '" << url << "/sync?LANG=ADQL&FORMAT=csv&QUERY=SELECT+TOP+5+*+FROM+demo.stars'" << std::endl;
    return http::serve(server, self.host, self.port, cfg.common.shutdown_grace, [&engine] { engine.begin_drain(); });
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto cfg = configure(argc, argv, exit_code);
    if (!cfg) return exit_code;
    auto cat = http::open_catalog(*cfg, "tap-server", exit_code);
    if (!cat) return exit_code;
    auto& svc = cat->service;
    const auto& access = cat->access_control;

    std::unique_ptr<uws::job_store> store;
    try {
        store = http::open_job_store(*cfg);  // the site's one job store (the job monitor reads it)
    } catch (const std::exception& e) {
        std::cerr << "tap-server: " << e.what() << "\n";
        return 1;
    }
    auto results = uws::open_directory_result_store(cfg->results_dir);
    auto uploads = uws::open_directory_result_store(cfg->service.data_dir + "/uploads");
    uws::task_registry tasks;
    tasks.add("tap-query", tap::query_task(*svc));
    uws::engine engine(*store, *results, tasks, http::engine_settings(*cfg));
    engine.set_input_store(*uploads);
    engine.start();  // role api: no workers (the supervisor only)

    const auto grace = cfg->common.shutdown_grace;
    if (cfg->common.role == "worker") {  // executes the queue's TAP jobs; serves nothing
        std::cout << "tap-server: worker (" << cfg->service.lim.async_workers << " jobs at once) on the job store" << std::endl;
        http::wait_for_stop(grace);
        engine.drain(grace);
        return 0;
    }
    const auto& self = cfg->common.of("tap");
    if (!serve_tap(*cfg, access, *svc, engine, *results, *store)) {
        std::cerr << "tap-server: cannot listen on " << self.host << ":" << self.port << "\n";
        return 1;
    }
    engine.drain(grace);
    return 0;
}
