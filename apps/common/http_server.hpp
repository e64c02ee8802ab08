#pragma once
// The HTTP server every libdax service runs on: cpp-httplib's request handling behind a
// connection gate. Idle keep-alive connections and requests whose headers arrive slowly wait in
// one epoll thread, not in a worker: a worker is given a connection only once a whole request
// head has arrived, so slow or idle clients cannot take the service offline.
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dax::http {

class observer;

struct server_limits {
    std::size_t workers = 64;                          ///< requests handled at once
    std::chrono::milliseconds header_timeout{10'000};  ///< from a request's first byte to the end of its headers
    std::chrono::milliseconds keep_alive_timeout{5'000};  ///< idle time before the next request of a connection
    std::size_t max_requests_per_connection = 100;
    std::chrono::milliseconds body_timeout{120'000};   ///< to receive a request's body (uploads included)
    std::chrono::milliseconds write_timeout{30'000};   ///< per write to a client that does not read
    std::size_t max_header_bytes = 64 << 10;           ///< request line and headers
    std::size_t max_body_bytes = 64 << 20;             ///< form and multipart bodies
    std::size_t max_connections = 8192;                ///< open at once; more are closed on arrival
    std::size_t min_send_rate = 1024;                  ///< bytes/s a client must read at, once it made us wait 30 s
    std::size_t max_form_parts = 1000;                 ///< multipart parts in one request
};

/// How a server writes an error reply (status, message): text/plain for UWS, a DALI VOTable for TAP.
using error_reply = std::function<void(httplib::Response&, int, const std::string&)>;

class server : public httplib::Server {
public:
    explicit server(server_limits limits = {});
    ~server() override;
    const server_limits& limits() const;

    /// A POST route whose body this server reads (httplib caps url-encoded forms at 8 KiB):
    /// form fields and multipart parts land in `params` / `files` as httplib would put them,
    /// bounded by max_body_bytes and body_timeout; every parameter must be UTF-8 (else 400).
    server& post(const std::string& pattern, Handler handler);
    /// Other methods on a path: 405 with `Allow` (e.g. PUT on /tap/sync).
    server& refuse_methods(const std::string& pattern, const std::string& allow);
    /// Error documents: what no handler answered (404, exceptions as 500), refused bodies,
    /// and query-string parameters that are not UTF-8 (400).
    void set_error_reply(error_reply reply);
    /// Runs before routing, after the server's own checks (e.g. authentication).
    void before_routing(HandlerWithResponse handler);
    /// Every answered request is reported to `o` (metrics, access log; observability.hpp).
    void set_observer(std::shared_ptr<observer> o);

    /// Handles one request given as bytes, without sockets (fuzzing and tests); returns the
    /// response bytes as they would be sent.
    std::string serve_bytes(std::string_view request);

private:
    bool process_and_close_socket(socket_t sock) override;
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// "http://host:port" of a request (or the configured public URL). Behind a trusted proxy
/// (trust_forwarded_headers), X-Forwarded-Proto (http or https) and X-Forwarded-Host, each given
/// once and well formed, name the scheme and host instead.
std::string origin(const httplib::Request& req, const std::string& public_url);
/// Process-wide (config `trust_forwarded`): off by default, since any client can send them.
void trust_forwarded_headers(bool trusted);

/// The name of the first request parameter (query string, form or multipart field) whose name
/// or value is not UTF-8, or nullopt.
std::optional<std::string> non_utf8_parameter(const httplib::Request& req);

}  // namespace dax::http
