#include "http_server.hpp"

#include "observability.hpp"
#include <dax/ascii.hpp>
#include "thread_pool.hpp"

#include <dax/utf8.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace dax::http {
namespace {

using steady = std::chrono::steady_clock;

int millis_until(steady::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - steady::now()).count();
    return ms <= 0 ? 0 : static_cast<int>(std::min<long long>(ms, 1 << 30));
}

bool wait_for(int fd, short events, int ms) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int r = ::poll(&p, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        return r > 0;
    }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if ((peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len)) != 0)
        return;
    char buf[INET6_ADDRSTRLEN] = "";
    if (a.ss_family == AF_INET) {
        auto* s = reinterpret_cast<sockaddr_in*>(&a);
        ::inet_ntop(AF_INET, &s->sin_addr, buf, sizeof buf);
        port = ntohs(s->sin_port);
    } else if (a.ss_family == AF_INET6) {
        auto* s = reinterpret_cast<sockaddr_in6*>(&a);
        ::inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof buf);
        port = ntohs(s->sin6_port);
    }
    ip = buf;
}

// What the gate needs to know of a request head (RFC 9112 sections 2 and 6): where it ends and
// how the body is framed. Only CRLF line ends: the Debian cpp-httplib does not accept bare LF, so
// a head it would not see as complete must not reach a worker.
struct head_info {
    std::size_t end = std::string::npos;  ///< bytes of the head, blank line included
    std::size_t content_length = 0;
    bool chunked_or_other = false;        ///< Transfer-Encoding present: the body's end is not known here
    bool bad = false;                     ///< conflicting or invalid framing
    bool complete() const { return end != std::string::npos; }
};

head_info read_head(const std::string& b, std::size_t from = 0) {
    head_info h;
    const auto e = b.find("\r\n\r\n", from > 3 ? from - 3 : 0);
    if (e == std::string::npos) return h;
    h.end = e + 4;
    std::optional<std::size_t> length;
    for (std::size_t at = b.find("\r\n") + 2; at < e + 2;) {
        const auto eol = b.find("\r\n", at);
        const std::string_view line(b.data() + at, eol - at);
        at = eol + 2;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name = ascii_lower(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        if (name == "transfer-encoding") h.chunked_or_other = true;
        if (name == "content-length") {
            std::size_t n = 0;
            if (value.empty() || value.size() > 15 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
                h.bad = true;
            for (char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
            if (length && *length != n) h.bad = true;  // two different lengths: a smuggling attempt
            length = n;
        }
    }
    if (length && h.chunked_or_other) h.bad = true;  // RFC 9112 section 6.3: both is an attack sign
    h.content_length = length.value_or(0);
    return h;
}

// Bodies up to this size (a form with a query) are read by the gate too, within the head's
// deadline, so a client announcing a body and not sending it holds no worker either; larger ones
// (uploads) are read by a worker within body_timeout. It bounds the gate's memory per connection.
constexpr std::size_t gate_body_bytes = 64 << 10;

// A request the gate may hand to a worker: head complete and, for a small body, the body too.
bool ready_to_serve(const std::string& b) {
    const auto h = read_head(b);
    if (!h.complete()) return false;
    if (h.bad || h.chunked_or_other || h.content_length > gate_body_bytes) return true;
    return b.size() >= h.end + h.content_length;
}

void set_blocking(int fd, bool blocking) {
    const int f = ::fcntl(fd, F_GETFL, 0);
    ::fcntl(fd, F_SETFL, blocking ? (f & ~O_NONBLOCK) : (f | O_NONBLOCK));
}

// A request's bytes: first what the gate already read, then the socket, each read bounded by
// the request's deadline (so a body trickled one byte at a time cannot hold a worker for long).
class conn_stream final : public httplib::Stream {
public:
    conn_stream(int fd, std::string head, const server_limits& l, std::size_t head_bytes)
        : fd_(fd), buf_(std::move(head)), lim_(l), head_bytes_(head_bytes) {}
    void set_deadline(steady::time_point t) { deadline_ = t; }
    std::string leftover() const { return buf_.substr(pos_); }
    std::size_t consumed() const { return consumed_; }
    std::size_t sent() const { return sent_; }

    bool is_readable() const override { return pos_ < buf_.size() || wait_for(fd_, POLLIN, millis_until(deadline_)); }
    bool is_writable() const override {
        return wait_for(fd_, POLLOUT, static_cast<int>(lim_.write_timeout.count()));
    }
    ssize_t read(char* ptr, std::size_t size) override {
        // Whatever the framing (chunked bodies have no Content-Length for httplib to check),
        // a request never brings more than max_body_bytes after its head.
        if (consumed_ >= head_bytes_ + lim_.max_body_bytes + 64) return -1;
        if (pos_ >= buf_.size()) {
            buf_.resize(16 << 10);
            pos_ = 0;
            if (!wait_for(fd_, POLLIN, millis_until(deadline_))) return buf_.clear(), -1;
            const ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), 0);
            buf_.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
            if (n <= 0) return n;
        }
        const std::size_t k = std::min(size, buf_.size() - pos_);
        std::memcpy(ptr, buf_.data() + pos_, k);
        pos_ += k;
        consumed_ += k;
        return static_cast<ssize_t>(k);
    }
    ssize_t write(const char* ptr, std::size_t size) override {
        // A client that reads slower than min_send_rate while we wait for it (30 s of waiting
        // allowed first) is cut off: a slow reader must not hold a worker for hours. Time the
        // response spends waiting for its data (a slow query) does not count.
        if (blocked_ > 30 && static_cast<double>(sent_) < blocked_ * static_cast<double>(lim_.min_send_rate)) return -1;
        const auto t0 = steady::now();
        const bool writable = is_writable();
        blocked_ += std::chrono::duration<double>(steady::now() - t0).count();
        if (!writable) return -1;
        const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) sent_ += static_cast<std::size_t>(n);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return n;
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(fd_, true, ip, port); }
    void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(fd_, false, ip, port); }
    socket_t socket() const override { return fd_; }

