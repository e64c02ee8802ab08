#include "settings.hpp"

#include "yaml_read.hpp"

#include <fmt/format.h>

namespace dax::http {

result<bool> read_settings(const YAML::Node& root, const std::string& path, const std::string& service, settings& s) {
    try {
        read(root, "data_dir", s.data_dir);
        read(root, "signing_key", s.signing_key);
        read(root, "job_store", s.job_store);
        read(root, "role", s.role);
        read(root, "access_log", s.access_log);
        read(root, "trust_forwarded", s.trust_forwarded);
        if (s.role != "all" && s.role != "api" && s.role != "worker")
            return error(fmt::format("{}: role must be all, api or worker", path));
        if (const auto g = root["shutdown_grace"]) {
            const long long secs = g.as<long long>();
            if (secs < 0 || secs > 86400) return error(fmt::format("{}: shutdown_grace is seconds in [0, 86400]", path));
            s.shutdown_grace = std::chrono::seconds(secs);
        }
        if (!s.job_store.empty() && s.job_store.rfind("sqlite:", 0) != 0 && s.job_store.rfind("postgres:", 0) != 0)
            return error(fmt::format("{}: job_store must be sqlite:PATH or postgres:CONNINFO", path));
        // The top-level endpoint keys are the reading server's, unless its section says otherwise.
        endpoint& own = s.of(service);
        read(root, "host", own.host);
        read(root, "port", own.port);
        read(root, "public_url", own.public_url);
        for (auto& [name, e] : s.services) {
            const YAML::Node n = root[name];
            if (!n) continue;
            if (!n.IsMap()) return error(fmt::format("{}: '{}' must be a section (host, port, public_url)", path, name));
            read(n, "host", e.host);
            read(n, "port", e.port);
            read(n, "public_url", e.public_url);
        }
        if (const auto a = root["auth"]) {
            const std::string mode = a["mode"] ? a["mode"].as<std::string>() : "none";
            using m = auth_settings::mode_t;
            if (mode == "none") s.auth.mode = m::none;
            else if (mode == "header") s.auth.mode = m::header;
            else if (mode == "token") s.auth.mode = m::token;
            else return error(fmt::format("{}: auth.mode must be none, header or token, not '{}'", path, mode));
            read(a, "header", s.auth.header);
            read(a, "token_file", s.auth.token_file);
            if (s.auth.mode == m::token && s.auth.token_file.empty())
                return error(fmt::format("{}: auth.mode token needs auth.token_file", path));
        }
        if (const auto l = root["limits"]) {
            auto& h = s.http;
            read(l, "http_workers", h.workers);
            read_seconds(l, "header_timeout", h.header_timeout);
            read_seconds(l, "keep_alive_timeout", h.keep_alive_timeout);
            read(l, "max_requests_per_connection", h.max_requests_per_connection);
            read_seconds(l, "body_timeout", h.body_timeout);
            read(l, "max_connections", h.max_connections);
            read(l, "max_waiting", s.max_waiting);
            read(l, "min_send_rate", h.min_send_rate);
            if (h.workers < 4) return error(fmt::format("{}: limits.http_workers must be at least 4", path));
        }
    } catch (const YAML::Exception& e) {
        return error(fmt::format("{}: {}", path, e.what()));
    }
    return true;
}

}  // namespace dax::http
