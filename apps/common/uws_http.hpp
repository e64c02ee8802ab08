#pragma once
// The UWS 1.1 REST binding (UWS 1.1 section 2.2) on cpp-httplib, shared by every server:
// routes for a job list at `base` (e.g. "/tap/async") mapped onto a dax::uws::engine.
#include "auth.hpp"
#include "http_server.hpp"

#include <dax/uws/engine.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dax::http {

struct uws_binding {
    std::string base;              ///< path of the job list, e.g. "/tap/async"
    std::string task;              ///< task run by jobs created here
    std::string public_url;        ///< e.g. "https://data.example.org" (behind a proxy); "" = from Host
    identity_function identity;    ///< default: everyone is anonymous
    /// Blocking WAITs at once (each holds a worker); beyond, WAIT answers at once (UWS 1.1
    /// section 2.2.1.1 lets the service return before the time is up).
    std::size_t max_waiting = 16;
    /// Checks parameters as they are posted (a new job's, or more for a PENDING job): an error
    /// is the reply (400 for a usage error) and nothing is stored. Null: every parameter is
    /// taken, and the task judges them when it runs.
    std::function<std::optional<dax::error>(const std::vector<std::pair<std::string, std::string>>&)> check_parameters;
};

/// Registers the routes. The engine must outlive the server.
void add_uws_routes(server& server, uws::engine& engine, uws::result_store& results, uws_binding binding);

}  // namespace dax::http