private:
    int fd_;
    std::string buf_;
    std::size_t pos_ = 0, consumed_ = 0, sent_ = 0;
    double blocked_ = 0;  ///< seconds spent waiting for the client to read
    const server_limits& lim_;
    std::size_t head_bytes_;
    steady::time_point deadline_ = steady::time_point::max();
};

// A request and its response in memory (serve_bytes).
class memory_stream final : public httplib::Stream {
public:
    explicit memory_stream(std::string_view in) : in_(in) {}
    std::string out;
    bool is_readable() const override { return pos_ < in_.size(); }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, std::size_t size) override {
        const std::size_t k = std::min(size, in_.size() - pos_);
        std::memcpy(ptr, in_.data() + pos_, k);
        pos_ += k;
        return static_cast<ssize_t>(k);
    }
    ssize_t write(const char* ptr, std::size_t size) override {
        out.append(ptr, size);
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 1; }
    void get_local_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 2; }
    socket_t socket() const override { return INVALID_SOCKET; }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

}  // namespace

// ---- the worker pool and the gate -----------------------------------------------------------

// The request a worker thread is handling, as the logger saw it.
thread_local request_record current_request;

struct server::impl {
    server& owner;
    server_limits lim;
    error_reply reply;
    HandlerWithResponse user_pre_routing;
    std::shared_ptr<observer> obs;

    std::mutex m;  // guards stopping
    bool stopping = false;
    std::unique_ptr<thread_pool> workers;

    // The gate: connections waiting for a whole request head.
    struct waiting {
        std::string head;
        steady::time_point deadline;
        std::size_t served = 0;
    };
    std::mutex gm;
    std::unordered_map<int, waiting> conns;
    std::atomic<std::size_t> open{0};
    int ep = -1, wake = -1;
    std::thread gate;

