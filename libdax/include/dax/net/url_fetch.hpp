#pragma once
// Fetching a URL a user named (TAP UPLOAD=name,http://...): the server makes a request on the
// user's behalf, so it is a request-forgery risk. Only plain http:// URLs of a strict form, only
// public destinations (unless allow-listed), one request with no redirects, bounded in time and
// size; every failure after the URL's syntax gives the user one uniform message.
#include <dax/error.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dax::net {

struct fetch_policy {
    std::size_t max_bytes = 16 << 20;             ///< body
    std::chrono::milliseconds deadline{30'000};   ///< connect + request + whole response
    /// Destinations allowed although private, loopback or link-local: host names (exact,
    /// case-insensitive), addresses or CIDR blocks ("10.1.0.0/16", "::1").
    std::vector<std::string> allow;
};

/// The parts of an acceptable URL.
struct http_url {
    std::string host;  ///< as written (a name, an IPv4 address, or an IPv6 address without brackets)
    std::string port = "80";
    std::string target = "/";  ///< path and query, no fragment
};

/// Parses `http://host[:port][/path][?query][#fragment]`: no credentials, no spaces, control
/// characters or bytes outside ASCII, valid %-escapes. Errors say what is wrong with the URL.
result<http_url> parse_http_url(std::string_view url);

/// True when `host` (or the address it is) is allowed by `allow` entries (see fetch_policy).
bool address_allowed(const std::string& host, const std::string& address, const std::vector<std::string>& allow);

/// GETs the URL under the policy; the body of a 200 answer.
result<std::string> fetch_url(std::string_view url, const fetch_policy& policy);

}  // namespace dax::net
