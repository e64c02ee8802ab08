#include "demo.hpp"

#include <dax/tap/demo_data.hpp>

#include <iostream>

namespace dax::http {

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
