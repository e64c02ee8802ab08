// soda-server: SODA 1.0 cutouts of the datasets in the image store. With no arguments it serves
// the demo images (and whatever dax-admin ingest-images added) from the data directory.
//   soda-server [--host H] [--port P] [--data-dir D] [--config FILE]
#include "../common/bootstrap.hpp"
#include "../common/catalog_setup.hpp"
#include "../common/observability.hpp"
#include "../common/replies.hpp"
#include "../common/tap_config.hpp"
#include "phot_http.hpp"
#include "soda_http.hpp"
#include "../common/uws_http.hpp"

#include <dax/image/soda.hpp>
#include <dax/uws/engine.hpp>

#include <iostream>
#include <thread>

using namespace dax;

namespace {

const char* const usage =
    "usage: soda-server [--host H] [--port P] [--data-dir D] [--config FILE] [--role all|api|worker]\n"
    "Serves http://H:P/soda/sync and /soda/async (default 127.0.0.1:8082); the config file is tap-server's (section soda: for the port).\n"
    "--role api serves and never executes async jobs; worker executes them and serves nothing.\n";

// Serves until SIGINT/SIGTERM. The server is destroyed (requests in progress finish) before
// the engine its routes use is stopped.
bool serve_soda(const tapserver::server_config& cfg, const http::access& access, const image::image_store& store,
                uws::engine& engine, uws::result_store& results, http::virtual_files& virtuals, uws::engine& phot_engine,
                uws::result_store& phot_results, const tap::service& svc) {
    const auto& self = cfg.common.of("soda");
    const auto identity = access.identity("read:image");
    http::server server(cfg.common.http);
    server.set_default_headers({{"Server", "libdax-soda-server/" DAX_VERSION}});
    http::observe(server, cfg.common.access_log, identity);
    sodaserver::soda_binding b;
    b.public_url = self.public_url;
    b.store = &store;
    b.images = cfg.images;
    b.identity = identity;
    b.virtual_files = &virtuals;
    sodaserver::add_soda_routes(server, b);
    http::uws_binding jobs{"/soda/async", "soda-cutout", self.public_url, identity, cfg.common.max_waiting};
    jobs.check_parameters = [](const std::vector<std::pair<std::string, std::string>>& ps) {  // 400 at once, not an ERROR job later
        return image::check_soda_values(ps);
    };
    http::add_uws_routes(server, engine, results, std::move(jobs));
    // Forced photometry (issue 14): /phot/sync and /phot/async.
    sodaserver::phot_binding pb;
    pb.store = &store;
    pb.svc = &svc;
    pb.identity = identity;
    pb.virtual_files = &virtuals;
    sodaserver::add_phot_routes(server, pb);
    http::uws_binding phot_jobs{"/phot/async", "phot-forced", self.public_url, identity, cfg.common.max_waiting};
    phot_jobs.check_parameters = [](const std::vector<std::pair<std::string, std::string>>& ps) {
        return sodaserver::check_phot_parameters(ps);
    };
    http::add_uws_routes(server, phot_engine, phot_results, std::move(phot_jobs));
    server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/soda/capabilities"); });
    access.protect(server, {{"/soda/sync", "read:image"}, {"/soda/async", "read:image"}, {"/phot/sync", "read:image"},
                            {"/phot/async", "read:image"}});
    server.set_error_reply([](httplib::Response& res, int status, const std::string& m) { http::reply_error(res, status, m); });
    const std::string url = "http://" + self.host + ":" + std::to_string(self.port) + "/soda";
    std::cout << "SODA 1.0 service at " << url << "/sync\n"
              << "Async (UWS): " << url << "/async\n"
              << "Forced photometry: http://" << self.host << ":" << self.port << "/phot/sync and /phot/async\n"
              << "Try: curl -o cutout.fits '" << url << "/sync?ID=ivo://libdax.test/demo/images%3Fdemo-img-03&CIRCLE=45+20+0.2'"
              << std::endl;
    return http::serve(server, self.host, self.port, cfg.common.shutdown_grace, [&engine, &phot_engine] {
        engine.begin_drain();
        phot_engine.begin_drain();
    });
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto cfg = http::configure(argc, argv, usage, "soda-server", "soda", exit_code);
    if (!cfg) return exit_code;
    auto cat = http::open_catalog(*cfg, "soda-server", exit_code);  // the demo images on first start
    if (!cat) return exit_code;
    const auto& access = cat->access_control;
    std::unique_ptr<image::image_store> store;
    try {
        store = std::make_unique<image::image_store>(http::image_store_path(*cfg));
    } catch (const std::exception& e) {
        std::cerr << "soda-server: " << e.what() << "\n";
        return 1;
    }

    // {async}: jobs in the site's job store (DATA_DIR/jobs.db), results in DATA_DIR/soda-results.
    std::unique_ptr<uws::job_store> jobs;
    try {
        jobs = http::open_job_store(*cfg);
    } catch (const std::exception& e) {
        std::cerr << "soda-server: " << e.what() << "\n";
        return 1;
    }
    auto results = uws::open_directory_result_store(cfg->service.data_dir + "/soda-results");
    http::virtual_files virtuals(*cfg, *store);
    uws::task_registry tasks;
    tasks.add("soda-cutout", sodaserver::soda_task(*store, cfg->images, *cat->service, &virtuals.recipes()));
    uws::engine engine(*jobs, *results, tasks, http::engine_settings(*cfg));
    engine.start();
    // Photometry jobs in the same store, their own engine (results in DATA_DIR/phot-results): a
    // UWS client of /soda/async sees cutout jobs only, one of /phot/async photometry only.
    auto phot_results = uws::open_directory_result_store(cfg->service.data_dir + "/phot-results");
    auto phot_inputs = uws::open_directory_result_store(cfg->service.data_dir + "/phot-uploads");  // uploaded position tables
    uws::task_registry phot_tasks;
    phot_tasks.add("phot-forced", sodaserver::phot_task(*store, *cat->service, &virtuals.recipes()));
    uws::engine phot_engine(*jobs, *phot_results, phot_tasks, http::engine_settings(*cfg));
    phot_engine.set_input_store(*phot_inputs);
    phot_engine.start();

    const auto grace = cfg->common.shutdown_grace;
    bool served = true;
    if (cfg->common.role == "worker") {  // executes cutout and photometry jobs; serves nothing
        std::cout << "soda-server: worker on the job store" << std::endl;
        http::wait_for_stop(grace);
    } else {
        served = serve_soda(*cfg, access, *store, engine, *results, virtuals, phot_engine, *phot_results, *cat->service);
    }
    std::thread other([&] { phot_engine.drain(grace); });  // both within the one grace period
    engine.drain(grace);
    other.join();
    if (!served) {
        const auto& self = cfg->common.of("soda");
        std::cerr << "soda-server: cannot listen on " << self.host << ":" << self.port << "\n";
        return 1;
    }
    return 0;
}
