#include <dax/net/url_fetch.hpp>
#include <dax/ascii.hpp>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

namespace dax::net {
namespace {

using steady = std::chrono::steady_clock;

constexpr auto iequal = ascii_iequals;

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// An address as 16 bytes (IPv4 as ::ffff:a.b.c.d) for prefix comparisons.
struct addr16 {
    unsigned char b[16] = {};
    bool v4 = false;
};
bool to_addr16(const std::string& text, addr16& a) {
    in_addr v4;
    if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        a.b[10] = a.b[11] = 0xff;
        std::memcpy(a.b + 12, &v4, 4);
        a.v4 = true;
        return true;
    }
    in6_addr v6;
    if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        std::memcpy(a.b, &v6, 16);
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        a.v4 = std::memcmp(a.b, mapped, 12) == 0;
        return true;
    }
    return false;
}
bool in_prefix(const addr16& a, const addr16& net, int bits) {
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
        const unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
        if ((a.b[i] & mask) != (net.b[i] & mask)) return false;
    }
    return true;
}

// Loopback, private, link-local, shared, multicast and reserved ranges (RFC 6890 and 4291):
// what a user must not make the server reach by default.
bool internal_address(const addr16& a) {
    static const std::pair<const char*, int> v4[] = {
        {"0.0.0.0", 8},     {"10.0.0.0", 8},     {"100.64.0.0", 10}, {"127.0.0.0", 8},  {"169.254.0.0", 16},
        {"172.16.0.0", 12}, {"192.0.0.0", 24},   {"192.168.0.0", 16}, {"198.18.0.0", 15}, {"224.0.0.0", 3}};
    // IPv4-compatible and -translated forms, NAT64 (both prefixes), 6to4, discard-only, ULA,
    // link-local, multicast: each can lead to an IPv4 or internal destination.
    static const std::pair<const char*, int> v6[] = {{"::", 96},        {"::ffff:0:0:0", 96}, {"64:ff9b::", 96}, {"64:ff9b:1::", 48},
                                                     {"2002::", 16},    {"100::", 64},      {"fc00::", 7},     {"fe80::", 10},
                                                     {"ff00::", 8},     {"2001:db8::", 32}};
    if (a.v4) {
        for (const auto& [net, bits] : v4) {
            addr16 n;
            to_addr16(net, n);
            if (in_prefix(a, n, 96 + bits)) return true;
        }
        return false;
    }
    for (const auto& [net, bits] : v6) {
        addr16 n;
        to_addr16(net, n);
        if (in_prefix(a, n, bits)) return true;
    }
    return false;
}

std::string uniform(const fetch_policy& p) {
    return fmt::format("cannot read this URL (this service reads public http:// addresses that answer 200 with at most "
                       "{} bytes within {} s, without redirects)", p.max_bytes, p.deadline.count() / 1000);
}

struct fd_closer {
    int fd;
    ~fd_closer() {
        if (fd >= 0) ::close(fd);
    }
};

// Decodes a chunked body (RFC 9112 section 7.1); false if malformed.
bool dechunk(std::string_view in, std::string& out) {
    out.clear();
    for (;;) {
        const auto eol = in.find("\r\n");
        if (eol == std::string_view::npos) return false;
        std::size_t n = 0;
        std::size_t i = 0;
        for (; i < eol && is_hex(in[i]); ++i) {
            if (n > (std::size_t(1) << 40)) return false;
            n = n * 16 + static_cast<std::size_t>(std::stoi(std::string(1, in[i]), nullptr, 16));
        }
        if (i == 0) return false;
        in.remove_prefix(eol + 2);
        if (n == 0) return true;
        if (in.size() < n + 2) return false;
        out.append(in.substr(0, n));
        in.remove_prefix(n + 2);
    }
}

}  // namespace

result<http_url> parse_http_url(std::string_view url) {
    if (url.size() < 7 || !iequal(url.substr(0, 7), "http://"))
        return error("only http:// URLs can be uploaded by reference (or send the table inline as param:NAME)");
    for (std::size_t i = 0; i < url.size(); ++i) {
        const auto c = static_cast<unsigned char>(url[i]);
        if (c <= 0x20 || c >= 0x7f || std::strchr("\\\"<>^`{|}", c))
            return error(fmt::format("the URL contains a space, a control character or a character URLs cannot hold, at "
                                     "character {}", i + 1));
        if (c == '%' && (i + 2 >= url.size() || !is_hex(url[i + 1]) || !is_hex(url[i + 2])))
            return error(fmt::format("the URL has an invalid %-escape at character {}", i + 1));
    }
    std::string_view rest = url.substr(7);
    const auto end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (authority.find('@') != std::string_view::npos) return error("URLs with credentials (user@host) are not accepted");
    http_url u;
    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return error("the URL's IPv6 address has no closing ]");
        u.host = std::string(authority.substr(1, close - 1));
        in6_addr a;
        if (::inet_pton(AF_INET6, u.host.c_str(), &a) != 1) return error("the URL's IPv6 address is not valid");
        const auto after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') return error("the URL's host is not valid");
        if (!after.empty()) port = after.substr(1), has_port = true;
    } else {
        const auto colon = authority.find(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1), has_port = true;
        if (u.host.empty() || u.host.size() > 253 || !std::all_of(u.host.begin(), u.host.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
            }))
            return error("the URL's host is not a valid host name or address");
    }
    if (has_port) {
        int n = 0;
        for (char c : port) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || (n = n * 10 + (c - '0')) > 65535) return error("the URL's port is not valid");
        }
        if (port.empty() || n == 0) return error("the URL's port is not valid");
        u.port = std::to_string(n);
    }
    rest = rest.substr(0, rest.find('#'));
    u.target = rest.empty() || rest[0] != '/' ? "/" + std::string(rest) : std::string(rest);
    return u;
}

