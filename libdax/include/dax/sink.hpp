#pragma once
/// Where output bytes go: every writer of libdax (tables, documents, job results) writes to a
/// sink, so a result can go to a string, a stream, a file descriptor or an HTTP response.
#include <cstddef>
#include <ostream>
#include <string>

namespace dax {

/// Where output bytes go.
class sink {
public:
    virtual ~sink() = default;
    virtual void write(const char* data, std::size_t size) = 0;
    virtual void flush() {}
};

/// Appends to a std::string.
class string_sink final : public sink {
public:
    void write(const char* data, std::size_t size) override { out.append(data, size); }
    std::string out;
};

/// Writes to a std::ostream.
class ostream_sink final : public sink {
public:
    explicit ostream_sink(std::ostream& os) : os_(os) {}
    void write(const char* data, std::size_t size) override;
    void flush() override { os_.flush(); }

private:
    std::ostream& os_;
};

/// Writes to a file descriptor (throws dax::error on failure).
class fd_sink final : public sink {
public:
    explicit fd_sink(int fd) : fd_(fd) {}
    void write(const char* data, std::size_t size) override;

private:
    int fd_;
};

}  // namespace dax
