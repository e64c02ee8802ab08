#pragma once
// Replies every service writes the same way: DALI errors with the status of their kind,
// request parameters as DALI sees them, files with Range support.
#include <dax/dali/params.hpp>
#include <dax/error.hpp>

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace dax::http {

/// A DALI 1.1 section 4.4.3 error document with the status of the error's kind
/// (dali::http_status), Retry-After when overloaded, WWW-Authenticate when unauthenticated.
void reply_error(httplib::Response& res, const error& e);
/// The same with an explicit status (replies of the server layer: 404, 405, 413, ...).
void reply_error(httplib::Response& res, int status, const std::string& message);

/// `s` as a JSON string, safe inside an HTML <script> element too ('<', '>', '&' and control
/// characters escaped; bytes that are not UTF-8 become U+FFFD): the job monitor, the landing
/// page's config, the access log.
std::string json_string(std::string_view s);

/// Request parameters: query string, form body and multipart fields (not uploaded files).
dali::parameters request_parameters(const httplib::Request& req);

/// Streams a file (Range requests answered by httplib from the provider); 404 if it is gone.
/// The file may be unlinked once this returns: the open descriptor keeps it.
void serve_file(httplib::Response& res, const std::string& path, const std::string& mime);

/// Bounds work running at once (sync queries, URL fetches): ok() is false beyond `max`.
class in_flight {
public:
    in_flight(std::atomic<std::size_t>& n, std::size_t max) : n_(n), ok_(++n_ <= max) {}
    ~in_flight() { --n_; }
    in_flight(const in_flight&) = delete;
    in_flight& operator=(const in_flight&) = delete;
    bool ok() const { return ok_; }

private:
    std::atomic<std::size_t>& n_;
    bool ok_;
};

}  // namespace dax::http
