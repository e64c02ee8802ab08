#pragma once
// The settings every libdax server reads from the one YAML file they share: the data
// directory, authentication, HTTP limits, the signing key, and where each service listens
// (sections tap:, sia:, soda:, links: with host, port and public_url, so that services can
// name each other's URLs). Top-level host/port/public_url (tap-server's original keys) apply
// to the server that reads the file when its own section does not set them.
#include "auth.hpp"
#include "http_server.hpp"

#include <dax/error.hpp>

#include <chrono>
#include <map>
#include <string>

namespace YAML {
class Node;
}

namespace dax::http {

struct endpoint {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string public_url;  ///< e.g. https://data.example.org (behind a proxy); "" = from Host
    /// Where other services reach it: public_url, else http://host:port.
    std::string url() const { return public_url.empty() ? "http://" + host + ":" + std::to_string(port) : public_url; }
};

struct settings {
    std::string data_dir = "./dax-data";
    auth_settings auth;
    server_limits http;
    std::size_t max_waiting = 16;  ///< blocking UWS WAITs at once
    std::string signing_key;       ///< secret for signed URLs; "" = generated into data_dir
    /// The site's one job store, shared by every service's jobs (each engine sees its own tasks):
    /// "sqlite:PATH" or "postgres:CONNINFO"; "" = sqlite:DATA_DIR/jobs.db.
    std::string job_store;
    /// What a server that runs jobs does (issue 15): "all" (serve and execute), "api" (serve
    /// HTTP, never execute async jobs) or "worker" (execute, no HTTP). --role overrides it.
    std::string role = "all";
    /// SIGTERM: how long in-flight requests and running jobs get to finish (then restartable
    /// jobs go back to the queue, others fail) before the process ends.
    std::chrono::seconds shutdown_grace{20};
    bool access_log = false;  ///< one JSON line per request on stdout (observability.hpp)
    bool trust_forwarded = false;  ///< X-Forwarded-Proto/-Host name our URLs (behind a proxy that sets them)
    /// Every service's endpoint by section name; defaults: tap 8080, sia 8081, soda 8082, links 8083.
    std::map<std::string, endpoint> services = {
        {"tap", {"127.0.0.1", 8080, ""}}, {"sia", {"127.0.0.1", 8081, ""}},
        {"soda", {"127.0.0.1", 8082, ""}}, {"links", {"127.0.0.1", 8083, ""}}};
    endpoint& of(const std::string& service) { return services[service]; }
    const endpoint& of(const std::string& service) const { return services.at(service); }
};

/// Reads the shared keys of `root` (file `path`, named in errors) into `s`, for the server
/// `service` ("tap", "sia", ...).
result<bool> read_settings(const YAML::Node& root, const std::string& path, const std::string& service, settings& s);

}  // namespace dax::http