    impl(server& s, server_limits l) : owner(s), lim(l) {
        ep = ::epoll_create1(EPOLL_CLOEXEC);
        wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = wake;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev);
        workers = std::make_unique<thread_pool>(lim.workers);
        gate = std::thread([this] { watch(); });
    }
    // Stops the gate and lets the requests in progress end (their connections close). Called by
    // ~server while impl_ is still set: handlers of those requests reach the server's state.
    void shut_down() {
        {
            std::lock_guard g(m);
            stopping = true;
        }
        std::uint64_t one = 1;
        (void)!::write(wake, &one, sizeof one);
        if (gate.joinable()) gate.join();
        workers->join();  // the pool object stays: a request ending now may still queue its connection
    }
    ~impl() {
        shut_down();
        for (auto& [fd, w] : conns) ::close(fd);
        ::close(ep);
        ::close(wake);
    }

    void enqueue(std::function<void()> f) { workers->run(std::move(f)); }

    void close_conn(int fd) {
        ::shutdown(fd, SHUT_RDWR);
        ::close(fd);
        --open;
    }

    // A connection (new, or kept alive after a response) waits here for its next request head.
    void admit(int fd, std::string head, std::size_t served, steady::time_point deadline) {
        set_blocking(fd, false);
        // What has arrived already (a client usually sends its request with the connection)
        // goes to a worker at once, without a round through the gate thread.
        char buf[8 << 10];
        const ssize_t n = head.size() < lim.max_header_bytes ? ::recv(fd, buf, sizeof buf, 0) : -1;
        if (n > 0) {
            if (head.empty()) deadline = steady::now() + lim.header_timeout;
            head.append(buf, static_cast<std::size_t>(n));
        }
        if (ready_to_serve(head)) return enqueue([this, fd, head = std::move(head), served]() mutable { serve(fd, std::move(head), served); });
        if (n == 0) return close_conn(fd);  // closed by the client
        std::lock_guard g(gm);
        conns[fd] = waiting{std::move(head), deadline, served};
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.fd = fd;
        if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            conns.erase(fd);
            close_conn(fd);
        }
    }

    void watch() {
        std::vector<epoll_event> evs(256);
        for (;;) {
            const int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 200);
            {
                std::lock_guard g(m);
                if (stopping) return;
            }
            std::vector<std::pair<int, waiting>> ready;
            {
                std::lock_guard g(gm);
                const auto now = steady::now();
                for (int i = 0; i < n; ++i) {
                    const int fd = evs[i].data.fd;
                    if (fd == wake) {
                        std::uint64_t v;
                        (void)!::read(wake, &v, sizeof v);
                        continue;
                    }
                    auto it = conns.find(fd);
                    if (it == conns.end()) continue;
                    auto& w = it->second;
                    bool gone = false;
                    char buf[16 << 10];
                    for (;;) {
                        const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
                        if (r > 0) {
                            // The first byte of a request starts its header deadline.
                            if (w.head.empty()) w.deadline = now + lim.header_timeout;
                            w.head.append(buf, static_cast<std::size_t>(r));
                            if (ready_to_serve(w.head)) break;
                            if (!read_head(w.head).complete() && w.head.size() > lim.max_header_bytes) {
                                static const char too_big[] =
                                    "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
                                (void)!::send(fd, too_big, sizeof too_big - 1, MSG_NOSIGNAL);
                                gone = true;
                                break;
                            }
                            continue;
                        }
                        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                        if (r < 0 && errno == EINTR) continue;
                        gone = true;  // closed by the client, or an error
                        break;
                    }
                    if (!gone && !ready_to_serve(w.head)) continue;
                    ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
                    if (gone) close_conn(fd);
                    else ready.emplace_back(fd, std::move(w));
                    conns.erase(it);
                }
                // Deadlines: idle connections close quietly, late request heads get a 408.
                for (auto it = conns.begin(); it != conns.end();) {
                    if (it->second.deadline > now) {
                        ++it;
                        continue;
                    }
                    if (!it->second.head.empty()) {
                        static const char late[] = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
                        (void)!::send(it->first, late, sizeof late - 1, MSG_NOSIGNAL);
                    }
                    ::epoll_ctl(ep, EPOLL_CTL_DEL, it->first, nullptr);
                    close_conn(it->first);
                    it = conns.erase(it);
                }
            }
            for (auto& [fd, w] : ready)
                enqueue([this, fd = fd, head = std::move(w.head), served = w.served]() mutable { serve(fd, std::move(head), served); });
        }
    }

    // One request (or several pipelined ones) on a worker; then the connection goes back to the gate.
    void serve(int fd, std::string head, std::size_t served) {
        set_blocking(fd, true);
        for (;;) {
            const head_info h = read_head(head);
            conn_stream s(fd, std::move(head), lim, h.end);
            ++served;
            bool stopping_now;
            {
                std::lock_guard g(m);
                stopping_now = stopping;
            }
            if (h.bad) {
                static const char bad[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
                (void)!::send(fd, bad, sizeof bad - 1, MSG_NOSIGNAL);
                return close_conn(fd);
            }
            // The connection is reused only when this request's body was read exactly: a body
            // left unread (a GET with a body, a request refused before its body was read) or a
            // chunked body (whose end httplib may misjudge) must never be taken for the next
            // request (request smuggling).
            const bool last = served >= lim.max_requests_per_connection || stopping_now || !owner.is_running() || h.chunked_or_other;
            bool closed = false;
            s.set_deadline(steady::now() + lim.header_timeout + lim.body_timeout);
            const auto started = steady::now();
            current_request = request_record{};
            const bool ok = owner.process_request(s, last, closed, nullptr);
            if (obs && current_request.status) {  // the logger saw a request: count it, log it
                current_request.bytes = s.sent();
                current_request.seconds = std::chrono::duration<double>(steady::now() - started).count();
                obs->done(current_request);
            }
            const bool exact = s.consumed() == h.end + h.content_length;
#ifdef __GLIBC__
            // A large request or response leaves freed pages in this thread's malloc arena: they
            // go back to the system now, so memory follows the load instead of its peak.
            if (s.consumed() > (256u << 10) || s.sent() > (4u << 20)) malloc_trim(0);
#endif
            if (!ok || closed || last || !exact) return close_conn(fd);
            std::string rest = s.leftover();
            // A client that sends its next request right away (a pipeline, a benchmark, a script
            // in a loop) keeps this worker for up to 2 ms instead of a round through the gate.
            if (rest.empty() && wait_for(fd, POLLIN, 2)) {
                char buf[8 << 10];
                const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n == 0) return close_conn(fd);
                if (n > 0) rest.assign(buf, static_cast<std::size_t>(n));
            }
            if (ready_to_serve(rest)) {
                head = std::move(rest);  // the next request is here already
                continue;
            }
            return admit(fd, std::move(rest), served, steady::now() + (rest.empty() ? lim.keep_alive_timeout : lim.header_timeout));
        }
    }
};

