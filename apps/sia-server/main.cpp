// sia-server: SIA 2.0 over the ObsCore table. With no arguments it serves the demo ObsCore
// (synthetic rows and whatever dax-admin ingest-images added) from the embedded SQLite data.
//   sia-server [--host H] [--port P] [--data-dir D] [--config FILE]
#include "../common/bootstrap.hpp"
#include "../common/catalog_setup.hpp"
#include "../common/observability.hpp"
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

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto cfg = http::configure(argc, argv, usage, "sia-server", "sia", exit_code);
    if (!cfg) return exit_code;
    auto cat = http::open_catalog(*cfg, "sia-server", exit_code);
    if (!cat) return exit_code;
    auto& svc = cat->service;
    const auto& access = cat->access_control;

    const auto& self = cfg->common.of("sia");
    http::server server(cfg->common.http);
    server.set_default_headers({{"Server", "libdax-sia-server/" DAX_VERSION}});
    const auto identity = access.identity("read:image");
    http::observe(server, cfg->common.access_log, identity);
    siaserver::add_sia_routes(server, *svc, {"/sia", self.public_url, "ivoa.ObsCore", identity});
    server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/sia/capabilities"); });
    access.protect(server, {{"/sia/query", "read:image"}});
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
