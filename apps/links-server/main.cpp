// links-server: DataLink 1.1 {links} for the datasets of the image store, with signed downloads
// of their files. With no arguments it serves the demo images from the data directory; #cutout
// and #counterpart point at the site's soda-server and tap-server (sections soda: and tap:).
//   links-server [--host H] [--port P] [--data-dir D] [--config FILE]
#include "../common/bootstrap.hpp"
#include "../common/catalog_setup.hpp"
#include "../common/observability.hpp"
#include "../common/replies.hpp"
#include "../common/signed_url.hpp"
#include "../common/tap_config.hpp"
#include "links_http.hpp"

#include <iostream>
#include <memory>
#include <optional>

using namespace dax;

namespace {

const char* const usage =
    "usage: links-server [--host H] [--port P] [--data-dir D] [--config FILE]\n"
    "Serves http://H:P/links (default 127.0.0.1:8083); the config file is tap-server's (section links: for the port).\n";

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto cfg = http::configure(argc, argv, usage, "links-server", "links", exit_code);
    if (!cfg) return exit_code;
    auto cat = http::open_catalog(*cfg, "links-server", exit_code);  // the demo images on first start
    if (!cat) return exit_code;
    std::unique_ptr<image::image_store> store;
    std::unique_ptr<http::url_signer> signer;
    std::optional<image::replica_table> replicas;
    std::unique_ptr<http::virtual_files> virtuals;
    try {
        if (!cfg->replicas.table.empty()) {
            auto t = image::replica_table::load(cfg->replicas.table);
            if (!t) {
                std::cerr << "links-server: " << t.err().what() << "\n";
                return 2;
            }
            replicas = std::move(*t);
        }
        store = std::make_unique<image::image_store>(http::image_store_path(*cfg));
        signer = std::make_unique<http::url_signer>(http::signing_key(cfg->common.signing_key, cfg->service.data_dir));
        virtuals = std::make_unique<http::virtual_files>(*cfg, *store);
    } catch (const std::exception& e) {
        std::cerr << "links-server: " << e.what() << "\n";
        return 1;
    }
    const auto& self = cfg->common.of("links");
    const auto& access = cat->access_control;
    http::server server(cfg->common.http);
    server.set_default_headers({{"Server", "libdax-links-server/" DAX_VERSION}});
    http::observe(server, cfg->common.access_log, access.identity("read:image"));
    linksserver::links_binding b;
    b.public_url = self.public_url;
    b.store = store.get();
    b.images = cfg->images;
    b.signer = signer.get();
    b.soda_sync = cfg->common.of("soda").url() + "/soda/sync";
    b.tap_sync = cfg->common.of("tap").url() + "/tap/sync";
    b.identity = access.identity("read:image");
    b.tap_identity = access.identity("read:tap");
    b.preview_dir = cfg->service.data_dir + "/previews";
    b.preview_budget = cfg->preview_budget;
    if (replicas) b.replicas = &*replicas;
    b.sites = cfg->replicas.sites;
    b.local_site = cfg->replicas.local_site;
    b.catalog = &cat->service->catalog();
    b.virtual_files = virtuals.get();
    linksserver::add_links_routes(server, b);
    server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/links/capabilities"); });
    // The time series redirect is a front end to TAP queries: read:tap, as tap-server's queries.
    // Signed downloads are their own authorization (a link may be handed to a download tool).
    access.protect(server, {{"/links/files/", ""},
                            {"/links/preview/", ""},
                            {"/links/capabilities", ""},
                            {"/links/availability", ""},
                            {"/links/timeseries", "read:tap"},
                            {"/links", "read:image"}});
    server.set_error_reply([](httplib::Response& res, int status, const std::string& m) { http::reply_error(res, status, m); });
    const std::string url = "http://" + self.host + ":" + std::to_string(self.port) + "/links";
    std::cout << "DataLink 1.1 service at " << url << "\n"
              << "Try: curl '" << url << "?ID=ivo://libdax.test/demo/images%3Fdemo-img-03'" << std::endl;
    if (!http::serve(server, self.host, self.port)) {
        std::cerr << "links-server: cannot listen on " << self.host << ":" << self.port << "\n";
        return 1;
    }
    return 0;
}
