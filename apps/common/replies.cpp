#include "replies.hpp"

#include <dax/utf8.hpp>

#include <dax/dali/errors.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace dax::http {

void reply_error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(dali::error_document(message), "application/x-votable+xml");
}

void reply_error(httplib::Response& res, const error& e) {
    if (e.kind() == error_kind::overloaded || e.kind() == error_kind::quota)
        res.set_header("Retry-After", std::to_string(std::max<long long>(1, e.retry_after().count())));
    if (e.kind() == error_kind::unauthenticated) res.set_header("WWW-Authenticate", "Bearer");
    reply_error(res, dali::http_status(e.kind()), e.what());
}

dali::parameters request_parameters(const httplib::Request& req) {
    dali::parameters p;
    for (const auto& [k, v] : req.params) p.push_back({k, v});
    for (const auto& [k, f] : req.files)
        if (f.filename.empty()) p.push_back({k, f.content});
    return p;
}

void serve_file(httplib::Response& res, const std::string& path, const std::string& mime) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return reply_error(res, error(error_kind::not_found, "the file is gone"));
    auto file = std::shared_ptr<int>(new int(fd), [](int* f) { ::close(*f); delete f; });
    const auto size = ::lseek(fd, 0, SEEK_END);
    if (size < 0) return reply_error(res, error(error_kind::internal, "the file cannot be read"));
    res.set_content_provider(static_cast<std::size_t>(size), mime,
                             [file](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                 std::vector<char> buf(std::min<std::size_t>(length, 1 << 20));
                                 while (length) {
                                     const auto n = ::pread(*file, buf.data(), std::min(length, buf.size()),
                                                            static_cast<off_t>(offset));
                                     if (n <= 0 || !sink.write(buf.data(), static_cast<std::size_t>(n))) return false;
                                     offset += static_cast<std::size_t>(n);
                                     length -= static_cast<std::size_t>(n);
                                 }
                                 return true;
                             });
}

std::string json_string(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {  // a valid UTF-8 sequence is copied; anything else becomes U+FFFD
            const std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (c >= 0xC2 && c <= 0xF4 && i + n <= s.size() && valid_utf8(s.substr(i, n))) {
                out.append(s.substr(i, n));
                i += n;
            } else {
                out += "\\ufffd";
                ++i;
            }
            continue;
        }
        if (c == '"' || c == '\\') out += {'\\', static_cast<char>(c)};
        else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') out += {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        else out += static_cast<char>(c);
        ++i;
    }
    return out + '"';
}

}  // namespace dax::http
