// sia-server: SIA 2.0 over the ObsCore table. With no arguments it serves the demo ObsCore
// (synthetic rows and whatever dax-admin ingest-images added) from the embedded SQLite data.
//   sia-server [--host H] [--port P] [--data-dir D] [--config FILE]
#include "../common/bootstrap.hpp"
#include "../common/demo.hpp"
#include "../common/replies.hpp"
#include "../common/tap_config.hpp"
#include "sia_http.hpp"

#include <filesystem>
#include <iostream>

using namespace dax;

namespace {

const char* const usage =
    "usage: sia-server [--host H] [--port P] [--data-dir D] [--config FILE]\n"
    "Serves http://H:P/sia/query (default 127.0.0.1:8081); the config file is tap-server's (section sia: for the port).\n";

std::optional<tapserver::server_config> configure(const http::command_line& cl) {
    tapserver::server_config cfg;
    if (!cl.config_file.empty()) {
        auto c = tapserver::load_config(cl.config_file, cfg);
        if (!c) {
            std::cerr << "sia-server: " << c.err().what() << "\n";
            return std::nullopt;
        }
        cfg = std::move(*c);
    }
    auto& self = cfg.common.of("sia");
    if (!cl.host.empty()) self.host = cl.host;
    if (cl.port) self.port = cl.port;
    if (!cl.data_dir.empty()) cfg.common.data_dir = cfg.service.data_dir = cl.data_dir;
    http::add_demo_schemas(cfg);
    return cfg;
}

}  // namespace

int main(int argc, char** argv) {
    http::prepare_process();
    int exit_code = 0;
    auto cl = http::parse_command_line(argc, argv, usage, exit_code);
    if (!cl) return exit_code;
    auto cfg = configure(*cl);
    if (!cfg) return 2;
    std::filesystem::create_directories(cfg->service.data_dir);
    auto access = http::access::open(cfg->common.auth);
    if (!access) {
        std::cerr << "sia-server: " << access.err().what() << "\n";
        return 2;
    }
    auto svc = tap::service::open(cfg->service);
    if (!svc) {
        std::cerr << "sia-server: " << svc.err().what() << "\n";
        return 1;
    }
    if (cfg->demo && !http::ensure_demo(**svc, "sia-server")) return 1;

    const auto& self = cfg->common.of("sia");
    http::server server(cfg->common.http);
    server.set_default_headers({{"Server", "libdax-sia-server/" DAX_VERSION}});
    const auto identity = access->identity("read:image");
    siaserver::add_sia_routes(server, **svc, {"/sia", self.public_url, "ivoa.ObsCore", identity});
    server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/sia/capabilities"); });
    access->protect(server, {{"/sia/query", "read:image"}});
    server.set_error_reply([](httplib::Response& res, int status, const std::string& m) { http::reply_error(res, status, m); });
    const std::string url = "http://" + self.host + ":" + std::to_string(self.port) + "/sia";
    std::cout << "SIA 2.0 service at " << url << "/query\n"
              << "Try: curl '" << url << "/query?POS=CIRCLE+10+7+0.1&MAXREC=10'" << std::endl;
    if (!http::serve(server, self.host, self.port)) {
        std::cerr << "sia-server: cannot listen on " << self.host << ":" << self.port << "\n";
        return 1;
    }
    return 0;
}
