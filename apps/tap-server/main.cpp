// tap-server: a TAP 1.1 service. With no arguments it serves the demo tables (demo.stars,
// ivoa.ObsCore, TAP_SCHEMA) from an embedded SQLite database created on first run.
//   tap-server [--host H] [--port P] [--data-dir D] [--config FILE]
#include "../common/tap_config.hpp"
#include "tap_http.hpp"
#include "token_auth.hpp"

#include <dax/tap/demo_data.hpp>
#include <dax/uws/engine.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <filesystem>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <iostream>

using namespace dax;

namespace {

int usage() {
    std::cerr << "usage: tap-server [--host H] [--port P] [--data-dir D] [--config FILE]\n"
                 "Serves http://H:P/tap (default 127.0.0.1:8080); see the README for the config file.\n";
    return 2;
}

// Creates the demo tables on first run (the same bytes as shared/peers/data/gen_data.py).
bool ensure_demo(tap::service& svc) {
    const std::pair<const char*, std::string (*)(int)> demo[] = {
        {"demo.stars", [](int) { return tap::demo_stars_csv(); }},
        {"ivoa.ObsCore", [](int) { return tap::demo_obscore_csv(); }}};
    for (const auto& [table, make] : demo) {
        if (svc.has_data(table)) continue;
        std::cout << "creating the demo table " << table << " ..." << std::flush;
        auto r = svc.load_csv(table, make(0));
        if (!r) {
            std::cerr << "\ntap-server: " << r.err().what() << "\n";
            return false;
        }
        std::cout << " " << *r << " rows" << std::endl;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef __GLIBC__
    // Few malloc arenas for many worker threads: memory freed by one request is reused by the
    // next instead of being kept in up to 8 arenas per core.
    mallopt(M_ARENA_MAX, 4);
#endif
    tapserver::server_config cfg;
    std::string config_file, host, data_dir;
    int port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") return usage(), 0;
        if (i + 1 >= argc) return usage();
        if (a == "--host") host = argv[++i];
        else if (a == "--port") port = std::atoi(argv[++i]);
        else if (a == "--data-dir") data_dir = argv[++i];
        else if (a == "--config") config_file = argv[++i];
        else return usage();
    }
    if (!config_file.empty()) {
        auto c = tapserver::load_config(config_file, cfg);
        if (!c) {
            std::cerr << "tap-server: " << c.err().what() << "\n";
            return 2;
        }
        cfg = std::move(*c);
    }
    // Command-line options override the file.
    if (!host.empty()) cfg.host = host;
    if (port) cfg.port = port;
    if (!data_dir.empty()) cfg.service.data_dir = data_dir;
    if (cfg.results_dir.empty()) cfg.results_dir = cfg.service.data_dir + "/results";
    if (cfg.demo)
        for (auto& s : tap::demo_schemas()) cfg.service.schemas.insert(cfg.service.schemas.begin(), {s, cfg.demo_backend});
    std::filesystem::create_directories(cfg.service.data_dir);

    auto svc = tap::service::open(cfg.service);
    if (!svc) {
        std::cerr << "tap-server: " << svc.err().what() << "\n";
        return 1;
    }
    if (cfg.demo && !ensure_demo(**svc)) return 1;

    http::identity_function identity;
    if (cfg.auth == tapserver::auth_mode::header) {
        // Trusted header set by the fronting proxy (the Rubin ingress sets X-Auth-Request-User).
        identity = [h = cfg.auth_header](const httplib::Request& req) { return http::trusted_header_identity(req, h); };
    }
    std::shared_ptr<tapserver::token_file> tokens;
    if (cfg.auth == tapserver::auth_mode::token) {
        auto t = tapserver::token_file::load(cfg.token_file);
        if (!t) {
            std::cerr << "tap-server: " << t.err().what() << "\n";
            return 2;
        }
        tokens = std::make_shared<tapserver::token_file>(std::move(*t));
        identity = [tokens](const httplib::Request& req) -> std::optional<std::string> {
            std::string user;
            if (tokens->check(req.get_header_value("Authorization"), "read:tap", user) != tapserver::token_file::verdict::ok)
                return std::nullopt;
            return user;
        };
    }

    auto store = uws::open_sqlite_job_store(cfg.service.data_dir + "/tap-jobs.db");
    auto results = uws::open_directory_result_store(cfg.results_dir);
    uws::task_registry tasks;
    tasks.add("tap-query", tapserver::tap_query_task(**svc));
    uws::engine_config ec;
    ec.workers = cfg.service.lim.async_workers;
    ec.default_execution_duration = cfg.service.lim.async_execution_duration;
    ec.max_execution_duration = cfg.service.lim.max_execution_duration;
    ec.default_destruction = cfg.service.lim.result_retention;
    ec.max_active_jobs = cfg.quotas.max_active_jobs;
    ec.max_jobs_per_minute = cfg.quotas.max_jobs_per_minute;
    ec.max_result_bytes = cfg.quotas.max_result_bytes;
    auto uploads = uws::open_directory_result_store(cfg.service.data_dir + "/uploads");
    uws::engine engine(*store, *results, tasks, ec);
    engine.set_input_store(*uploads);
    engine.start();

    http::server_limits hl;
    hl.workers = cfg.http.workers;
    hl.header_timeout = cfg.http.header_timeout;
    hl.keep_alive_timeout = cfg.http.keep_alive_timeout;
    hl.max_requests_per_connection = cfg.http.max_requests_per_connection;
    hl.body_timeout = cfg.http.body_timeout;
    hl.max_connections = cfg.http.max_connections;
    hl.min_send_rate = cfg.http.min_send_rate;
    // Form bodies up to the query size, multipart bodies up to the uploads, plus room for the rest.
    hl.max_body_bytes = cfg.service.lim.query.max_bytes * 3 + cfg.service.lim.max_upload_bytes + (1 << 20);
    http::server server(hl);
    server.set_default_headers({{"Server", "libdax-tap-server/" DAX_VERSION}});
    // Small responses leave at once (Nagle + delayed ACK would add 40 ms to each); accepted
    // sockets inherit TCP_NODELAY from the listening socket on Linux.
    server.set_socket_options([](socket_t sock) {
        httplib::default_socket_options(sock);
        int one = 1;
        ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    });
    tapserver::tap_binding tb;
    tb.public_url = cfg.public_url;
    tb.identity = identity;
    tapserver::add_tap_routes(server, **svc, tb);
    http::uws_binding ub;
    ub.base = "/tap/async";
    ub.task = "tap-query";
    ub.public_url = cfg.public_url;
    ub.identity = identity;
    ub.max_waiting = cfg.http.max_waiting;
    http::add_uws_routes(server, engine, *results, ub);
    server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/tap/"); });
    if (tokens) {
        // Queries and jobs need a token with scope read:tap: 401 without a valid token, 403
        // when the token lacks the scope. Discovery (VOSI, examples, landing page) stays open.
        server.before_routing([tokens](const httplib::Request& req, httplib::Response& res) {
            if (req.path.rfind("/tap/sync", 0) != 0 && req.path.rfind("/tap/async", 0) != 0)
                return httplib::Server::HandlerResponse::Unhandled;
            std::string user;
            switch (tokens->check(req.get_header_value("Authorization"), "read:tap", user)) {
            case tapserver::token_file::verdict::ok: return httplib::Server::HandlerResponse::Unhandled;
            case tapserver::token_file::verdict::missing_scope:
                tapserver::dali_error(res, 403, "the token does not grant the scope read:tap");
                return httplib::Server::HandlerResponse::Handled;
            default:
                res.set_header("WWW-Authenticate", "Bearer");
                tapserver::dali_error(res, 401, "a bearer token with scope read:tap is required");
                return httplib::Server::HandlerResponse::Handled;
            }
        });
    }
    // Anything no handler answered becomes a DALI error document.
    server.set_error_reply([](httplib::Response& res, int status, const std::string& m) { tapserver::dali_error(res, status, m); });

    const std::string url = "http://" + cfg.host + ":" + std::to_string(cfg.port) + "/tap";
    std::cout << "TAP service at " << url << "  (landing page: " << url << "/)\n"
              << "Try: curl '" << url << "/sync?LANG=ADQL&FORMAT=csv&QUERY=SELECT+TOP+5+*+FROM+demo.stars'" << std::endl;
    if (!server.listen(cfg.host.c_str(), cfg.port)) {
        std::cerr << "tap-server: cannot listen on " << cfg.host << ":" << cfg.port << "\n";
        return 1;
    }
    engine.stop();
    return 0;
}