server::server(server_limits limits) : impl_(std::make_unique<impl>(*this, limits)) {
    // httplib's accept loop hands each new socket to this "queue", which runs it at once:
    // process_and_close_socket only gives the socket to the gate.
    struct inline_queue final : httplib::TaskQueue {
        void enqueue(std::function<void()> fn) override { fn(); }
        void shutdown() override {}
    };
    new_task_queue = [] { return new inline_queue; };
    set_keep_alive_max_count(limits.max_requests_per_connection);
    set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(limits.body_timeout).count());
    set_write_timeout(std::chrono::duration_cast<std::chrono::seconds>(limits.write_timeout).count());
    set_payload_max_length(limits.max_body_bytes);
    Server::set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        // CORS (Fetch standard): any web page may read the services' answers, as browser clients
        // (the landing page on another port, Aladin Lite, ...) need. Credentials are bearer
        // tokens a page must hold itself, never cookies, so "*" hands nothing to a foreign page.
        // A preflight is answered here, before authentication, which it never carries.
        res.set_header("Access-Control-Allow-Origin", "*");
        if (req.method == "OPTIONS" && req.has_header("Access-Control-Request-Method")) {
            res.status = 204;
            res.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE");
            res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Range");
            res.set_header("Access-Control-Max-Age", "600");
            return HandlerResponse::Handled;
        }
        res.set_header("Access-Control-Expose-Headers", "Location, Retry-After, Content-Disposition, Content-Range");
        // httplib answers any number of overlapping ranges (one request, gigabytes sent): a
        // request for several ranges gets the whole content instead (RFC 9110 section 14.2
        // lets a server ignore Range). The request object is httplib's own, not const.
        if (req.ranges.size() > 1 || req.get_header_value("Range").find(',') != std::string::npos) {
            auto& own = const_cast<httplib::Request&>(req);
            own.headers.erase("Range");
            own.ranges.clear();
        }
        if (auto bad = non_utf8_parameter(req)) {
            if (impl_->reply) impl_->reply(res, 400, "parameter " + *bad + " is not valid UTF-8 text");
            else res.status = 400;
            return HandlerResponse::Handled;
        }
        if (impl_->user_pre_routing) return impl_->user_pre_routing(req, res);
        return HandlerResponse::Unhandled;
    });
}

