#include "catalog_setup.hpp"

#include "obscore_ingest.hpp"

#include <dax/image/demo_images.hpp>
#include <dax/image/links.hpp>
#include <dax/image/store.hpp>
#include <dax/tap/demo_data.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace dax::http {

std::optional<tapserver::server_config> configure(int argc, char** argv, const char* usage, const char* program,
                                                  const char* service, int& exit_code) {
    prepare_process();
    auto parsed = parse_command_line(argc, argv, usage, exit_code);
    if (!parsed) return std::nullopt;
    const command_line& cl = *parsed;
    tapserver::server_config cfg;
    if (!cl.config_file.empty()) {
        auto c = tapserver::load_config(cl.config_file, cfg);
        if (!c) {
            std::cerr << program << ": " << c.err().what() << "\n";
            exit_code = 2;
            return std::nullopt;
        }
        cfg = std::move(*c);
    }
    auto& self = cfg.common.of(service);
    if (!cl.host.empty()) self.host = cl.host;
    if (cl.port) self.port = cl.port;
    if (!cl.data_dir.empty()) cfg.common.data_dir = cfg.service.data_dir = cl.data_dir;
    if (!cl.role.empty()) {
        if (cl.role != "all" && cl.role != "api" && cl.role != "worker") {
            std::cerr << program << ": --role is all, api or worker\n";
            exit_code = 2;
            return std::nullopt;
        }
        cfg.common.role = cl.role;
    }
    trust_forwarded_headers(cfg.common.trust_forwarded);
    add_demo_schemas(cfg);
    tapserver::add_demo_descriptors(cfg);
    default_access_url(cfg);
    return cfg;
}

void default_access_url(tapserver::server_config& cfg) {
    if (!cfg.images.access_url_template.empty()) return;
    // ObsCore access_url: the dataset's links at the site's links-server (DataLink 1.1
    // section 2.1: a complete links URL, with the DataLink media type as access_format).
    cfg.images.access_url_template = cfg.common.of("links").url() + "/links?ID={did}";
    cfg.images.access_format = "application/x-votable+xml;content=datalink";
}

std::optional<catalog> open_catalog(const tapserver::server_config& cfg, const char* program, int& exit_code) {
    std::filesystem::create_directories(cfg.service.data_dir);
    auto access = access::open(cfg.common.auth);
    if (!access) {
        std::cerr << program << ": " << access.err().what() << "\n";
        exit_code = 2;
        return std::nullopt;
    }
    tap::service_config sc = cfg.service;
    // Results holding obs_publisher_did carry the site's {links} and SODA descriptors, and those
    // holding a column of the config's descriptors theirs.
    auto templates = image::image_descriptors(cfg.common.of("links").url() + "/links", cfg.common.of("soda").url() + "/soda/sync");
    for (auto t : cfg.descriptors) {
        for (const char* s : {"links", "tap", "soda", "sia"})
            for (std::size_t at; (at = t.resource.access_url.find(std::string("{") + s + "}")) != std::string::npos;)
                t.resource.access_url.replace(at, std::strlen(s) + 2, cfg.common.of(s).url() + "/" + s);
        templates.push_back(std::move(t));
    }
    sc.decorate = [templates = std::move(templates)](tap::prepared_query& q) {
        for (auto& d : datalink::apply_descriptors(q.fields, templates, q.sources)) q.trailing_resources.push_back(std::move(d));
    };
    auto svc = tap::service::open(std::move(sc));
    if (!svc) {
        std::cerr << program << ": " << svc.err().what() << "\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (cfg.demo && !ensure_demo(cfg, **svc, program)) {
        exit_code = 1;
        return std::nullopt;
    }
    return catalog{std::move(*access), std::move(*svc)};
}

void add_demo_schemas(tapserver::server_config& cfg) {
    if (!cfg.demo) return;
    for (auto& s : tap::demo_schemas()) cfg.service.schemas.insert(cfg.service.schemas.begin(), {s, cfg.demo_backend});
}

uws::engine_config engine_settings(const tapserver::server_config& cfg) {
    uws::engine_config ec;
    ec.workers = cfg.service.lim.async_workers;
    ec.run_jobs = cfg.common.role != "api";  // an api process serves jobs, workers execute them
    ec.default_execution_duration = cfg.service.lim.async_execution_duration;
    ec.max_execution_duration = cfg.service.lim.max_execution_duration;
    ec.default_destruction = cfg.service.lim.result_retention;
    ec.max_active_jobs = cfg.quotas.max_active_jobs;
    ec.max_jobs_per_minute = cfg.quotas.max_jobs_per_minute;
    ec.max_result_bytes = cfg.quotas.max_result_bytes;
    // Engine instances named HOST-PID-N-RANDOM in the job store (which process runs a job, for
    // operators and the scale-out test; random because a restarted container has the same
    // host name and PID 1, and must not take over the dead one's heartbeat).
    static std::atomic<int> engines{0};
    char host[256] = "host";
    ::gethostname(host, sizeof host - 1);
    ec.instance = fmt::format("{}-{}-{}-{}", std::string(host).substr(0, 32), ::getpid(), ++engines,
                              uws::new_job_id().substr(0, 8));  // at most 64 bytes
    return ec;
}

