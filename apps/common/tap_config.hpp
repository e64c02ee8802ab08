#pragma once
// tap-server's YAML configuration (documented in the README, "tap-server configuration").
#include <dax/error.hpp>
#include <dax/tap/service.hpp>

#include <string>
#include <vector>

namespace dax::tapserver {

enum class auth_mode { none, header, token };

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
    std::vector<std::string> schema_files;  ///< Felis files (with backends in service.schemas)
};

/// Reads a config file over the defaults; errors name the key.
result<server_config> load_config(const std::string& path, server_config defaults);

}  // namespace dax::tapserver