server::~server() {
    stop();
    impl_->shut_down();  // before impl_ is reset: unique_ptr::reset clears it before deleting
    impl_.reset();
}

const server_limits& server::limits() const { return impl_->lim; }

bool server::process_and_close_socket(socket_t sock) {
    if (++impl_->open > impl_->lim.max_connections) {
        impl_->close_conn(sock);
        return false;
    }
    impl_->admit(sock, "", 0, steady::now() + impl_->lim.header_timeout);
    return true;
}

void server::before_routing(HandlerWithResponse handler) { impl_->user_pre_routing = std::move(handler); }

void server::set_observer(std::shared_ptr<observer> o) {
    impl_->obs = std::move(o);
    // httplib's logger runs once the response is known: what the request was and its status
    // (bytes and time are added when it has been sent).
    // The logger holds the observer itself: requests finishing while the server is destroyed
    // (impl_ already gone) still log.
    set_logger([o = impl_->obs](const httplib::Request& req, const httplib::Response& res) {
        auto& r = current_request;
        r.method = req.method;
        r.path = req.path;
        r.status = res.status;
        const auto& who = o->identity();
        r.user = who ? who(req).value_or("-") : "-";
    });
}

void server::set_error_reply(error_reply reply) {
    impl_->reply = reply;
    set_exception_handler([reply](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string m = "internal error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            m = e.what();
        } catch (...) {
        }
        reply(res, 500, m);
    });
    set_error_handler([reply](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return;
        switch (res.status) {
        case 404: return reply(res, 404, "no such resource");
        case 413: return reply(res, 413, "the request is larger than this service accepts");
        case 414: return reply(res, 414, "the URL is too long: send the parameters with POST");
        default: return reply(res, res.status, "request refused");
        }
    });
}

server& server::post(const std::string& pattern, Handler handler) {
    Post(pattern, [this, handler](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
        httplib::Request r = req;  // the same request, with the body's parameters added
        const std::size_t max = impl_->lim.max_body_bytes;
        std::size_t total = 0;
        bool too_big = false, too_many = false;
        auto budget = [&](std::size_t n) { return !(too_big = too_big || (total += n) > max); };
        bool ok = true;
        if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
            // No body (RFC 9112 section 6.3): nothing to read.
        } else if (req.is_multipart_form_data()) {
            httplib::MultipartFormData part;
            bool have = false;
            auto keep = [&] {
                if (!have) return;
                r.files.emplace(part.name, std::move(part));  // fields too, as httplib does
                part = {};
                have = false;
            };
            std::size_t parts = 0;
            ok = read(
                [&](const httplib::MultipartFormData& f) {
                    keep();
                    part = f;
                    part.content.clear();
                    have = true;
                    // Each part costs memory beyond its bytes: counted, and their number bounded.
                    if (++parts > impl_->lim.max_form_parts) return !(too_many = true);
                    return budget(256 + f.name.size() + f.filename.size() + f.content_type.size());
                },
                [&](const char* data, std::size_t n) { return budget(n) && (part.content.append(data, n), true); });
            keep();
        } else {
            std::string body;
            ok = read([&](const char* data, std::size_t n) { return budget(n) && (body.append(data, n), true); });
            const std::string type = req.get_header_value("Content-Type");
            if (type.empty() || type.rfind("application/x-www-form-urlencoded", 0) == 0) httplib::detail::parse_query_text(body, r.params);  // as httplib decodes forms
            r.body = std::move(body);
        }
        auto fail = [&](int status, const std::string& m) {
            if (impl_->reply) impl_->reply(res, status, m);
            else res.status = status;
        };
        if (too_big) return fail(413, "the request body is larger than " + std::to_string(max) + " bytes");
        if (too_many) return fail(413, "the request has more than " + std::to_string(impl_->lim.max_form_parts) + " parts");
        if (!ok) return fail(400, "the request body could not be read (incomplete, malformed, or too slow)");
        if (auto bad = non_utf8_parameter(r)) return fail(400, "parameter " + *bad + " is not valid UTF-8 text");
        handler(r, res);
    });
    return *this;
}

