#pragma once
/// The TAP pieces a server runs beside the service: reading UPLOAD URIs and the UWS task that
/// runs async queries. A C++ program linking libdax runs TAP jobs exactly as tap-server does.
#include <dax/error.hpp>
#include <dax/tap/service.hpp>
#include <dax/uws/engine.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dax::tap {

/// Reads an UPLOAD URI: "param:NAME" from `part` (an inline part of the request), http:// from
/// the network (TAP 1.1 section 2.5.8 makes both mandatory) under the request-forgery policy of
/// dax/net/url_fetch.hpp and the service's limits.
result<std::string> fetch_upload(std::string_view uri, const std::function<std::optional<std::string>(std::string_view)>& part,
                                 const limits& lim);

/// The UWS task running async TAP queries on `svc`: parameters from the job, uploads from the
/// engine's input store (or inline parameters), the result as "result" in the job's format.
uws::task_definition query_task(const service& svc);

}  // namespace dax::tap
