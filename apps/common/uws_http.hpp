#pragma once
// The UWS 1.1 REST binding (UWS 1.1 section 2.2) on cpp-httplib, shared by every server:
// routes for a job list at `base` (e.g. "/tap/async") mapped onto a dax::uws::engine.
#include <dax/uws/engine.hpp>

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>

namespace dax::http {

/// Who is asking: the owner id ("" for anonymous), or nullopt to refuse with 401.
using identity_function = std::function<std::optional<std::string>(const httplib::Request&)>;

struct uws_binding {
    std::string base;              ///< path of the job list, e.g. "/tap/async"
    std::string task;              ///< task run by jobs created here
    std::string public_url;        ///< e.g. "https://data.example.org" (behind a proxy); "" = from Host
    identity_function identity;    ///< default: everyone is anonymous
};

/// Registers the routes. The engine must outlive the server.
void add_uws_routes(httplib::Server& server, uws::engine& engine, uws::result_store& results, uws_binding binding);

/// How a server writes an error reply (status, message): text/plain for UWS, a DALI VOTable for TAP.
using error_reply = std::function<void(httplib::Response&, int, const std::string&)>;

/// One place for what no handler answered: an exception becomes a 500 and a bodiless error
/// (e.g. an unknown path) gets a body, both through `reply`; the server keeps serving.
void install_error_handlers(httplib::Server& server, error_reply reply);

/// "http://host:port" of a request (or the configured public URL).
std::string origin(const httplib::Request& req, const std::string& public_url);

}  // namespace dax::http