server& server::refuse_methods(const std::string& pattern, const std::string& allow) {
    auto refuse = [this, allow](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", allow);
        const std::string m = req.method + " is not allowed here; use " + allow;
        if (impl_->reply) impl_->reply(res, 405, m);
        else res.status = 405;
    };
    // Methods with a body: refused before it is read (a PUT without Content-Length would
    // otherwise fail as an unreadable body, 400); the connection closes, the body unread.
    auto refuse_body = [refuse](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader&) {
        refuse(req, res);
        res.set_header("Connection", "close");
    };
    if (allow.find("GET") == std::string::npos) Get(pattern, refuse);
    if (allow.find("POST") == std::string::npos) Post(pattern, refuse_body);
    if (allow.find("PUT") == std::string::npos) Put(pattern, refuse_body);
    if (allow.find("PATCH") == std::string::npos) Patch(pattern, refuse_body);
    if (allow.find("DELETE") == std::string::npos) Delete(pattern, refuse);
    return *this;
}

std::string server::serve_bytes(std::string_view request) {
    memory_stream s(request);
    bool closed = false;
    process_request(s, true, closed, nullptr);
    return std::move(s.out);
}

namespace {
std::atomic<bool> forwarded_trusted{false};

// Only a plausible host[:port] goes into the URLs of our documents.
bool plain_host(const std::string& host) {
    return !host.empty() && host.size() < 256 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    });
}

// One header's value when it came exactly once, else "".
std::string single(const httplib::Request& req, const char* name) {
    return req.get_header_value_count(name) == 1 ? req.get_header_value(name) : std::string();
}
// RFC 7239 section 4: `Forwarded: for=...;proto=https;host=data.example.org`. Only one header
// holding one element is read: each proxy of a chain appends an element, and those before the
// site's own proxy could come from the client. Values are tokens or quoted strings (section 4);
// a quoted-pair makes the header ignored.
std::pair<std::string, std::string> forwarded_proto_host(const std::string& value) {
    std::string proto, host;
    if (value.empty() || value.find(',') != std::string::npos || value.find('\\') != std::string::npos) return {};
    std::size_t at = 0;
    while (at <= value.size()) {
        const std::size_t end = std::min(value.find(';', at), value.size());
        std::string pair = value.substr(at, end - at);
        at = end + 1;
        const auto eq = pair.find('=');
        if (eq == std::string::npos) return {};
        std::string name = pair.substr(0, eq), v = pair.substr(eq + 1);
        auto trim = [](std::string& x) {
            while (!x.empty() && (x.front() == ' ' || x.front() == '\t')) x.erase(0, 1);
            while (!x.empty() && (x.back() == ' ' || x.back() == '\t')) x.pop_back();
        };
        trim(name);
        trim(v);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "proto") proto = v;
        else if (name == "host") host = v;
    }
    return {proto, host};
}
}  // namespace

void trust_forwarded_headers(bool trusted) { forwarded_trusted = trusted; }

std::string origin(const httplib::Request& req, const std::string& public_url) {
    if (!public_url.empty()) return public_url;
    std::string scheme = "http", host = req.get_header_value("Host");
    if (forwarded_trusted) {  // set by the site's proxy: the scheme and host its clients used
        // The standard header first (RFC 7239), else the de-facto X-Forwarded-Proto/-Host.
        auto [proto, fhost] = forwarded_proto_host(single(req, "Forwarded"));
        if (proto.empty()) proto = single(req, "X-Forwarded-Proto");
        if (fhost.empty()) fhost = single(req, "X-Forwarded-Host");
        if (proto == "https" || proto == "http") scheme = proto;
        if (plain_host(fhost)) host = fhost;
    }
    return scheme + "://" + (plain_host(host) ? host : std::string("localhost"));
}

std::optional<std::string> non_utf8_parameter(const httplib::Request& req) {
    auto printable = [](const std::string& name) { return valid_utf8(name) ? name : std::string("(a name that is not UTF-8)"); };
    for (const auto& [k, v] : req.params)
        if (!valid_utf8(k) || !valid_utf8(v)) return printable(k);
    for (const auto& [k, f] : req.files)
        if (!valid_utf8(k) || (f.filename.empty() && !valid_utf8(f.content))) return printable(k);
    return std::nullopt;
}

}  // namespace dax::http
