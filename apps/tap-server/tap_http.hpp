#pragma once
// The TAP 1.1 HTTP binding: /sync, /tables, /capabilities, /availability, /examples and the
// landing page over a dax::tap::service; /async is the shared UWS binding.
#include "../common/uws_http.hpp"

#include <dax/tap/service.hpp>

#include <httplib.h>

#include <atomic>
#include <string>

namespace dax::tapserver {

struct tap_binding {
    std::string base = "/tap";
    std::string public_url;
    http::identity_function identity;
};

void add_tap_routes(http::server& server, const tap::service& svc, const tap_binding& b);

/// Reads an UPLOAD URI: "param:NAME" from `part`, http:// from the network (TAP 1.1 section
/// 2.5.8 makes both methods mandatory) under the request-forgery policy of url_fetch.hpp.
result<std::string> fetch_upload(std::string_view uri, const std::function<std::optional<std::string>(std::string_view)>& part,
                                 const tap::limits& lim);

/// The UWS task running async TAP queries.
uws::task_definition tap_query_task(const tap::service& svc);

}  // namespace dax::tapserver