bool address_allowed(const std::string& host, const std::string& address, const std::vector<std::string>& allow) {
    addr16 a;
    const bool have = to_addr16(address, a);
    for (const auto& entry : allow) {
        const auto slash = entry.find('/');
        addr16 net;
        if (slash != std::string::npos) {
            if (!have || !to_addr16(entry.substr(0, slash), net)) continue;
            int bits = std::atoi(entry.c_str() + slash + 1);
            if (net.v4) bits += 96;
            if (in_prefix(a, net, bits)) return true;
        } else if (to_addr16(entry, net)) {
            if (have && std::memcmp(a.b, net.b, 16) == 0) return true;
        } else if (iequal(entry, host)) {
            return true;
        }
    }
    return false;
}

namespace {

// Every address the name has must be acceptable (a name may mix public and internal ones);
// the connection goes to the checked address (`target`), so a second resolution cannot change
// it. Answers why not, or nothing.
std::string refused_address(const addrinfo* found, const std::string& host, const fetch_policy& policy, const addrinfo*& target) {
    for (const addrinfo* ai = found; ai; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN] = "";
        const void* raw = ai->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                                                   : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
        ::inet_ntop(ai->ai_family, raw, text, sizeof text);
        addr16 a;
        if (!to_addr16(text, a)) return "unknown address family";
        if (internal_address(a) && !address_allowed(host, text, policy.allow))
            return fmt::format("{} is an internal address (allow it with upload_url_allow)", text);
        if (!target) target = ai;
    }
    return "";
}

// The body of a whole HTTP/1.0 answer (status 200, chunked or not), or why it is refused.
std::optional<std::string> answer_body(const std::string& in, std::size_t max_head, const fetch_policy& policy, std::string& why) {
    const auto head_end = in.find("\r\n\r\n");
    if (head_end == std::string::npos || head_end > max_head) {
        why = "no valid HTTP answer";
        return std::nullopt;
    }
    const std::string_view head(in.data(), head_end);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/" || head.substr(8, 4) != " 200") {
        why = fmt::format("the answer's status is not 200: {}", std::string(head.substr(0, std::min<std::size_t>(head.find('\r'), 40))));
        return std::nullopt;
    }
    std::string body = in.substr(head_end + 4);
    if (ascii_lower(head).find("\r\ntransfer-encoding: chunked") != std::string::npos) {
        std::string plain;
        if (!dechunk(body, plain)) {
            why = "malformed chunked answer";
            return std::nullopt;
        }
        body = std::move(plain);
    }
    if (body.size() > policy.max_bytes) {
        why = "the answer is larger than the upload limit";
        return std::nullopt;
    }
    return body;
}

}  // namespace

result<std::string> fetch_url(std::string_view url, const fetch_policy& policy) {
    auto u = parse_http_url(url);
    if (!u) return u.err();
    const auto deadline = steady::now() + policy.deadline;
    auto refuse = [&](const std::string& why) -> result<std::string> {
        std::cerr << "url fetch refused: " << url << ": " << why << std::endl;  // the operator's view
        return error(uniform(policy));
    };
    auto left_ms = [&] {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
        return ms > 0 ? static_cast<int>(ms) : 0;
    };

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(u->host.c_str(), u->port.c_str(), &hints, &found) != 0 || !found) return refuse("name not resolved");
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, ::freeaddrinfo);
    const addrinfo* target = nullptr;
    if (auto why = refused_address(found, u->host, policy, target); !why.empty()) return refuse(why);
    fd_closer s{::socket(target->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return refuse("no socket");
    if (::connect(s.fd, target->ai_addr, target->ai_addrlen) != 0 && errno != EINPROGRESS) return refuse("connect failed");
    pollfd p{s.fd, POLLOUT, 0};
    if (::poll(&p, 1, left_ms()) <= 0) return refuse("connect timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return refuse("connect failed");

    // HTTP/1.0 and Connection: close: the answer ends when the connection does.
    const bool v6 = u->host.find(':') != std::string::npos;
    const std::string host_header = (v6 ? "[" + u->host + "]" : u->host) + (u->port == "80" ? "" : ":" + u->port);
    const std::string request = "GET " + u->target + " HTTP/1.0\r\nHost: " + host_header +
                                "\r\nUser-Agent: libdax-tap-server\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    for (std::size_t sent = 0; sent < request.size();) {
        p = {s.fd, POLLOUT, 0};
        if (::poll(&p, 1, left_ms()) <= 0) return refuse("sending timed out");
        const ssize_t n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return refuse("sending failed");
        sent += static_cast<std::size_t>(n);
    }
    const std::size_t max_head = 64 << 10;
    std::string in;
    char buf[64 << 10];
    for (;;) {
        p = {s.fd, POLLIN, 0};
        if (::poll(&p, 1, left_ms()) <= 0) return refuse("the answer took too long");
        const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return refuse("reading failed");
        if (n == 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        if (in.size() > policy.max_bytes + max_head) return refuse("the answer is larger than the upload limit");
    }
    std::string why;
    auto body = answer_body(in, max_head, policy, why);
    if (!body) return refuse(why);
    return std::move(*body);
}

}  // namespace dax::net
