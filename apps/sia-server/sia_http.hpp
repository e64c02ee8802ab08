#pragma once
// The SIA 2.0 routes of sia-server: {query}, VOSI capabilities and availability.
#include "../common/http_server.hpp"

#include <dax/tap/service.hpp>

#include <functional>
#include <optional>
#include <string>

namespace dax::siaserver {

struct sia_binding {
    std::string base = "/sia";
    std::string public_url;                       ///< the site's public URL, empty: from the request
    std::string table = "ivoa.ObsCore";           ///< the ObsCore table queried
    std::function<std::optional<std::string>(const httplib::Request&)> identity;  ///< null: open
};

void add_sia_routes(http::server& server, const tap::service& svc, const sia_binding& b);

}  // namespace dax::siaserver
