#pragma once
// tap-server's YAML configuration (documented in the README, "tap-server configuration").
#include <dax/error.hpp>
#include <dax/tap/service.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace dax::tapserver {

enum class auth_mode { none, header, token };

/// How the HTTP server protects itself (limits: keys of the same names; see http_server.hpp).
struct http_settings {
    std::size_t workers = 64;
    std::chrono::seconds header_timeout{10};
    std::chrono::seconds keep_alive_timeout{5};
    std::size_t max_requests_per_connection = 100;
    std::chrono::seconds body_timeout{120};
    std::size_t max_connections = 8192;
    std::size_t max_waiting = 16;  ///< blocking UWS WAITs at once
    std::size_t min_send_rate = 1024;  ///< bytes/s a client must read at once it made the server wait 30 s
};

/// Per-user quotas on async jobs (0: none).
struct job_quotas {
    std::size_t max_active_jobs = 100;
    std::size_t max_jobs_per_minute = 120;
    std::uint64_t max_result_bytes = 10ull << 30;
};

struct server_config {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string public_url;               ///< e.g. https://data.example.org (behind a proxy)
    auth_mode auth = auth_mode::none;
    std::string auth_header = "X-Auth-Request-User";
    std::string token_file;               ///< token mode: lines "sha256-hex user scope[,scope]"
    bool demo = true;                     ///< publish and load the demo tables
    std::string demo_backend = "sqlite";  ///< where the demo tables live
    std::string results_dir;              ///< default data_dir/results
    tap::service_config service;
    http_settings http;
    job_quotas quotas;
    std::vector<std::string> schema_files;  ///< Felis files (with backends in service.schemas)
};

/// Reads a config file over the defaults; errors name the key.
result<server_config> load_config(const std::string& path, server_config defaults);

}  // namespace dax::tapserver