std::unique_ptr<uws::job_store> open_job_store(const tapserver::server_config& cfg) {
    const std::string& spec = cfg.common.job_store;
    if (spec.rfind("postgres:", 0) == 0) return uws::open_postgres_job_store(spec.substr(9));
    return uws::open_sqlite_job_store(spec.empty() ? cfg.service.data_dir + "/jobs.db" : spec.substr(7));
}

std::string image_store_path(const tapserver::server_config& cfg) { return cfg.service.data_dir + "/images.sqlite"; }

namespace {

// demo.stars (id,ra,dec,mag_g,mag_r) as the sources painted into the demo images.
std::vector<image::demo_source> demo_sources() {
    const std::string csv = tap::demo_stars_csv();
    std::vector<image::demo_source> out;
    std::size_t at = csv.find('\n') + 1;
    while (at < csv.size()) {
        const std::size_t end = csv.find('\n', at);
        double v[5] = {};
        const char* p = csv.data() + at;
        for (double& x : v) {
            auto [next, ec] = std::from_chars(p, csv.data() + end, x);
            p = next + 1;
        }
        out.push_back({v[1], v[2], v[4]});
        at = end + 1;
    }
    return out;
}

// The demo images (written into DATA_DIR/demo-images on first start) as rows of the demo
// ObsCore, collection DEMO-IMAGES, DIDs ivo://libdax.test/demo/images?demo-img-NN.
bool ensure_demo_images(const tapserver::server_config& cfg, tap::service& svc, bool new_table, const char* program) {
    image::ingest_settings s = cfg.images;
    s.collection = "DEMO-IMAGES";
    s.did_template = "ivo://libdax.test/demo/images?{obs_id}";
    s.bands = image::ingest_settings::default_bands();
    image::image_store store(image_store_path(cfg));
    const auto names = image::demo_image_names();
    const std::string first = names.front().substr(0, names.front().find('.'));
    if (!new_table && store.find("ivo://libdax.test/demo/images?" + first)) return true;
    std::cout << "creating the demo images ..." << std::flush;
    auto files = image::write_demo_images(cfg.service.data_dir + "/demo-images", demo_sources());
    if (!files) {
        std::cerr << "\n" << program << ": demo images: " << files.err().what() << "\n";
        return false;
    }
    std::vector<image::dataset> ds;
    for (const auto& f : *files) {
        auto d = image::describe_fits(f, s);
        if (!d) {
            std::cerr << "\n" << program << ": " << f << ": " << d.err().what() << "\n";
            return false;
        }
        ds.push_back(std::move(*d));
    }
    auto m = merge_into_obscore(svc, ds, s);
    if (!m) {  // e.g. limits.hard_maxrec below the demo table's size: the demo runs without them
        std::cerr << "\n" << program << ": warning: the demo images are not in ivoa.ObsCore: " << m.err().what() << "\n";
        return true;
    }
    // The last four are virtual products (seed 000): described and published, their files
    // deleted, made again by the generator when first asked for.
    for (std::size_t i = 0; i < ds.size(); ++i) {
        if (i + 4 >= ds.size()) ds[i].recipe = "demo-image";
        store.put(ds[i]);
        std::error_code ec;
        if (!ds[i].recipe.empty()) std::filesystem::remove(ds[i].path, ec);
    }
    std::cout << " " << ds.size() << " images in " << cfg.service.data_dir << "/demo-images (4 of them virtual)" << std::endl;
    return true;
}

}  // namespace

std::vector<image::demo_source> demo_image_sources() { return demo_sources(); }

bool ensure_demo(const tapserver::server_config& cfg, tap::service& svc, const char* program) {
    const std::pair<const char*, std::string (*)()> demo[] = {{"demo.stars", [] { return tap::demo_stars_csv(); }},
                                                             {"ivoa.ObsCore", [] { return tap::demo_obscore_csv(); }},
                                                             {"demo.visits", [] { return tap::demo_visits_csv(); }},
                                                             {"demo.forced_sources", [] { return tap::demo_forced_sources_csv(); }}};
    bool new_obscore = false;
    for (const auto& [table, make] : demo) {
        if (svc.has_data(table)) continue;
        new_obscore = new_obscore || std::string_view(table) == "ivoa.ObsCore";
        std::cout << "creating the demo table " << table << " ..." << std::flush;
        auto r = svc.load_csv(table, make());
        if (!r) {
            std::cerr << "\n" << program << ": " << r.err().what() << "\n";
            return false;
        }
        std::cout << " " << *r << " rows" << std::endl;
    }
    try {
        return ensure_demo_images(cfg, svc, new_obscore, program);
    } catch (const std::exception& e) {  // the image store cannot be opened
        std::cerr << program << ": demo images: " << e.what() << "\n";
        return false;
    }
}

}  // namespace dax::http
