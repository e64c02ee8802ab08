#include <dax/error.hpp>
#include <dax/sink.hpp>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace dax {

void ostream_sink::write(const char* data, std::size_t size) {
    os_.write(data, static_cast<std::streamsize>(size));
    if (!os_) throw error("cannot write the table: output stream failed");
}

void fd_sink::write(const char* data, std::size_t size) {
    while (size) {
        ssize_t n = ::write(fd_, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw error(std::string("cannot write the table: ") + std::strerror(errno));
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

}  // namespace dax
