#pragma once
// tap-server's YAML configuration (documented in the README, "tap-server configuration"): the
// shared settings (settings.hpp) plus the TAP service's limits, backends and schemas.
#include "settings.hpp"

#include <dax/error.hpp>
#include <dax/image/obscore.hpp>
#include <dax/image/replicas.hpp>
#include <dax/datalink/links.hpp>
#include <dax/tap/service.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace dax::tapserver {

/// Per-user quotas on async jobs (0: none).
struct job_quotas {
    std::size_t max_active_jobs = 100;
    std::size_t max_jobs_per_minute = 120;
    std::uint64_t max_result_bytes = 10ull << 30;
};

struct server_config {
    http::settings common;                ///< data_dir, auth, HTTP limits, endpoints (settings.hpp)
    bool demo = true;                     ///< publish and load the demo tables
    std::string demo_backend = "sqlite";  ///< where the demo tables live
    std::string results_dir;              ///< default data_dir/results
    tap::service_config service;          ///< its data_dir is common.data_dir
    job_quotas quotas;
    std::vector<std::string> schema_files;  ///< Felis files (with backends in service.schemas)
    image::ingest_settings images;          ///< how dax-admin ingest-images describes files
    /// replicas: where else datasets' files are (links-server lists them in #this, nearest first).
    struct replica_settings {
        std::string table;                     ///< CSV did,site,url[,content_length]; "" = none
        std::string local_site = "local";      ///< the site of this server's own files
        std::vector<image::site_rule> sites;   ///< client network -> nearest site, first match wins
    } replicas;
    /// descriptors: DataLink service descriptors put on results holding a column (README,
    /// "Descriptors"); "{links}", "{tap}", "{soda}", "{sia}" in access URLs are the services' URLs.
    std::vector<datalink::descriptor_template> descriptors;
    /// virtual_budget: bytes the made files of virtual datasets may hold (LRU beyond).
    std::uint64_t virtual_budget = 1ull << 30;
    /// preview_budget: bytes of kept #preview PNGs in DATA_DIR/previews (LRU beyond).
    std::uint64_t preview_budget = 256ull << 20;
};

/// Reads a config file over the defaults; errors name the key.
result<server_config> load_config(const std::string& path, server_config defaults);

/// On the demo: the light-curve descriptor on demo.stars.id (unless the config has one).
void add_demo_descriptors(server_config& c);

}  // namespace dax::tapserver
