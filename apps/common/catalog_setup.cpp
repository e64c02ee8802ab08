#include "catalog_setup.hpp"

#include <dax/tap/demo_data.hpp>

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
    add_demo_schemas(cfg);
    return cfg;
}

std::optional<catalog> open_catalog(const tapserver::server_config& cfg, const char* program, int& exit_code) {
    std::filesystem::create_directories(cfg.service.data_dir);
    auto access = access::open(cfg.common.auth);
    if (!access) {
        std::cerr << program << ": " << access.err().what() << "\n";
        exit_code = 2;
        return std::nullopt;
    }
    auto svc = tap::service::open(cfg.service);
    if (!svc) {
        std::cerr << program << ": " << svc.err().what() << "\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (cfg.demo && !ensure_demo(**svc, program)) {
        exit_code = 1;
        return std::nullopt;
    }
    return catalog{std::move(*access), std::move(*svc)};
}

void add_demo_schemas(tapserver::server_config& cfg) {
    if (!cfg.demo) return;
    for (auto& s : tap::demo_schemas()) cfg.service.schemas.insert(cfg.service.schemas.begin(), {s, cfg.demo_backend});
}

bool ensure_demo(tap::service& svc, const char* program) {
    const std::pair<const char*, std::string (*)()> demo[] = {{"demo.stars", [] { return tap::demo_stars_csv(); }},
                                                             {"ivoa.ObsCore", [] { return tap::demo_obscore_csv(); }}};
    for (const auto& [table, make] : demo) {
        if (svc.has_data(table)) continue;
        std::cout << "creating the demo table " << table << " ..." << std::flush;
        auto r = svc.load_csv(table, make());
        if (!r) {
            std::cerr << "\n" << program << ": " << r.err().what() << "\n";
            return false;
        }
        std::cout << " " << *r << " rows" << std::endl;
    }
    return true;
}

}  // namespace dax::http
