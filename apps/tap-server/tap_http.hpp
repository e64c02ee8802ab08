#pragma once
// The TAP 1.1 HTTP binding: /sync, /tables, /capabilities, /availability, /examples and the
// landing page over a dax::tap::service; /async is the shared UWS binding.
#include "../common/uws_http.hpp"

#include <dax/tap/service.hpp>

#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace dax::tapserver {

struct tap_binding {
    std::string base = "/tap";
    std::string public_url;
    http::identity_function identity;
    /// The site's services by name (tap, sia, soda, links) -> base URL, linked from the landing page.
    std::map<std::string, std::string> services;
    /// What is wrong with what the service stands on (job store, result store, backends), or
    /// nullopt: VOSI availability says so (and available=false).
    std::function<std::optional<std::string>()> health;
};

void add_tap_routes(http::server& server, const tap::service& svc, const tap_binding& b);

}  // namespace dax::tapserver
